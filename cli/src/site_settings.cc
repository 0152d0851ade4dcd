#include "site_settings.h"

#include "stack_db.h"
#include "tdm/crawler/recrawl.h"
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

Result<std::string> SetSiteSession(const Home& home, int64_t site_id,
                                   const std::vector<std::string>& headers,
                                   const std::string& cookie) {
  std::string names;  // what is printed: the header names only
  for (const std::string& h : headers) {
    const size_t colon = h.find(':');
    if (colon == std::string::npos || colon == 0) {
      return Status::InvalidArgument("--header must look like \"Name: value\"");
    }
    names += (names.empty() ? "" : ", ") + h.substr(0, colon);
  }
  for (const std::string& v : headers) {
    if (v.find_first_of("\r\n") != std::string::npos) {
      return Status::InvalidArgument("a session value may not contain a line break");
    }
  }
  if (cookie.find_first_of("\r\n") != std::string::npos) {
    return Status::InvalidArgument("a session value may not contain a line break");
  }
  auto stored = InStackDb(home, [&](pqxx::work& tx) {
    if (tx.exec_params("SELECT 1 FROM sites WHERE id = $1", site_id).empty()) return false;
    if (headers.empty() && cookie.empty()) {
      tx.exec_params("DELETE FROM site_secrets WHERE site_id = $1", site_id);
    } else {
      tx.exec_params(
          "INSERT INTO site_secrets (site_id, headers, cookie) VALUES ($1, $2::text[], $3)"
          " ON CONFLICT (site_id) DO UPDATE SET headers = EXCLUDED.headers,"
          " cookie = EXCLUDED.cookie, updated_at = now()",
          site_id, PgTextArray(headers), cookie);
    }
    return true;
  });
  if (!stored.ok()) return stored.status();
  if (!*stored) return Status::NotFound("site " + std::to_string(site_id));
  if (headers.empty() && cookie.empty()) return std::string("no session");
  std::string out;
  if (!headers.empty()) out = (headers.size() == 1 ? "header " : "headers ") + names + " set";
  if (!cookie.empty()) out += (out.empty() ? "" : ", ") + std::string("cookie set");
  return out;
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

Result<std::string> SetSiteLimits(const Home& home, int64_t site_id, const SiteLimits& change) {
  const struct {
    const char* flag;
    const char* column;
    const std::optional<int64_t>& value;
    int64_t min, max;
    const char* unit;
  } fields[] = {
      {"--max-depth", "max_depth", change.max_depth, 0, 1000, "depth"},
      {"--max-pages", "max_pages", change.max_pages, 1, 10000000, "pages"},
      {"--max-url-length", "max_url_length", change.max_url_length, 64, 65536, "URL bytes"},
      {"--max-params", "max_query_params", change.max_query_params, 0, 100, "query params"},
      {"--max-segments", "max_path_segments", change.max_path_segments, 1, 200, "path segments"},
      {"--calendar-days", "calendar_window_days", change.calendar_window_days, 1, 36500,
       "calendar days"},
  };
  std::string set = "id = id";
  for (const auto& f : fields) {
    if (!f.value) continue;
    if (change.reset) return Status::InvalidArgument("--default cannot be combined with limits");
    if (*f.value < f.min || *f.value > f.max) {
      return Status::InvalidArgument(std::string(f.flag) + " must be " + std::to_string(f.min) +
                                     ".." + std::to_string(f.max));
    }
    set += std::string(", ") + f.column + " = " + std::to_string(*f.value);
  }
  if (change.reset) {
    set =
        "max_depth = 20, max_pages = 10000, max_url_length = NULL, max_query_params = NULL,"
        " max_path_segments = NULL, calendar_window_days = NULL";
  }
  auto row = InStackDb(home, [&](pqxx::work& tx) -> std::optional<std::string> {
    auto r = tx.exec_params("UPDATE sites SET " + set +
                                " WHERE id = $1 RETURNING max_depth, max_pages, max_url_length,"
                                " max_query_params, max_path_segments, calendar_window_days",
                            site_id);
    if (r.empty()) return std::nullopt;
    std::string out;
    for (size_t i = 0; i < std::size(fields); ++i) {
      if (i) out += ", ";
      out += r[0][static_cast<int>(i)].is_null()
                 ? std::string("default ") + fields[i].unit
                 : r[0][static_cast<int>(i)].as<std::string>() + " " + fields[i].unit;
    }
    return out;
  });
  if (!row.ok()) return row.status();
  if (!row->has_value()) return Status::NotFound("site " + std::to_string(site_id));
  return **row;
}

Result<std::string> SetSiteSchedule(const Home& home, int64_t site_id,
                                    std::optional<std::chrono::seconds> every) {
  auto pages = InStackDb(home, [&](pqxx::work& tx) -> std::optional<int64_t> {
    if (tx.exec_params(
              "UPDATE sites SET recrawl_every_secs = NULLIF($2, 0) WHERE id = $1 RETURNING id",
              site_id, static_cast<int64_t>(every ? every->count() : 0))
            .empty()) {
      return std::nullopt;
    }
    if (!every) return 0;
    tx.exec_params(
        "INSERT INTO site_pages (site_id, url, depth, kind, interval_secs, next_due)"
        " SELECT id, seed_url, 0, 'index', $2, now() FROM sites WHERE id = $1"
        " ON CONFLICT DO NOTHING",
        site_id, static_cast<int64_t>(every->count()));
    return tx
        .exec_params1(
            "WITH p AS (UPDATE site_pages SET next_due = least(next_due, now() +"
            " make_interval(secs => $2)) WHERE site_id = $1 RETURNING 1) SELECT count(*) FROM p",
            site_id, static_cast<int64_t>(every->count()))[0]
        .as<int64_t>();
  });
  if (!pages.ok()) return pages.status();
  if (!pages->has_value()) return Status::NotFound("site " + std::to_string(site_id));
  if (!every) return std::string("not re-checked");
  return "re-checked every " + crawler::FormatEvery(*every) + " (" + std::to_string(**pages) +
         " known page(s); index pages about that often, unchanged pages less)";
}

}  // namespace tdm::cli
