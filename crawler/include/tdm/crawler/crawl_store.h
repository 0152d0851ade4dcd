#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tdm/common/messages.h"
#include "tdm/common/status.h"
#include "tdm/crawler/recrawl.h"

namespace tdm::crawler {

// What the crawler needs to know about a watched site.
struct SiteSettings {
  int64_t site_id = 0;
  std::string seed_url;
  bool allow_private = false;
  int max_pages = 10000;
  int max_depth = 20;
  // Per-site politeness overrides (recorded with a reason); unset: the
  // crawler's defaults.
  std::optional<int> crawl_delay_ms;
  std::optional<int> max_concurrency;
  // robots.txt is honoured unless an override (recorded with its reason)
  // says otherwise.
  bool obey_robots = true;
  // Per-site trap limits (ScopeRules fields of the same meaning); unset:
  // the crawler's.
  std::optional<int> max_url_length;
  std::optional<int> max_query_params;
  std::optional<int> max_path_segments;
  std::optional<int> calendar_window_days;
  // Per-site scope patterns (ScopeRules::include / exclude); empty: none.
  std::vector<std::string> include_patterns;
  std::vector<std::string> exclude_patterns;
  // The site's session (site_secrets): never logged.
  std::vector<std::string> session_headers;
  std::string session_cookie;
  // The site's recrawl schedule; unset: none (pages still keep their history
  // against kUnscheduledEvery).
  std::optional<std::chrono::seconds> recrawl_every;
};

// What is known of a page from earlier fetches (site_pages).
struct PageHistory {
  std::string etag;           // "" when the server sent none
  std::string last_modified;  // "" when the server sent none
  std::optional<int64_t> content_digest;
  std::chrono::seconds interval{0};
};

// A page the crawler may fetch now: it was queued (or left mid-fetch by a
// crashed worker) and is now marked as being fetched.
struct PageClaim {
  SiteSettings site;
  int depth = 0;
  int attempts = 1;  // this one included
  PageKind kind = PageKind::kPage;
  // A scheduled recrawl (not a full crawl): the page is fetched conditionally
  // with its history's validators, and only links and images not known
  // before for the site are followed.
  bool recrawl = false;
  std::optional<PageHistory> history;  // unset: never fetched for this site
};

struct FoundImage {
  std::string url;
  std::string how;
};

// The outcome of one fetched page and everything found on it.
struct PageOutcome {
  std::string url;
  bool ok = false;  // false: the page failed (error says why)
  int http_status = 0;
  std::string content_type;
  int64_t bytes = 0;
  std::string error;
  // Set when the page is to be fetched again later (429, 5xx, a network
  // failure) rather than failed: it stays queued this long.
  std::optional<std::chrono::seconds> retry_after;
  // Not fetched because its host's budget was spent for this batch (see
  // FetchResponse::deferred): queued again for retry_after, and this claim's
  // attempt is given back.
  bool deferred = false;
  std::vector<std::string> new_pages;    // in scope, depth + 1, not yet filtered for duplicates
  std::vector<std::string> index_pages;  // those of new_pages reached by pagination
  std::vector<std::string> image_pages;  // those of new_pages a thumbnail links to, out of scope
  std::vector<FoundImage> images;
  // For the page's history (site_pages), set when the page was fetched:
  // 304 Not Modified (ok, no links), the response's validators, the digest of
  // what was found (the previous one after a 304), whether that changed and
  // the interval until the next visit.
  bool not_modified = false;
  std::string etag;
  std::string last_modified;
  std::optional<int64_t> content_digest;
  bool changed = false;
  std::optional<std::chrono::seconds> revisit_after;
};

// One claimed page and what became of it, for CrawlStore::Record.
struct PageResult {
  const FrontierItem* item = nullptr;
  const PageClaim* claim = nullptr;
  const PageOutcome* outcome = nullptr;
};

// What Record() newly added to the crawl: exactly the work to publish.
struct RecordedLinks {
  std::vector<FrontierItem> pages;
  std::vector<ImageItem> images;
};

// The crawler's view of PostgreSQL: crawl_urls and image_refs. Every method is
// idempotent, so redelivered frontier messages are harmless. Errors:
// Unavailable when the database is away (the caller retries the batch).
class CrawlStore {
 public:
  virtual ~CrawlStore() = default;
  // One entry per item, in order: nullopt when the page was already fetched
  // in this crawl, is unknown, or is a duplicate of an earlier item of the
  // batch.
  virtual Result<std::vector<std::optional<PageClaim>>> Claim(
      const std::vector<FrontierItem>& items) = 0;
  // Records every page's outcome and history and adds what it found, in one
  // transaction: the new pages within each crawl's page budget and depth cap
  // (in a recrawl only pages the site never had), the new image refs (in a
  // recrawl not those already sighted on that page).
  virtual Result<RecordedLinks> Record(const std::vector<PageResult>& pages) = 0;
  // Pages and image refs still queued after `older_than` (their message was
  // lost, or a worker died): returned for publishing again. After
  // `max_attempts` they are marked failed instead.
  virtual Result<RecordedLinks> Requeue(std::chrono::seconds older_than, int max_attempts) = 0;
  // Seconds the oldest queued page has waited; 0 when none is queued.
  virtual Result<double> FrontierLag() = 0;
};

std::unique_ptr<CrawlStore> MakePgCrawlStore(const std::string& dsn);

}  // namespace tdm::crawler
