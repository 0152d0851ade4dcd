#include <functional>
#include <optional>

#include "pg_drafting.h"
#include "tdm/common/pg_adapter.h"
#include "tdm/notifier/takedown_store.h"

namespace tdm::notifier {
namespace {

class PgTakedownStore final : public TakedownStore {
 public:
  explicit PgTakedownStore(std::string dsn) : pg_(std::move(dsn)) {}

  Result<AddOutcome> AddMatch(int64_t match_id,
                              const std::function<Draft(const DraftInput&)>& draft) override {
    return pg_.Transact([&](pqxx::work& tx) {
      AddOutcome out;
      auto m = tx.exec_params(
          "SELECT m.subject_id, s.host, s.page_url, s.image_url, s.site_id FROM matches m"
          " JOIN sightings s ON s.id = m.sighting_id JOIN subjects p ON p.id = m.subject_id"
          " WHERE m.id = $1 AND m.status = 'confirmed' AND p.withdrawn_at IS NULL",
          match_id);
      if (m.empty()) return out;
      out.found = true;
      const int64_t subject_id = m[0][0].as<int64_t>();
      const std::string host = m[0][1].as<std::string>();
      LockDrafting(tx, subject_id, host);
      // A redelivered match already in a request (of any status) opens nothing.
      auto held =
          tx.exec_params("SELECT takedown_id FROM takedown_items WHERE match_id = $1", match_id);
      if (!held.empty()) {
        out.takedown_id = held[0][0].as<int64_t>();
        return out;
      }
      out.takedown_id =
          OpenDraft(tx, subject_id, host,
                    m[0][4].is_null() ? std::optional<int64_t>()
                                      : std::optional<int64_t>(m[0][4].as<int64_t>()),
                    "drafted from match " + std::to_string(match_id), &out.new_request);
      auto item = tx.exec_params(
          "INSERT INTO takedown_items (takedown_id, match_id, page_url, image_url)"
          " VALUES ($1, $2, $3, $4) ON CONFLICT (takedown_id, match_id) DO NOTHING RETURNING id",
          out.takedown_id, match_id, m[0][2].as<std::string>(), m[0][3].as<std::string>());
      out.new_item = !item.empty();
      if (!out.new_item) return out;
      if (auto earlier = EarlierRemovedRequests(tx, match_id); !earlier.empty()) {
        tx.exec_params(
            "UPDATE takedowns SET cites = ARRAY(SELECT DISTINCT unnest(cites || $2::bigint[])"
            " ORDER BY 1) WHERE id = $1",
            out.takedown_id, PgNumberArray(earlier));
      }
      RedraftInTx(tx, out.takedown_id, draft);
      return out;
    });
  }

  Result<std::vector<int64_t>> MarkOverdue() override {
    return pg_.Transact([](pqxx::work& tx) {
      std::vector<int64_t> out;
      for (const auto& r : tx.exec(
               "WITH late AS (UPDATE takedowns t SET updated_at = now(),"
               "  status = CASE WHEN EXISTS (SELECT 1 FROM takedown_items i WHERE"
               "   i.takedown_id = t.id AND i.state = 'removed') THEN 'partially_removed'"
               "   ELSE 'overdue' END"
               "  FROM takedowns old WHERE old.id = t.id"
               "  AND t.status IN ('sent', 'acknowledged', 'escalated')"
               "  AND t.deadline_at < now() RETURNING t.id, old.status AS was, t.status AS now,"
               "  t.deadline_at)"
               " INSERT INTO takedown_events (takedown_id, from_status, to_status, actor, note)"
               " SELECT id, was, now, 'tdm', 'removal deadline passed at ' ||"
               "  to_char(deadline_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI \"UTC\"') ||"
               "  CASE WHEN now = 'partially_removed' THEN ' with some of the material still up'"
               "  ELSE '' END FROM late"
               " RETURNING takedown_id")) {
        out.push_back(r[0].as<int64_t>());
      }
      return out;
    });
  }

  Result<std::vector<int64_t>> UndraftedMatches(size_t limit) override {
    return pg_.Transact([&](pqxx::work& tx) {
      std::vector<int64_t> out;
      auto rows = tx.exec_params(
          "SELECT m.id FROM matches m JOIN subjects p ON p.id = m.subject_id"
          " LEFT JOIN takedown_items i ON i.match_id = m.id"
          " WHERE i.id IS NULL AND m.status = 'confirmed' AND p.withdrawn_at IS NULL"
          " ORDER BY m.id LIMIT $1",
          static_cast<int64_t>(limit));
      for (const auto& row : rows) out.push_back(row[0].as<int64_t>());
      return out;
    });
  }

 private:
  PgSession pg_;
};

}  // namespace

std::unique_ptr<TakedownStore> MakePgTakedownStore(const std::string& dsn) {
  return std::make_unique<PgTakedownStore>(dsn);
}

}  // namespace tdm::notifier
