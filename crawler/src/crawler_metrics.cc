// CrawlerMetrics: the crawler's probe; it owns its metric families.
#include <string>

#include "tdm/crawler/crawler.h"

namespace tdm::crawler {

CrawlerMetrics::CrawlerMetrics(MetricsRegistry& registry)
    : registry_(registry),
      pages_ok_(registry.GetCounter("tdm_crawler_pages_fetched_total", "Pages fetched")),
      bytes_(registry.GetCounter("tdm_crawler_page_bytes_total", "Page bytes fetched")),
      pages_found_(
          registry.GetCounter("tdm_crawler_links_total", "Links found", {{"kind", "page"}})),
      images_found_(
          registry.GetCounter("tdm_crawler_links_total", "Links found", {{"kind", "image"}})),
      bad_messages_(registry.GetCounter("tdm_crawler_bad_messages_total", "Malformed messages")),
      robots_denied_(registry.GetCounter("tdm_crawler_robots_denied_total",
                                         "Pages not fetched because robots.txt disallows them")),
      not_modified_(registry.GetCounter("tdm_crawler_not_modified_total",
                                        "Revisited pages that answered 304 Not Modified")),
      changed_(registry.GetCounter("tdm_crawler_pages_changed_total",
                                   "Revisited pages whose links or images changed")),
      fetch_seconds_(registry.GetHistogram("tdm_crawler_fetch_seconds",
                                           "Page fetch latency, request start to last byte",
                                           {0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30})),
      frontier_lag_(registry.GetGauge("tdm_crawler_frontier_lag_seconds",
                                      "Age of the oldest page still queued")),
      scheduler_active_(registry.GetGauge(
          "tdm_crawler_scheduler_active",
          "1 while this process is the active recrawl scheduler (holds its lock)")) {}

void CrawlerMetrics::PageFetched(int http_status, int64_t bytes, double seconds) {
  pages_ok_.Increment();
  bytes_.Increment(static_cast<double>(bytes));
  fetch_seconds_.Observe(seconds);
  const std::string status_class =
      http_status >= 100 && http_status < 600 ? std::to_string(http_status / 100) + "xx" : "other";
  registry_
      .GetCounter("tdm_crawler_responses_total", "Responses by HTTP status class",
                  {{"class", status_class}})
      .Increment();
}

void CrawlerMetrics::FrontierLag(double seconds) { frontier_lag_.Set(seconds); }

void CrawlerMetrics::RobotsDenied() { robots_denied_.Increment(); }

void CrawlerMetrics::SitemapPages(size_t pages) {
  registry_.GetCounter("tdm_crawler_links_total", "Links found", {{"kind", "sitemap"}})
      .Increment(static_cast<double>(pages));
}

void CrawlerMetrics::UnknownCharset() {
  registry_.GetCounter("tdm_crawler_unknown_charset_total", "Pages in a charset tdm cannot convert")
      .Increment();
}

void CrawlerMetrics::LinkRefused(ScopeVerdict verdict) {
  registry_
      .GetCounter("tdm_crawler_links_refused_total", "Links not followed, by reason",
                  {{"reason", ScopeVerdictName(verdict)}})
      .Increment();
}

void CrawlerMetrics::RobotsFetched(int http_status) {
  const RobotsFetchClass c = ClassifyRobotsFetch(http_status);
  const char* outcome = c == RobotsFetchClass::kParsed        ? "parsed"
                        : c == RobotsFetchClass::kUnavailable ? "allow_all"
                                                              : "disallow_all";
  registry_
      .GetCounter("tdm_crawler_robots_fetches_total", "robots.txt fetches by what they meant",
                  {{"outcome", outcome}})
      .Increment();
}

void CrawlerMetrics::PageFailed(const std::string& reason) {
  registry_.GetCounter("tdm_crawler_page_failures_total", "Pages that failed", {{"reason", reason}})
      .Increment();
}

void CrawlerMetrics::LinksFound(size_t pages, size_t images) {
  pages_found_.Increment(static_cast<double>(pages));
  images_found_.Increment(static_cast<double>(images));
}

void CrawlerMetrics::BadMessage() { bad_messages_.Increment(); }

void CrawlerMetrics::NotModified() { not_modified_.Increment(); }

void CrawlerMetrics::PageChanged() { changed_.Increment(); }

void CrawlerMetrics::SchedulerActive(bool active) { scheduler_active_.Set(active ? 1 : 0); }

void CrawlerMetrics::RecrawlQueued(size_t pages) {
  registry_.GetCounter("tdm_crawler_recrawl_queued_total", "Due pages the scheduler queued again")
      .Increment(static_cast<double>(pages));
}

}  // namespace tdm::crawler
