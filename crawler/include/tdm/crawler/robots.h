#pragma once

// Robots exclusion (RFC 9309): which paths of one host the crawler may fetch.
//
// The crawler fetches "/robots.txt" once per origin (scheme, host and port),
// hands the HTTP status and body to RobotsCache::Record() (or to
// RobotsTxt::FromFetch()), and asks Allowed() before every page or image it
// fetches from that origin. Everything here is pure: no I/O, and time only
// through the clock the cache is given.
//
// Parsing (RobotsTxt::Parse) follows RFC 9309 section 2 and is lenient, as the
// RFC asks ("MUST try to parse each line"): keys are case-insensitive and a
// few common misspellings are accepted ("useragent", "dissallow" ...); '#'
// starts a comment; lines end at CR, LF or CRLF; a UTF-8 BOM is skipped; a
// line without a colon is read as "key value" when it holds exactly two words;
// any other line that cannot be read is skipped. Only the first
// kMaxRobotsBytes are parsed (RFC 9309 2.5); a line cut by that limit is
// dropped rather than read half, so a cut "allow" cannot widen what is allowed.
//
// Groups: one or more "user-agent" lines followed by rules; an "allow" or
// "disallow" line ends the list of agents, so the next "user-agent" starts a
// new group ("sitemap", "crawl-delay" and unknown records do not, RFC 9309
// 2.2.4). A group applies when a user-agent value's product token (its leading
// run of letters, '-' and '_': "tdm/1.0" -> "tdm") equals the crawler's token
// case-insensitively; all such groups are merged. Only when none applies do
// the "*" groups (merged) apply; when there are none either, everything is
// allowed. A matching group without rules allows everything. Rules before the
// first "user-agent" line belong to no group and are ignored.
//
// Matching (Allowed): rules match the URL's path plus "?query" from its first
// octet; '*' matches any run of octets and a '$' that ends a rule anchors it at
// the end. Both sides are normalised before comparison (RFC 9309 2.2.2, 2.2.3):
// escapes of unreserved characters are decoded ("%7E" -> "~"), other escapes
// get uppercase hex, and non-ASCII, control, space and a few unsafe octets are
// percent-encoded; a literal '*' or '$' in the URL is compared as "%2A" /
// "%24", so a rule can name them in that form. The longest matching rule (in
// octets, as normalised, '*' and '$' included) wins; on a tie "allow" wins; an
// empty "allow" or "disallow" value is no rule at all; "/robots.txt" is always
// allowed. Reserved characters written literally ("?a=b://c") are compared as
// written: the RFC's encoded form of a query value ("%3A%2F%2F") does not
// match its literal spelling.
//
// Thread-safety: a RobotsTxt is an immutable value; share it freely. A
// RobotsCache is not thread-safe: one per crawler thread (hosts are
// partitioned between workers, DESIGN.md).
// Errors: none. Hostile or broken robots.txt bodies and odd HTTP statuses are
// expected input and always yield an answer; a bad RobotsCacheOptions is
// reported by Validate(), and constructing a cache with one is a bug (assert).

#include <chrono>
#include <cstddef>
#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tdm/common/status.h"
#include "tdm/common/url.h"

namespace tdm::crawler {

// Bytes of a robots.txt body that are parsed (RFC 9309 2.5 asks for >= 500 KiB).
// Fetch robots.txt with at least this cap; the rest is ignored.
inline constexpr size_t kMaxRobotsBytes = 500 * 1024;

// Crawl-delay values above this are read as this.
inline constexpr std::chrono::milliseconds kMaxCrawlDelay = std::chrono::hours(24);

// How the outcome of one robots.txt fetch is read (RFC 9309 2.3.1).
enum class RobotsFetchClass {
  kParsed,       // 2xx: the body's rules apply
  kUnavailable,  // 3xx left over after the fetcher's redirects, 4xx but 429: allow all
  kUnreachable,  // 5xx, 429, status 0 (network error) or any other: disallow all
};

// 429 (Too Many Requests) is read as unreachable rather than unavailable,
// as Google does: a host asking us to slow down has not given permission.
RobotsFetchClass ClassifyRobotsFetch(int http_status);

class RobotsTxt {
 public:
  // Parses a robots.txt body for the crawler whose product token is
  // `user_agent_token` (e.g. "tdm"; anything after the token, as in
  // "tdm/1.0", is ignored).
  static RobotsTxt Parse(std::string_view body, std::string_view user_agent_token);

  // The rules that follow from one fetch of /robots.txt (RFC 9309 2.3.1):
  // kParsed -> Parse(body), kUnavailable -> AllowAll(), kUnreachable ->
  // DisallowAll(). Redirects are the fetcher's business: it should follow at
  // least five and pass the final status here.
  static RobotsTxt FromFetch(int http_status, std::string_view body,
                             std::string_view user_agent_token);

  static RobotsTxt AllowAll();
  // Everything but /robots.txt itself is disallowed.
  static RobotsTxt DisallowAll();

  // Whether the crawler may fetch `path_and_query` ("/a/b?c=d"), as sent in
  // the request line. An empty path is read as "/".
  bool Allowed(std::string_view path_and_query) const;
  bool Allowed(const Url& url) const;

  // From the applying group(s): seconds, fractions allowed, rounded to ms;
  // with several values the largest; values that are not a plain
  // non-negative decimal number are ignored. nullopt when none was given.
  std::optional<std::chrono::milliseconds> crawl_delay() const { return crawl_delay_; }

  // Every non-empty "sitemap:" value in file order, whatever its group.
  const std::vector<std::string>& sitemaps() const { return sitemaps_; }

  // Rules of the applying group(s), empty ones left out; for logs.
  size_t rule_count() const { return rules_.size(); }

 private:
  struct Rule {
    std::string pattern;  // normalised
    bool allow = false;
  };

  RobotsTxt() = default;

  // Sorted longest first, allow before disallow on equal length, so the
  // first matching rule is the one RFC 9309 says wins.
  std::vector<Rule> rules_;
  std::optional<std::chrono::milliseconds> crawl_delay_;
  std::vector<std::string> sitemaps_;
};

// The cache's configuration; defaults are the production values.
struct RobotsCacheOptions {
  std::string user_agent_token = "tdm";
  // How long fetched rules (2xx, and allow-all from 3xx/4xx) are used before
  // robots.txt is fetched again. RFC 9309 2.4: not more than 24 h.
  std::chrono::seconds expiry{std::chrono::hours(24)};
  // How long an unreachable robots.txt (5xx, 429, network error) keeps the
  // host disallowed before it is tried again.
  std::chrono::seconds retry_after{std::chrono::minutes(10)};
  // Origins kept at most; the least recently looked-up one is dropped first.
  size_t max_hosts = 100000;

  Status Validate() const;
};

// Remembers the robots rules of each origin, keyed by "scheme://host:port"
// (Key()), and says when robots.txt must be fetched (again).
//
// An unreachable robots.txt disallows the whole host and is retried after
// `retry_after`, however long it has been unreachable. RFC 9309 2.3.1.4 lets a
// crawler treat a robots.txt that has been unreachable for about 30 days as
// unavailable (allow all); tdm does not. A month of errors is no sign that a
// site consents, and some hosts answer 5xx only to crawlers they want to keep
// out; tdm watches hostile sites on behalf of victims, so the cost of staying
// out (less coverage) is one an analyst can lift knowingly with a recorded
// robots override (DESIGN.md, principle 6), while the cost of crawling against
// a site's wishes is not ours to take silently. A cached 2xx copy is not
// reused after it expires either: RFC 9309 allows it, but then the rules in
// force would depend on when the outage began.
//
// The clock must be monotonic; tests pass a fake. Not thread-safe.
class RobotsCache {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;

  explicit RobotsCache(RobotsCacheOptions options, Clock clock = &std::chrono::steady_clock::now);

  // "scheme://host:port" with the effective port, e.g. "https://a.example:443".
  static std::string Key(const Url& url);
  // Where the robots.txt governing `url` lives, e.g. "https://a.example/robots.txt".
  static std::string RobotsUrl(const Url& url);

  // The rules for `key` if they are cached and fresh; nullptr means "fetch
  // robots.txt, then Record() the outcome" (the URL must not be fetched
  // before). A hit makes the origin the most recently used.
  std::shared_ptr<const RobotsTxt> Lookup(std::string_view key);

  // Stores what one fetch of robots.txt for `key` means (see
  // RobotsTxt::FromFetch) and returns it; replaces what was cached. Fresh for
  // `expiry`, or for `retry_after` when the fetch was kUnreachable.
  std::shared_ptr<const RobotsTxt> Record(std::string_view key, int http_status,
                                          std::string_view body);

  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::string key;
    std::shared_ptr<const RobotsTxt> rules;
    std::chrono::steady_clock::time_point expires;
  };
  using EntryList = std::list<Entry>;

  void Erase(EntryList::iterator it);

  const RobotsCacheOptions options_;
  const Clock clock_;
  EntryList entries_;  // most recently used first
  // Keys view the strings inside entries_ (list nodes never move).
  std::unordered_map<std::string_view, EntryList::iterator> index_;
};

}  // namespace tdm::crawler
