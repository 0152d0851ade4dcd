#pragma once

// Inside the notifier's PostgreSQL adapters: (re)drafting a request's text
// from what the database holds, within the caller's transaction.

#include <cstdint>
#include <functional>
#include <vector>

#include "tdm/common/pg_adapter.h"
#include "tdm/notifier/draft.h"

namespace tdm::notifier {

using DraftFn = std::function<Draft(const DraftInput&)>;

// Loads everything the notice says (subject, host, recipient, regimes, the
// items with their hashes and first sightings, the requests it cites) and
// stores the drafted subject line, body and what is still missing. A request
// without a recipient yet also misses "recipient".
void RedraftInTx(pqxx::work& tx, int64_t takedown_id, const DraftFn& draft);

// Earlier requests of the subject that ended removed (or partly, for the
// items found removed) and held the same image, or a match on the same
// registered photo or face, as match `match_id`: the new request cites them
// (a re-upload). A request marked removed by hand counts with all its items.
std::vector<int64_t> EarlierRemovedRequests(pqxx::work& tx, int64_t match_id);

}  // namespace tdm::notifier
