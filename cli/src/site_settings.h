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

// Stores a site's session (a request header "Name: value" and/or a cookie)
// for pages behind a login; secrets, never printed or logged. Both empty
// clears it. Errors: InvalidArgument for a header without "Name: value" or
// with a line break; NotFound for an unknown site. Returns what is stored,
// without the values.
Result<std::string> SetSiteSession(const Home& home, int64_t site_id, const std::string& header,
                                   const std::string& cookie);

// Sets how often a site is re-checked (`every`, e.g. from crawler::ParseEvery)
// or, with nullopt, stops re-checking it. Its known pages come due within
// the new schedule, its seed at once if it was never fetched. Errors:
// NotFound for an unknown site. Returns a one-line description.
Result<std::string> SetSiteSchedule(const Home& home, int64_t site_id,
                                    std::optional<std::chrono::seconds> every);

}  // namespace tdm::cli
