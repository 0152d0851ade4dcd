#pragma once

// Inside the notifier's PostgreSQL adapters: (re)drafting a request's text
// from what the database holds, within the caller's transaction.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "tdm/common/pg_adapter.h"
#include "tdm/notifier/draft.h"
#include "tdm/notifier/schedule_sql.h"

namespace tdm::notifier {

using DraftFn = std::function<Draft(const DraftInput&)>;

// Loads everything the notice says (subject, host, recipient, regimes, the
// items with their hashes and first sightings, the requests it cites) and
// stores the drafted subject line, body and what is still missing. A request
// without a recipient yet also misses "recipient".
void RedraftInTx(pqxx::work& tx, int64_t takedown_id, const DraftFn& draft);

// The subject's open draft for `host`, opened (with its first event, `note`)
// when there is none; the caller holds LockDrafting(). Sets *opened.
int64_t OpenDraft(pqxx::work& tx, int64_t subject_id, const std::string& host,
                  std::optional<int64_t> site_id, const std::string& note, bool* opened);

// Serialises everyone drafting for (subject, host) until the transaction ends.
void LockDrafting(pqxx::work& tx, int64_t subject_id, const std::string& host);

// Items `item_ids` of removed request `removed_id` are back online: lists
// their matches again in the subject's draft for the host (opened if need
// be), which cites the removed request and is prepared again; records an
// event on the removed request. Returns the draft's id.
int64_t ReopenRemoved(pqxx::work& tx, int64_t removed_id, const std::vector<int64_t>& item_ids);

// Earlier requests of the subject that ended removed (or partly, for the
// items found removed) and held the same image, or a match on the same
// registered photo or face, as match `match_id`: the new request cites them
// (a re-upload). A request marked removed by hand counts with all its items.
std::vector<int64_t> EarlierRemovedRequests(pqxx::work& tx, int64_t match_id);

}  // namespace tdm::notifier
