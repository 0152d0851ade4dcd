#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tdm/common/home.h"
#include "tdm/common/status.h"

namespace tdm::cli {

// Matches as a person reviews them: listing, confirming and rejecting. Only
// confirmed matches reach the notifier.

Result<std::string> ListMatches(const Home& home, int64_t subject_id, bool json,
                                const std::string& status_filter);

// Moves each match to `confirmed` or `rejected` (a person's decision, kept
// from then on) and hands confirmed ones to the notifier. Unknown ids are an
// error naming them; nothing changes then.
Result<int> ReviewMatches(const Home& home, const std::vector<int64_t>& ids, bool confirm);

// Ids of a subject's matches waiting for review.
Result<std::vector<int64_t>> PendingMatchIds(const Home& home, int64_t subject_id);

// Waits until every confirmed match of the subject is part of a takedown
// request and every draft of theirs is prepared (recipients found, regimes
// chosen), or Unavailable after `timeout_s`.
Status WaitForDrafts(const Home& home, int64_t subject_id, double timeout_s);

}  // namespace tdm::cli
