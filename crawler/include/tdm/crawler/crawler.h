#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "tdm/common/fetcher.h"
#include "tdm/common/kafka.h"
#include "tdm/common/metrics.h"
#include "tdm/common/status.h"
#include "tdm/common/url.h"
#include "tdm/crawler/crawl_store.h"
#include "tdm/crawler/robots.h"
#include "tdm/crawler/scope.h"
#include "tdm/crawler/scope_rules.h"

namespace tdm::crawler {

// The crawler service's configuration; defaults are the production values.
struct CrawlerConfig {
  std::string kafka_bootstrap;
  std::string pg_dsn;
  std::string group_id = "tdm-crawler";
  size_t batch_size = 32;            // frontier messages fetched concurrently
  int64_t max_page_bytes = 5 << 20;  // larger pages are recorded as failed
  size_t max_links_per_page = 5000;
  size_t max_remembered_links = 200000;  // see Crawler::recorded_links_ (~20 MB)
  FetcherOptions fetch;
  // Politeness per host (a site may override both, with a reason): at least
  // this long between the starts of two requests to a host, and at most this
  // many at a time. The frontier is partitioned by host, so one crawler
  // process holds a host's whole budget.
  std::chrono::milliseconds host_delay{1000};
  int host_concurrency = 2;
  // robots.txt: fetched once per scheme://host:port and cached (24 h; 10 min
  // after a 5xx or an unreachable server, which means disallow all). Its
  // Crawl-delay lengthens host_delay, up to max_robots_delay.
  RobotsCacheOptions robots;
  // Link canonicalisation (tracking and session parameters) and trap limits
  // applied to every link found; the site's scope, page and depth caps apply
  // too.
  ScopeRules scope_rules;
  std::chrono::milliseconds max_robots_delay{60000};
  std::chrono::seconds requeue_after{60};  // queued work older than this is republished
  // How often the recrawl scheduler looks for due pages (one crawler process
  // acts: see scheduler.h), and at most how many it queues per round.
  std::chrono::milliseconds schedule_every{5000};
  size_t max_recrawl_pages_per_round = 10000;
  int max_attempts = 3;
  std::filesystem::path metrics_file;      // empty: not written
  std::string metrics_address;             // GET /metrics here ("127.0.0.1:0"); empty: off
  std::filesystem::path metrics_url_file;  // where the served URL is written

  Status Validate() const;
};

// Counts what the crawler does; owns its metric families.
class CrawlerMetrics {
 public:
  explicit CrawlerMetrics(MetricsRegistry& registry);
  // A response arrived: counted by status class ("2xx" ... "5xx"), its bytes
  // and its latency.
  void PageFetched(int http_status, int64_t bytes, double seconds);
  void PageFailed(
      const std::string& reason);  // "http", "network", "too_large", "refused", "not_html"
  void LinksFound(size_t pages, size_t images);
  void BadMessage();
  void RobotsDenied();
  void UnknownCharset();
  void SitemapPages(size_t pages);
  // A link not followed, by why ("excluded", "trap", ... ScopeVerdictName).
  void LinkRefused(ScopeVerdict verdict);
  void RobotsFetched(int http_status);
  // How long the oldest queued page has waited (0: none waiting).
  void FrontierLag(double seconds);
  // A revisited page answered 304 Not Modified / showed other links or images.
  void NotModified();
  void PageChanged();
  // The recrawl scheduler: whether this process is the active one, and the
  // due pages it queued.
  void SchedulerActive(bool active);
  void RecrawlQueued(size_t pages);

 private:
  MetricsRegistry& registry_;
  Counter pages_ok_, bytes_, pages_found_, images_found_, bad_messages_, robots_denied_,
      not_modified_, changed_;
  Histogram fetch_seconds_;
  Gauge frontier_lag_, scheduler_active_;
};

// Consumes tdm.frontier: fetches each page (concurrently, per batch), extracts
// links and images, keeps to the site's scope, records the outcome in
// PostgreSQL and publishes what is new to tdm.frontier and tdm.images.
// Borrowed dependencies must outlive it. Not thread-safe: one per thread.
class Crawler {
 public:
  Crawler(const CrawlerConfig& config, CrawlStore& store, Fetcher& fetcher, Producer& producer,
          CrawlerMetrics& metrics);

  // Handles one batch of frontier messages. Ok once every effect is durable
  // and published; Unavailable when the database or broker is away.
  Status HandleBatch(const std::vector<Message>& batch);
  // Republishes stale queued work (see CrawlStore::Requeue).
  Status Reconcile();

 private:
  // A batch's claimed pages and, index for index, what became of them.
  struct ClaimedBatch {
    std::vector<FrontierItem> items;
    std::vector<PageClaim> claims;
    std::vector<std::optional<PageOutcome>> outcomes;  // set before Record
    std::vector<std::shared_ptr<const RobotsTxt>> robots;
    std::vector<size_t> response_of;  // index into the responses; SIZE_MAX: not fetched
  };
  // The requests for the batch's pages that robots.txt allows (the others get
  // their outcome here).
  std::vector<FetchRequest> PlanFetches(ClaimedBatch& b);
  // Processes the responses and records the outcomes (see the .cc: in chunks,
  // recording overlapping processing), publishes what was new and flushes.
  Status ProcessAndRecord(ClaimedBatch& b, const std::vector<FetchResponse>& responses);
  PageOutcome Process(const FrontierItem& item, const PageClaim& claim, const FetchResponse& r);
  // Extracts the in-scope links and the images of a fetched HTML page.
  void FindLinks(const FrontierItem& item, const PageClaim& claim, const FetchResponse& r,
                 const Scope& scope, const Url& base, PageOutcome* o);
  // Sets what the page's history keeps of this visit (validators, digest,
  // changed, the interval until the next visit); a page that never worked
  // is not remembered.
  void NoteVisit(const PageClaim& claim, const FetchResponse& r, PageOutcome* o) const;
  Status Publish(const RecordedLinks& links);
  // Drops from o->new_pages the links recorded_links_ holds for the crawl.
  void ForgetKnownLinks(int64_t crawl_id, PageOutcome* o) const;
  // Adds the links of pages whose Record is durable to recorded_links_.
  void RememberLinks(const std::vector<PageResult>& pages);
  // The crawler-wide scope rules with the site's own patterns and limits.
  ScopeRules RulesFor(const SiteSettings& site) const;
  // The politeness budget of a page's host: the site's override, else the
  // default lengthened by the host's robots.txt Crawl-delay.
  HostGate::Policy PolitenessFor(const SiteSettings& site, const RobotsTxt* robots) const;
  // Adds to a crawl seed's outcome the in-scope pages listed by the sitemaps
  // its host's robots.txt names (and one level of sitemap indexes).
  void AddSitemapPages(const FrontierItem& seed, const PageClaim& claim, const RobotsTxt& robots,
                       PageOutcome* outcome);
  // Fetches (within each host's budget) the robots.txt of every host of
  // `claims` that must obey it and is not cached.
  void FetchMissingRobots(const std::vector<FrontierItem>& items,
                          const std::vector<PageClaim>& claims);

  // Links this process has recorded for a crawl (crawl id, '\n', URL): they
  // are in the crawl's frontier already (or past its page budget), so pages
  // linking to them again need not send them to PostgreSQL. Most of a
  // forum's links point to pages already known. Cleared when it reaches
  // config_.max_remembered_links; main thread only.
  std::unordered_set<std::string> recorded_links_;
  const CrawlerConfig& config_;
  CrawlStore& store_;
  Fetcher& fetcher_;
  Producer& producer_;
  CrawlerMetrics& metrics_;
  RobotsCache robots_;
};

// Runs the crawler service until SIGTERM/SIGINT.
int RunCrawlerService(const CrawlerConfig& config);

}  // namespace tdm::crawler
