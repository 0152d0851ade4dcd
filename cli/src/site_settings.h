#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tdm/common/home.h"
#include "tdm/common/status.h"

namespace tdm::cli {

// A per-site politeness override, recorded with its reason; both values
// unset (with `clear`) returns the site to the crawler's defaults.
struct PolitenessOverride {
  std::optional<int> delay_ms;     // 0..600000
  std::optional<int> concurrency;  // 1..64
  std::string reason;              // required unless clearing
  bool clear = false;
};

// Errors: InvalidArgument naming the bad value or the missing reason;
// NotFound for an unknown site. Returns a one-line description of the
// site's politeness now.
Result<std::string> SetSitePoliteness(const Home& home, int64_t site_id,
                                      const PolitenessOverride& change);

// Whether the crawler honours a site's robots.txt. Ignoring it needs a
// reason, which is recorded (e.g. "the host's operator asked us to check").
// Returns a one-line description.
Result<std::string> SetSiteRobots(const Home& home, int64_t site_id, bool obey,
                                  const std::string& reason);

// Replaces a site's scope patterns (robots.txt-style paths with '*' and a
// final '$'): a page must match an include pattern when there are any, and
// none of the exclude patterns. Errors: InvalidArgument naming a bad
// pattern; NotFound for an unknown site. Returns a one-line description.
Result<std::string> SetSiteScope(const Home& home, int64_t site_id,
                                 const std::vector<std::string>& include,
                                 const std::vector<std::string>& exclude);

// Stores a site's session (request headers "Name: value" and/or a cookie)
// for pages behind a login; secrets, never printed or logged. None given
// clears it. Errors: InvalidArgument for a header without "Name: value" or
// with a line break; NotFound for an unknown site. Returns what is stored,
// without the values.
Result<std::string> SetSiteSession(const Home& home, int64_t site_id,
                                   const std::vector<std::string>& headers,
                                   const std::string& cookie);

// A site's crawl limits: page and depth caps and trap limits. Unset fields
// keep their value; `reset` returns every one to the defaults (pages 10000,
// depth 20, the rest the crawler's).
struct SiteLimits {
  std::optional<int64_t> max_depth;             // 0..1000
  std::optional<int64_t> max_pages;             // 1..10,000,000 per crawl
  std::optional<int64_t> max_url_length;        // 64..65536 bytes
  std::optional<int64_t> max_query_params;      // 0..100
  std::optional<int64_t> max_path_segments;     // 1..200
  std::optional<int64_t> calendar_window_days;  // 1..36500 days from today
  bool reset = false;
};

// Errors: InvalidArgument naming the flag and its range; NotFound for an
// unknown site. Returns a one-line description of the site's limits now.
Result<std::string> SetSiteLimits(const Home& home, int64_t site_id, const SiteLimits& change);

// Sets how often a site is re-checked (`every`, e.g. from crawler::ParseEvery)
// or, with nullopt, stops re-checking it. Its known pages come due within
// the new schedule, its seed at once if it was never fetched. Errors:
// NotFound for an unknown site. Returns a one-line description.
Result<std::string> SetSiteSchedule(const Home& home, int64_t site_id,
                                    std::optional<std::chrono::seconds> every);

}  // namespace tdm::cli
