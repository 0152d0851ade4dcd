#include <nlohmann/json.hpp>

#include "tdm/common/pg_adapter.h"
#include "tdm/crawler/crawl_store.h"

namespace tdm::crawler {
namespace {

class PgCrawlStore final : public CrawlStore {
 public:
  explicit PgCrawlStore(std::string dsn) : pg_(std::move(dsn)) {}

  Result<std::optional<PageClaim>> Claim(const FrontierItem& item) override {
    return pg_.Transact([&](pqxx::work& tx) -> std::optional<PageClaim> {
      auto r = tx.exec_params(
          "UPDATE crawl_urls u SET state = 'fetching', attempts = attempts + 1, updated_at = now()"
          " FROM crawls c JOIN sites s ON s.id = c.site_id"
          " WHERE u.crawl_id = $1 AND u.url = $2 AND u.state IN ('queued', 'fetching')"
          "   AND c.id = u.crawl_id"
          " RETURNING s.id, s.seed_url, s.allow_private, s.max_pages, s.max_depth, u.depth,"
          " s.crawl_delay_ms, s.max_concurrency, s.obey_robots, u.attempts,"
          " array_to_json(s.include_patterns)::text, array_to_json(s.exclude_patterns)::text,"
          " (SELECT array_to_json(x.headers)::text FROM site_secrets x WHERE x.site_id = s.id),"
          " (SELECT x.cookie FROM site_secrets x WHERE x.site_id = s.id)",
          item.crawl_id, item.url);
      if (r.empty()) return std::nullopt;
      PageClaim c;
      c.site.site_id = r[0][0].as<int64_t>();
      c.site.seed_url = r[0][1].as<std::string>();
      c.site.allow_private = r[0][2].as<bool>();
      c.site.max_pages = r[0][3].as<int>();
      c.site.max_depth = r[0][4].as<int>();
      c.depth = r[0][5].as<int>();
      if (!r[0][6].is_null()) c.site.crawl_delay_ms = r[0][6].as<int>();
      if (!r[0][7].is_null()) c.site.max_concurrency = r[0][7].as<int>();
      c.site.obey_robots = r[0][8].as<bool>();
      c.attempts = r[0][9].as<int>();
      c.site.include_patterns =
          nlohmann::json::parse(r[0][10].as<std::string>()).get<std::vector<std::string>>();
      c.site.exclude_patterns =
          nlohmann::json::parse(r[0][11].as<std::string>()).get<std::vector<std::string>>();
      if (!r[0][12].is_null()) {
        c.site.session_headers =
            nlohmann::json::parse(r[0][12].as<std::string>()).get<std::vector<std::string>>();
      }
      c.site.session_cookie = r[0][13].as<std::string>("");
      return c;
    });
  }

  Result<RecordedLinks> Record(const FrontierItem& item, const PageClaim& claim,
                               const PageOutcome& o) override {
    return pg_.Transact([&](pqxx::work& tx) {
      RecordedLinks out;
      if (o.retry_after) {  // queued again, republished by Requeue once due
        tx.exec_params(
            "UPDATE crawl_urls SET state = 'queued', http_status = NULLIF($3, 0),"
            " error = NULLIF($4, ''), retry_at = now() + make_interval(secs => $5),"
            " updated_at = now() WHERE crawl_id = $1 AND url = $2",
            item.crawl_id, item.url, o.http_status, o.error,
            static_cast<double>(o.retry_after->count()));
        return out;
      }
      tx.exec_params(
          "UPDATE crawl_urls SET state = $3, http_status = NULLIF($4, 0),"
          " content_type = NULLIF($5, ''), bytes = $6, error = NULLIF($7, ''), retry_at = NULL,"
          " updated_at = now() WHERE crawl_id = $1 AND url = $2",
          item.crawl_id, item.url, o.ok ? "done" : "failed", o.http_status, o.content_type, o.bytes,
          o.error);
      if (!o.new_pages.empty() && claim.depth < claim.site.max_depth) {
        int64_t known =
            tx.exec_params1("SELECT count(*) FROM crawl_urls WHERE crawl_id = $1", item.crawl_id)[0]
                .as<int64_t>();
        for (const std::string& url : o.new_pages) {
          if (known >= claim.site.max_pages) break;
          auto r = tx.exec_params(
              "INSERT INTO crawl_urls (crawl_id, url, depth) VALUES ($1, $2, $3)"
              " ON CONFLICT DO NOTHING RETURNING url",
              item.crawl_id, url, claim.depth + 1);
          if (r.empty()) continue;
          ++known;
          out.pages.push_back({item.crawl_id, item.site_id, url, claim.depth + 1});
        }
      }
      for (const FoundImage& img : o.images) {
        auto r = tx.exec_params(
            "INSERT INTO image_refs (crawl_id, page_url, image_url, how) VALUES ($1, $2, $3, $4)"
            " ON CONFLICT DO NOTHING RETURNING image_url",
            item.crawl_id, item.url, img.url, img.how);
        if (r.empty()) continue;
        out.images.push_back(
            {item.crawl_id, item.site_id, item.url, img.url, claim.site.allow_private});
      }
      return out;
    });
  }

  Result<double> FrontierLag() override {
    return pg_.Transact([](pqxx::work& tx) {
      return tx
          .exec1(
              "SELECT coalesce(extract(epoch FROM now() - min(updated_at)), 0)::float8"
              " FROM crawl_urls WHERE state = 'queued'")[0]
          .as<double>();
    });
  }

  Result<RecordedLinks> Requeue(std::chrono::seconds older_than, int max_attempts) override {
    return pg_.Transact([&](pqxx::work& tx) {
      RecordedLinks out;
      const std::string age = std::to_string(older_than.count()) + " seconds";
      // Due: a retry whose time has come, or work whose message was lost.
      const std::string due =
          " (CASE WHEN retry_at IS NOT NULL THEN retry_at <= now()"
          " ELSE updated_at < now() - $1::interval END)";
      tx.exec_params(
          "UPDATE crawl_urls SET state = 'failed', retry_at = NULL, error = 'gave up after ' ||"
          " attempts || ' attempts' || coalesce(': ' || error, ''), updated_at = now()"
          " WHERE state IN ('queued', 'fetching') AND attempts >= $2 AND" +
              due,
          age, max_attempts);
      auto pages = tx.exec_params(
          "UPDATE crawl_urls u SET state = 'queued', retry_at = NULL, updated_at = now()"
          " FROM crawls c WHERE c.id = u.crawl_id AND u.state IN ('queued', 'fetching') AND" +
              std::string(" (CASE WHEN u.retry_at IS NOT NULL THEN u.retry_at <= now()"
                          " ELSE u.updated_at < now() - $1::interval END)") +
              " RETURNING u.crawl_id, c.site_id, u.url, u.depth",
          age);
      for (const auto& row : pages) {
        out.pages.push_back({row[0].as<int64_t>(), row[1].as<int64_t>(), row[2].as<std::string>(),
                             row[3].as<int>()});
      }
      tx.exec_params(
          "UPDATE image_refs SET state = 'failed', error = 'gave up after ' || attempts ||"
          " ' attempts', updated_at = now() WHERE state = 'queued'"
          " AND updated_at < now() - $1::interval AND attempts >= $2",
          age, max_attempts);
      auto images = tx.exec_params(
          "UPDATE image_refs r SET attempts = attempts + 1, updated_at = now()"
          " FROM crawls c JOIN sites s ON s.id = c.site_id"
          " WHERE c.id = r.crawl_id AND r.state = 'queued' AND r.updated_at < now() - $1::interval"
          " RETURNING r.crawl_id, c.site_id, r.page_url, r.image_url, s.allow_private",
          age);
      for (const auto& row : images) {
        out.images.push_back({row[0].as<int64_t>(), row[1].as<int64_t>(), row[2].as<std::string>(),
                              row[3].as<std::string>(), row[4].as<bool>()});
      }
      return out;
    });
  }

 private:
  PgSession pg_;
};

}  // namespace

std::unique_ptr<CrawlStore> MakePgCrawlStore(const std::string& dsn) {
  return std::make_unique<PgCrawlStore>(dsn);
}

}  // namespace tdm::crawler
