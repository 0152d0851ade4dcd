#pragma once

// Per-site scope rules: what an analyst narrows a watched site's crawl to, and
// the defences against crawl traps that forums are full of (endless calendars,
// session ids, tracking parameters, paths that repeat themselves).
//
// Two steps, both pure (no I/O, no clock) so that every decision is testable:
//   1. Canonicalize() removes tracking and session parameters, so that one
//      page reached through many links is one frontier entry;
//   2. Check() decides whether a canonical URL is crawled, and if not, why.
//      Each answer is a ScopeVerdict whose name is a stable metric label.
//
// Thread-safety: ScopeRules is a plain value; the functions keep no state and
// are safe to call from any thread.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "tdm/common/status.h"
#include "tdm/common/url.h"
#include "tdm/crawler/scope.h"

namespace tdm::crawler {

// One site's rules. The defaults suit a typical forum; Validate() once when
// the watchlist is loaded, before any crawling.
struct ScopeRules {
  // Path-and-query patterns, written like robots.txt rules: matched against
  // the canonical path plus "?query" when there is one, from its start; '*'
  // stands for any run of characters and a final '$' anchors the end. A
  // pattern starts with '/' or '*' and is written in Url's normal form
  // (uppercase "%2F"). Example: "/forum/*/attachments/", "*.php$".
  // When `include` is not empty a URL must match one of its patterns.
  std::vector<std::string> include;
  // A URL matching any of these is never crawled; it wins over `include`.
  std::vector<std::string> exclude;

  int max_depth = 20;            // links followed from the seed; the seed is depth 0
  int64_t max_pages = 10000;     // pages per crawl of the site (the caller counts)
  int max_url_length = 2048;     // bytes of the canonical Spec()
  int max_query_params = 8;      // non-empty '&'-separated query parts
  int max_path_segments = 20;    // non-empty '/'-separated path segments
  int max_repeated_segment = 3;  // times one segment may appear in a path
  // A date in the path or query further than this from the caller's reference
  // date marks a calendar that pages on for ever (see Check()).
  int max_calendar_distance_days = 366;

  // Query and path parameters removed by Canonicalize(). Names compare
  // case-insensitively; a trailing '*' matches any name with that prefix.
  std::vector<std::string> strip_params = {
      // Tracking.
      "utm_*", "fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "igshid", "yclid", "_ga",
      "ref_src",
      // Session ids.
      "PHPSESSID", "jsessionid", "sid", "sessionid"};
  // Exceptions to strip_params, same syntax: a site whose "sid" names a
  // sub-forum lists "sid" here to keep it.
  std::vector<std::string> keep_params;

  // Ok, or InvalidArgument with one line naming the field, e.g.
  // "scope rules: max_depth must be >= 0 (got -1)".
  Status Validate() const;
};

// Returns `url` without the parameters `rules` strip: query parts
// ("name=value" or a bare "name") and path parameters (";jsessionid=..." in a
// segment). The other query parts keep their order and exact spelling; empty
// parts ("a=1&&b=2") go, and a query with no part left loses its '?'. The
// result is parsed again, so Url's normal form holds ("/x/..;jsessionid=1/y"
// becomes "/y", which is why Scope is checked on the canonical URL).
// Canonicalize(Canonicalize(u)) == Canonicalize(u). Fails (InvalidArgument)
// only when the result is longer than Url::kMaxLength, which happens when
// Url's percent-encoding grew an input that was already near that limit.
Result<Url> Canonicalize(const Url& url, const ScopeRules& rules);

// Why a URL is or is not crawled. The names (ScopeVerdictName) label the
// crawler's metrics: never rename one.
enum class ScopeVerdict {
  kIn,             // "in": crawl it
  kOutOfScope,     // "out_of_scope": outside Scope, or matches no `include` pattern
  kExcluded,       // "excluded": matches an `exclude` pattern
  kTooDeep,        // "too_deep": depth beyond max_depth
  kTooLong,        // "too_long": Spec() longer than max_url_length
  kTooManyParams,  // "too_many_params": more than max_query_params query parts
  kTrap,           // "trap": too many path segments, a repeated segment, or a far date
  kPageBudget,     // "page_budget": admissible, but the site's max_pages are spent
};

const char* ScopeVerdictName(ScopeVerdict verdict);

// True while a crawl that has fetched `pages_so_far` pages may fetch another.
bool PageBudgetLeft(const ScopeRules& rules, int64_t pages_so_far);

// Decides one canonical URL (the result of Canonicalize(); otherwise tracking
// parameters count against the limits) found `depth` links from the seed,
// while the crawl has fetched `pages_so_far` pages. `today` is the reference
// for calendar traps; the caller passes the crawl's date, tests a fixed one.
//
// The first rule that refuses decides, in this order: Scope::Contains, the
// include patterns (both kOutOfScope), the exclude patterns, depth, length,
// query parameters, traps, and last the page budget, so that kPageBudget
// counts only pages that would otherwise have been crawled.
//
// Traps, checked on the canonical path and query:
//   - more than max_path_segments segments, or one segment more than
//     max_repeated_segment times ("/a/b/a/b/a/b/a/b");
//   - a date further than max_calendar_distance_days from `today`:
//     "YYYY-MM-DD", "YYYY/MM/DD", "YYYYMMDD" (eight digits alone), "YYYY-MM"
//     (distance to the nearest day of that month), or query parameters
//     "year=YYYY&month=M[&day=D]". Digits must stand alone ("2026-123" is no
//     date) and the date must exist; years 1900..2199 only. An eight-digit
//     id that reads as a date is a known false positive: a site with such
//     ids raises max_calendar_distance_days.
ScopeVerdict Check(const Scope& scope, const ScopeRules& rules, const Url& canonical, int depth,
                   int64_t pages_so_far, std::chrono::sys_days today);

}  // namespace tdm::crawler
