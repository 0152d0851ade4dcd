#include "site_settings.h"

#include "stack_db.h"
#include "tdm/crawler/scope_rules.h"

namespace tdm::cli {

Result<std::string> SetSitePoliteness(const Home& home, int64_t site_id,
                                      const PolitenessOverride& change) {
  if (change.clear && (change.delay_ms || change.concurrency)) {
    return Status::InvalidArgument("--default cannot be combined with --delay-ms or --concurrency");
  }
  if (!change.clear && !change.delay_ms && !change.concurrency) {
    return Status::InvalidArgument("give --delay-ms, --concurrency, or --default");
  }
  if (change.delay_ms && (*change.delay_ms < 0 || *change.delay_ms > 600000)) {
    return Status::InvalidArgument("--delay-ms must be 0..600000");
  }
  if (change.concurrency && (*change.concurrency < 1 || *change.concurrency > 64)) {
    return Status::InvalidArgument("--concurrency must be 1..64");
  }
  if (!change.clear && change.reason.empty()) {
    return Status::InvalidArgument("--reason is required: an override is recorded with why");
  }
  auto row = InStackDb(home, [&](pqxx::work& tx) -> std::optional<std::string> {
    auto r = tx.exec_params(
        "UPDATE sites SET crawl_delay_ms = $2, max_concurrency = $3,"
        " politeness_reason = NULLIF($4, '') WHERE id = $1"
        " RETURNING coalesce(crawl_delay_ms::text, 'default'),"
        " coalesce(max_concurrency::text, 'default'), coalesce(politeness_reason, '')",
        site_id, change.delay_ms, change.concurrency, change.clear ? "" : change.reason);
    if (r.empty()) return std::nullopt;
    std::string out = "delay " + r[0][0].as<std::string>() +
                      (r[0][0].as<std::string>() == "default" ? "" : " ms") + ", concurrency " +
                      r[0][1].as<std::string>();
    if (!r[0][2].as<std::string>().empty()) out += " (" + r[0][2].as<std::string>() + ")";
    return out;
  });
  if (!row.ok()) return row.status();
  if (!row->has_value()) return Status::NotFound("site " + std::to_string(site_id));
  return **row;
}

Result<std::string> SetSiteScope(const Home& home, int64_t site_id,
                                 const std::vector<std::string>& include,
                                 const std::vector<std::string>& exclude) {
  crawler::ScopeRules rules;
  rules.include = include;
  rules.exclude = exclude;
  if (Status s = rules.Validate(); !s.ok()) return s;
  auto row = InStackDb(home, [&](pqxx::work& tx) {
    return !tx.exec_params(
                  "UPDATE sites SET include_patterns = $2::text[], exclude_patterns = $3::text[]"
                  " WHERE id = $1 RETURNING id",
                  site_id, PgTextArray(include), PgTextArray(exclude))
                .empty();
  });
  if (!row.ok()) return row.status();
  if (!*row) return Status::NotFound("site " + std::to_string(site_id));
  return std::to_string(include.size()) + " include and " + std::to_string(exclude.size()) +
         " exclude pattern(s)";
}

Result<std::string> SetSiteRobots(const Home& home, int64_t site_id, bool obey,
                                  const std::string& reason) {
  if (!obey && reason.empty()) {
    return Status::InvalidArgument("--reason is required: an override is recorded with why");
  }
  auto row = InStackDb(home, [&](pqxx::work& tx) -> std::optional<std::string> {
    auto r = tx.exec_params(
        "UPDATE sites SET obey_robots = $2, robots_reason = NULLIF($3, '') WHERE id = $1"
        " RETURNING coalesce(robots_reason, '')",
        site_id, obey, obey ? "" : reason);
    if (r.empty()) return std::nullopt;
    return obey ? std::string("robots.txt honoured")
                : "robots.txt ignored (" + r[0][0].as<std::string>() + ")";
  });
  if (!row.ok()) return row.status();
  if (!row->has_value()) return Status::NotFound("site " + std::to_string(site_id));
  return **row;
}

}  // namespace tdm::cli
