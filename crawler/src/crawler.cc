#include "tdm/crawler/crawler.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <climits>
#include <future>
#include <set>

#include "sitemap.h"
#include "tdm/common/service_loop.h"
#include "tdm/common/url.h"
#include "tdm/crawler/recrawl.h"
#include "tdm/crawler/scheduler.h"
#include "tdm/crawler/scope.h"

namespace tdm::crawler {
namespace {

// The host of the site's seed: with allow_private, the only private target.
std::string SiteHost(const SiteSettings& site) {
  auto seed = Url::Parse(site.seed_url);
  return seed.ok() ? seed->host() : "invalid-seed.invalid";
}

}  // namespace

Status CrawlerConfig::Validate() const {
  if (kafka_bootstrap.empty()) return Status::InvalidArgument("crawler: no kafka bootstrap");
  if (pg_dsn.empty()) return Status::InvalidArgument("crawler: no postgres dsn");
  if (batch_size == 0 || batch_size > 1000) {
    return Status::InvalidArgument("crawler: batch_size must be 1..1000");
  }
  if (max_page_bytes < 1024) return Status::InvalidArgument("crawler: max_page_bytes < 1 KiB");
  if (fetch.max_redirects < 0) return Status::InvalidArgument("crawler: max_redirects < 0");
  if (host_delay.count() < 0) return Status::InvalidArgument("crawler: host_delay < 0");
  if (host_concurrency < 1) return Status::InvalidArgument("crawler: host_concurrency < 1");
  if (schedule_every.count() < 100)
    return Status::InvalidArgument("crawler: schedule_every < 100 ms");
  if (Status s = robots.Validate(); !s.ok()) return s;
  if (Status s = scope_rules.Validate(); !s.ok()) return s;
  return Status::Ok();
}

Crawler::Crawler(const CrawlerConfig& config, CrawlStore& store, Fetcher& fetcher,
                 Producer& producer, CrawlerMetrics& metrics)
    : config_(config),
      store_(store),
      fetcher_(fetcher),
      producer_(producer),
      metrics_(metrics),
      robots_(config.robots) {}

ScopeRules Crawler::RulesFor(const SiteSettings& site) const {
  ScopeRules rules = config_.scope_rules;
  rules.include.insert(rules.include.end(), site.include_patterns.begin(),
                       site.include_patterns.end());
  rules.exclude.insert(rules.exclude.end(), site.exclude_patterns.begin(),
                       site.exclude_patterns.end());
  rules.max_url_length = site.max_url_length.value_or(rules.max_url_length);
  rules.max_query_params = site.max_query_params.value_or(rules.max_query_params);
  rules.max_path_segments = site.max_path_segments.value_or(rules.max_path_segments);
  rules.max_calendar_distance_days =
      site.calendar_window_days.value_or(rules.max_calendar_distance_days);
  return rules;
}

HostGate::Policy Crawler::PolitenessFor(const SiteSettings& site, const RobotsTxt* robots) const {
  HostGate::Policy p;
  p.max_concurrency = site.max_concurrency.value_or(config_.host_concurrency);
  if (site.crawl_delay_ms) {  // the site's recorded override wins
    p.min_interval = std::chrono::milliseconds(*site.crawl_delay_ms);
    return p;
  }
  p.min_interval = config_.host_delay;
  if (robots != nullptr && robots->crawl_delay()) {
    p.min_interval =
        std::max(p.min_interval, std::min(*robots->crawl_delay(), config_.max_robots_delay));
  }
  return p;
}

void Crawler::AddSitemapPages(const FrontierItem& seed, const PageClaim& claim,
                              const RobotsTxt& robots, PageOutcome* outcome) {
  auto seed_url = Url::Parse(claim.site.seed_url);
  auto page_url = Url::Parse(seed.url);
  if (!seed_url.ok() || !page_url.ok()) return;
  const Scope scope = Scope::FromSeed(*seed_url);
  const auto today = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
  const ScopeRules rules = RulesFor(claim.site);
  std::vector<std::string> queue;  // sitemap URLs on the seed's own host
  for (const std::string& s : robots.sitemaps()) {
    auto u = Url::Parse(s);
    if (u.ok() && u->HostPort() == page_url->HostPort()) queue.push_back(u->Spec());
  }
  size_t added = 0;
  // Sitemaps, then one level of the sitemaps an index names; at most 20 files.
  for (int level = 0, files = 0; level < 2 && !queue.empty() && files < 20; ++level) {
    std::vector<FetchRequest> requests;
    for (const std::string& url : queue) {
      if (files++ >= 20) break;
      FetchRequest req;
      req.url = url;
      req.max_bytes = kMaxSitemapBytes;
      req.allow_private = claim.site.allow_private;
      req.private_host = SiteHost(claim.site);
      req.host_key = page_url->HostPort();
      req.politeness = PolitenessFor(claim.site, &robots);
      requests.push_back(std::move(req));
    }
    queue.clear();
    for (const FetchResponse& r : fetcher_.FetchAll(requests)) {
      if (!r.status.ok() || r.http_status != 200) {
        spdlog::info("sitemap {}: {}", r.url,
                     r.status.ok() ? "HTTP " + std::to_string(r.http_status) : r.status.ToString());
        continue;
      }
      const Sitemap map = ParseSitemap(r.body);
      for (const std::string& s : map.sitemaps) {
        auto u = Url::Parse(s);
        if (u.ok() && u->HostPort() == page_url->HostPort()) queue.push_back(u->Spec());
      }
      for (const std::string& loc : map.pages) {
        auto u = Url::Parse(loc);
        if (!u.ok()) continue;
        auto canonical = Canonicalize(*u, rules);
        if (!canonical.ok()) continue;
        if (Check(scope, rules, *canonical, 0, 0, today) != ScopeVerdict::kIn) continue;
        outcome->new_pages.push_back(canonical->Spec());
        ++added;
      }
    }
  }
  metrics_.SitemapPages(added);
  if (added > 0) spdlog::info("sitemaps of {}: {} page(s) in scope", page_url->HostPort(), added);
}

void Crawler::FetchMissingRobots(const std::vector<FrontierItem>& items,
                                 const std::vector<PageClaim>& claims) {
  std::vector<std::string> keys;
  std::vector<FetchRequest> requests;
  for (size_t i = 0; i < items.size(); ++i) {
    if (!claims[i].site.obey_robots) continue;
    auto url = Url::Parse(items[i].url);
    if (!url.ok()) continue;
    const std::string key = RobotsCache::Key(*url);
    if (robots_.Lookup(key) || std::find(keys.begin(), keys.end(), key) != keys.end()) continue;
    FetchRequest req;
    req.url = RobotsCache::RobotsUrl(*url);
    req.max_bytes = 8 << 20;  // only the first 500 KiB are read (RFC 9309)
    req.allow_private = claims[i].site.allow_private;
    req.private_host = SiteHost(claims[i].site);
    req.host_key = url->HostPort();
    req.politeness = PolitenessFor(claims[i].site, nullptr);
    keys.push_back(key);
    requests.push_back(std::move(req));
  }
  if (requests.empty()) return;
  std::vector<FetchResponse> responses = fetcher_.FetchAll(requests);
  for (size_t i = 0; i < keys.size(); ++i) {
    const FetchResponse& r = responses[i];
    const int status = r.status.ok() ? r.http_status : 0;  // no response: unreachable
    metrics_.RobotsFetched(status);
    robots_.Record(keys[i], status, r.body);
    spdlog::info("robots.txt {}: {}", requests[i].url,
                 status == 0 ? r.status.ToString() : "HTTP " + std::to_string(status));
  }
}

Status Crawler::HandleBatch(const std::vector<Message>& batch) {
  std::vector<FrontierItem> decoded;
  for (const Message& m : batch) {
    auto item = FrontierItem::Decode(m.value);
    if (!item.ok()) {
      metrics_.BadMessage();
      spdlog::warn("frontier {}/{}@{}: {}", m.topic, m.partition, m.offset,
                   item.status().ToString());
      continue;
    }
    decoded.push_back(std::move(*item));
  }
  if (decoded.empty()) return Status::Ok();
  auto claimed = store_.Claim(decoded);
  if (!claimed.ok()) return claimed.status();
  std::vector<FrontierItem> items;
  std::vector<PageClaim> claims;
  for (size_t i = 0; i < decoded.size(); ++i) {
    if (!(*claimed)[i]) continue;  // already fetched in this crawl
    items.push_back(std::move(decoded[i]));
    claims.push_back(std::move(*(*claimed)[i]));
    if (claims.back().depth == 0) claims.back().kind = PageKind::kIndex;  // a crawl's seed
  }
  if (items.empty()) return Status::Ok();
  FetchMissingRobots(items, claims);
  ClaimedBatch claimed_batch;
  claimed_batch.items = std::move(items);
  claimed_batch.claims = std::move(claims);
  std::vector<FetchRequest> requests = PlanFetches(claimed_batch);
  return ProcessAndRecord(claimed_batch, fetcher_.FetchAll(requests));
}

std::vector<FetchRequest> Crawler::PlanFetches(ClaimedBatch& b) {
  const size_t n = b.items.size();
  b.outcomes.assign(n, std::nullopt);
  b.robots.assign(n, nullptr);
  b.response_of.assign(n, SIZE_MAX);
  std::vector<FetchRequest> requests;
  for (size_t i = 0; i < n; ++i) {
    const SiteSettings& site = b.claims[i].site;
    auto url = Url::Parse(b.items[i].url);
    if (site.obey_robots && url.ok()) {
      b.robots[i] = robots_.Lookup(RobotsCache::Key(*url));
      if (b.robots[i] == nullptr || !b.robots[i]->Allowed(*url)) {
        // Recorded as failed without a request.
        PageOutcome o;
        o.url = b.items[i].url;
        o.error =
            "disallowed by robots.txt (an unreachable or failing robots.txt disallows all "
            "for a while)";
        metrics_.RobotsDenied();
        metrics_.PageFailed("robots");
        spdlog::info("page {}: {}", b.items[i].url, o.error);
        b.outcomes[i] = std::move(o);
        continue;
      }
    }
    FetchRequest req;
    req.url = b.items[i].url;
    req.max_bytes = config_.max_page_bytes;
    req.allow_private = site.allow_private;
    req.private_host = SiteHost(site);
    req.headers = site.session_headers;
    req.cookie = site.session_cookie;
    req.host_key = HostKeyOf(b.items[i].url);
    req.politeness = PolitenessFor(site, b.robots[i].get());
    if (b.claims[i].recrawl && b.claims[i].history) {  // unchanged pages cost a 304
      req.if_none_match = b.claims[i].history->etag;
      req.if_modified_since = b.claims[i].history->last_modified;
    }
    b.response_of[i] = requests.size();
    requests.push_back(std::move(req));
  }
  return requests;
}

Status Crawler::ProcessAndRecord(ClaimedBatch& b, const std::vector<FetchResponse>& responses) {
  // Pages are processed in chunks, and each chunk is recorded on another
  // thread while the next is processed: PostgreSQL's work (on its own core)
  // overlaps the parsing. One Record at a time, so the store is used by one
  // thread at a time; every chunk is durable before the batch returns.
  const size_t n = b.items.size();
  const size_t chunk = std::max<size_t>(16, (n + 3) / 4);
  std::future<Result<RecordedLinks>> recording;
  std::vector<PageResult> in_flight;
  auto collect = [&]() -> Status {
    if (!recording.valid()) return Status::Ok();
    auto recorded = recording.get();
    if (!recorded.ok()) return recorded.status();
    RememberLinks(in_flight);  // durable now
    return Publish(*recorded);
  };
  for (size_t begin = 0; begin < n; begin += chunk) {
    const size_t end = std::min(n, begin + chunk);
    std::vector<PageResult> part;
    for (size_t i = begin; i < end; ++i) {
      if (b.response_of[i] != SIZE_MAX) {
        b.outcomes[i] = Process(b.items[i], b.claims[i], responses[b.response_of[i]]);
      }
      // A crawl's seed also brings the pages its host's sitemaps list.
      if (b.claims[i].depth == 0 && b.outcomes[i]->ok && b.robots[i] &&
          !b.robots[i]->sitemaps().empty()) {
        AddSitemapPages(b.items[i], b.claims[i], *b.robots[i], &*b.outcomes[i]);
      }
      ForgetKnownLinks(b.items[i].crawl_id, &*b.outcomes[i]);
      part.push_back({&b.items[i], &b.claims[i], &*b.outcomes[i]});
    }
    if (Status s = collect(); !s.ok()) return s;
    in_flight = part;
    recording = std::async(std::launch::async,
                           [this, part = std::move(part)] { return store_.Record(part); });
  }
  if (Status s = collect(); !s.ok()) return s;
  return producer_.Flush(std::chrono::seconds(30));
}

namespace {
std::string LinkKey(int64_t crawl_id, const std::string& url) {
  return std::to_string(crawl_id) + '\n' + url;
}
}  // namespace

void Crawler::ForgetKnownLinks(int64_t crawl_id, PageOutcome* o) const {
  std::erase_if(o->new_pages, [&](const std::string& url) {
    return recorded_links_.count(LinkKey(crawl_id, url)) > 0;
  });
}

void Crawler::RememberLinks(const std::vector<PageResult>& pages) {
  for (const PageResult& p : pages) {
    // Links of a page at the depth cap were not added: a shallower page may
    // still bring them.
    if (p.claim->depth >= p.claim->site.max_depth) continue;
    for (const std::string& url : p.outcome->new_pages) {
      if (recorded_links_.size() >= config_.max_remembered_links) recorded_links_.clear();
      recorded_links_.insert(LinkKey(p.item->crawl_id, url));
    }
  }
}

Status Crawler::Publish(const RecordedLinks& links) {
  for (const FrontierItem& page : links.pages) {
    Status s = producer_.Publish(kFrontierTopic, HostKeyOf(page.url), page.Encode());
    if (!s.ok()) return s;
  }
  for (const ImageItem& image : links.images) {
    Status s = producer_.Publish(kImagesTopic, HostKeyOf(image.image_url), image.Encode());
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

Status Crawler::Reconcile() {
  auto lag = store_.FrontierLag();
  if (!lag.ok()) return lag.status();
  metrics_.FrontierLag(*lag);
  auto stale = store_.Requeue(config_.requeue_after, config_.max_attempts);
  if (!stale.ok()) return stale.status();
  if (stale->pages.empty() && stale->images.empty()) return Status::Ok();
  spdlog::info("republishing {} stale page(s) and {} image ref(s)", stale->pages.size(),
               stale->images.size());
  Status s = Publish(*stale);
  if (!s.ok()) return s;
  return producer_.Flush(std::chrono::seconds(30));
}

int RunCrawlerService(const CrawlerConfig& config) {
  if (Status s = config.Validate(); !s.ok()) return ExitWith(s, 2);
  auto producer = MakeKafkaProducer({config.kafka_bootstrap, "tdm-crawler"},
                                    {std::string(kFrontierTopic), std::string(kImagesTopic)});
  if (!producer.ok()) return ExitWith(producer.status(), 1);
  auto store = MakePgCrawlStore(config.pg_dsn);
  auto fetcher = MakeCurlFetcher(config.fetch);
  MetricsRegistry registry;
  CrawlerMetrics metrics(registry);
  Crawler crawler(config, *store, *fetcher, **producer, metrics);
  auto schedule_store = MakePgScheduleStore(config.pg_dsn);
  RecrawlScheduler scheduler(*schedule_store, **producer, metrics,
                             config.max_recrawl_pages_per_round);
  return RunKafkaService(
      {"crawler", config.kafka_bootstrap, config.group_id, std::string(kFrontierTopic),
       config.batch_size, config.metrics_file, config.metrics_address, config.metrics_url_file},
      registry, [&](const std::vector<Message>& b) { return crawler.HandleBatch(b); },
      {{"reconcile", std::chrono::seconds(10), [&] { return crawler.Reconcile(); }},
       {"schedule", config.schedule_every, [&] { return scheduler.Tick(); }}});
}

}  // namespace tdm::crawler
