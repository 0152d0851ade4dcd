#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tdm/common/status.h"
#include "tdm/notifier/draft.h"

namespace tdm::notifier {

// What adding a match to its takedown request did.
struct AddOutcome {
  bool found = false;        // the match exists and is confirmed
  bool new_request = false;  // a takedown request was created for it
  bool new_item = false;     // the match was not yet part of the request
  int64_t takedown_id = 0;
};

// The notifier's view of PostgreSQL. AddMatch() is idempotent and atomic:
// within one transaction it finds or creates the one open draft for the
// match's (subject, host) (an approved or sent request is never changed: a
// new match opens a new draft), adds the match as an item, and redrafts the text
// with `draft`. Errors: Unavailable when the database is away.
class TakedownStore {
 public:
  virtual ~TakedownStore() = default;
  virtual Result<AddOutcome> AddMatch(int64_t match_id,
                                      const std::function<Draft(const DraftInput&)>& draft) = 0;
  // Confirmed matches that no request holds yet (their message was lost).
  virtual Result<std::vector<int64_t>> UndraftedMatches(size_t limit) = 0;
  // Marks sent or acknowledged requests past their deadline overdue (actor
  // "tdm", the deadline as the reason); returns their ids.
  virtual Result<std::vector<int64_t>> MarkOverdue() = 0;
};

std::unique_ptr<TakedownStore> MakePgTakedownStore(const std::string& dsn);

}  // namespace tdm::notifier
