#include <map>

#include "tdm/common/pg_adapter.h"
#include "tdm/crawler/scheduler.h"

namespace tdm::crawler {
namespace {

// pg_try_advisory_lock(kLockClass, kLockObject): the recrawl scheduler's
// lock (the migration lock is a single bigint key; the notifier's are
// transaction locks keyed by subject).
constexpr int kLockClass = 0x7464;  // "td"
constexpr int kLockObject = 1;

class PgScheduleStore final : public ScheduleStore {
 public:
  explicit PgScheduleStore(std::string dsn) : pg_(std::move(dsn)) {}

  Result<bool> Lead() override {
    // A session lock taken inside a transaction outlives it; held already,
    // it is not taken twice (the lock would count up).
    return pg_.Transact([](pqxx::work& tx) {
      return tx
          .exec_params1(
              "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory'"
              "   AND pid = pg_backend_pid() AND classid = $1::int4::oid"
              "   AND objid = $2::int4::oid AND objsubid = 2 AND granted)"
              " OR pg_try_advisory_lock($1::int4, $2::int4)",
              kLockClass, kLockObject)[0]
          .as<bool>();
    });
  }

  Result<std::vector<FrontierItem>> EnqueueDue(size_t limit) override {
    return pg_.Transact([&](pqxx::work& tx) {
      tx.exec(
          "UPDATE crawls c SET finished_at = now() WHERE c.kind = 'recrawl'"
          " AND c.finished_at IS NULL AND NOT EXISTS (SELECT 1 FROM crawl_urls u"
          "   WHERE u.crawl_id = c.id AND u.state IN ('queued', 'fetching'))");
      tx.exec(
          "INSERT INTO site_pages (site_id, url, depth, kind, interval_secs, next_due)"
          " SELECT id, seed_url, 0, 'index', recrawl_every_secs, now() FROM sites"
          " WHERE recrawl_every_secs IS NOT NULL ON CONFLICT DO NOTHING");
      auto due = tx.exec_params(
          "UPDATE site_pages sp SET next_due = now() + make_interval(secs => sp.interval_secs)"
          " FROM (SELECT p.site_id, p.url FROM site_pages p JOIN sites s ON s.id = p.site_id"
          "       WHERE s.recrawl_every_secs IS NOT NULL AND p.next_due <= now()"
          "       ORDER BY p.next_due LIMIT $1 FOR UPDATE OF p SKIP LOCKED) d"
          " WHERE sp.site_id = d.site_id AND sp.url = d.url"
          " RETURNING sp.site_id, sp.url, sp.depth, sp.kind",
          static_cast<int64_t>(limit));
      std::vector<FrontierItem> out;
      if (due.empty()) return out;
      std::map<int64_t, std::vector<pqxx::row>> by_site;
      for (const auto& r : due) by_site[r[0].as<int64_t>()].push_back(r);
      for (const auto& [site_id, rows] : by_site) {
        const int64_t crawl_id = OpenRecrawl(tx, site_id);
        std::vector<std::string> urls, kinds;
        std::vector<int> depths;
        for (const auto& r : rows) {
          urls.push_back(r[1].as<std::string>());
          depths.push_back(r[2].as<int>());
          kinds.push_back(r[3].as<std::string>());
        }
        // A page done earlier in the same open recrawl is queued again; one
        // still queued or being fetched is left as it is.
        for (const auto& r : tx.exec_params(
                 "INSERT INTO crawl_urls AS u (crawl_id, url, depth, kind)"
                 " SELECT $1, m.url, m.depth, m.kind"
                 " FROM unnest($2::text[], $3::int[], $4::text[]) AS m(url, depth, kind)"
                 " ON CONFLICT (crawl_id, url) DO UPDATE SET state = 'queued', attempts = 0,"
                 " retry_at = NULL, error = NULL, http_status = NULL, updated_at = now()"
                 " WHERE u.state IN ('done', 'failed') RETURNING u.url, u.depth",
                 crawl_id, PgTextArray(urls), PgNumberArray(depths), PgTextArray(kinds))) {
          out.push_back({crawl_id, site_id, r[0].as<std::string>(), r[1].as<int>()});
        }
      }
      return out;
    });
  }

 private:
  static int64_t OpenRecrawl(pqxx::work& tx, int64_t site_id) {
    auto open = tx.exec_params(
        "SELECT id FROM crawls WHERE site_id = $1 AND kind = 'recrawl' AND finished_at IS NULL"
        " ORDER BY id LIMIT 1",
        site_id);
    if (!open.empty()) return open[0][0].as<int64_t>();
    return tx
        .exec_params1("INSERT INTO crawls (site_id, kind) VALUES ($1, 'recrawl') RETURNING id",
                      site_id)[0]
        .as<int64_t>();
  }

  PgSession pg_;
};

}  // namespace

std::unique_ptr<ScheduleStore> MakePgScheduleStore(const std::string& dsn) {
  return std::make_unique<PgScheduleStore>(dsn);
}

}  // namespace tdm::crawler
