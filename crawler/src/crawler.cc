#include "tdm/crawler/crawler.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <random>
#include <set>

#include "charset.h"
#include "sitemap.h"
#include "tdm/common/service_loop.h"
#include "tdm/common/url.h"
#include "tdm/crawler/extract.h"
#include "tdm/crawler/recrawl.h"
#include "tdm/crawler/scheduler.h"
#include "tdm/crawler/scope.h"

namespace tdm::crawler {
namespace {

bool LooksLikeHtml(const std::string& content_type, const std::string& body) {
  std::string ct = content_type;
  std::transform(ct.begin(), ct.end(), ct.begin(), ::tolower);
  if (ct.find("text/html") != std::string::npos ||
      ct.find("application/xhtml") != std::string::npos) {
    return true;
  }
  if (!ct.empty()) return false;
  // No content type: sniff the first bytes like browsers do.
  std::string head = body.substr(0, 512);
  std::transform(head.begin(), head.end(), head.begin(), ::tolower);
  return head.find("<html") != std::string::npos ||
         head.find("<!doctype html") != std::string::npos;
}

// The host of the site's seed: with allow_private, the only private target.
std::string SiteHost(const SiteSettings& site) {
  auto seed = Url::Parse(site.seed_url);
  return seed.ok() ? seed->host() : "invalid-seed.invalid";
}

// The wait before attempt `attempts + 1`: the server's Retry-After (capped at
// an hour), else 5 s doubled per attempt, plus up to half again of jitter so
// that pages of one host do not come back all at once.
std::chrono::seconds RetryDelay(int attempts, int64_t retry_after) {
  if (retry_after > 0) return std::chrono::seconds(std::min<int64_t>(retry_after, 3600));
  static thread_local std::mt19937 rng(std::random_device{}());
  const int64_t base = int64_t{5} << std::min(attempts - 1, 10);
  return std::chrono::seconds(base + std::uniform_int_distribution<int64_t>(0, base / 2)(rng));
}

std::string GaveUp(int attempts) {
  return "gave up after " + std::to_string(attempts) + " attempts: ";
}

std::string HostKey(const std::string& url) {
  auto u = Url::Parse(url);
  return u.ok() ? u->HostPort() : std::string();
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

  // Pages robots.txt disallows are recorded as failed without a request.
  std::vector<std::optional<PageOutcome>> outcomes(items.size());
  std::vector<std::shared_ptr<const RobotsTxt>> item_robots(items.size());
  std::vector<size_t> fetched;
  std::vector<FetchRequest> requests;
  for (size_t i = 0; i < items.size(); ++i) {
    const SiteSettings& site = claims[i].site;
    auto url = Url::Parse(items[i].url);
    std::shared_ptr<const RobotsTxt> rules;
    if (site.obey_robots && url.ok()) {
      rules = robots_.Lookup(RobotsCache::Key(*url));
      item_robots[i] = rules;
      if (rules == nullptr || !rules->Allowed(*url)) {
        PageOutcome o;
        o.url = items[i].url;
        o.error =
            "disallowed by robots.txt (an unreachable or failing robots.txt disallows all "
            "for a while)";
        metrics_.RobotsDenied();
        metrics_.PageFailed("robots");
        spdlog::info("page {}: {}", items[i].url, o.error);
        outcomes[i] = std::move(o);
        continue;
      }
    }
    FetchRequest req;
    req.url = items[i].url;
    req.max_bytes = config_.max_page_bytes;
    req.allow_private = site.allow_private;
    req.private_host = SiteHost(site);
    req.headers = site.session_headers;
    req.cookie = site.session_cookie;
    req.host_key = HostKey(items[i].url);
    req.politeness = PolitenessFor(site, rules.get());
    if (claims[i].recrawl && claims[i].history) {  // unchanged pages cost a 304
      req.if_none_match = claims[i].history->etag;
      req.if_modified_since = claims[i].history->last_modified;
    }
    fetched.push_back(i);
    requests.push_back(std::move(req));
  }
  std::vector<FetchResponse> responses = fetcher_.FetchAll(requests);
  for (size_t k = 0; k < fetched.size(); ++k) {
    outcomes[fetched[k]] = Process(items[fetched[k]], claims[fetched[k]], responses[k]);
  }
  // A crawl's seed also brings the pages its host's sitemaps list.
  for (size_t i = 0; i < items.size(); ++i) {
    if (claims[i].depth == 0 && outcomes[i]->ok && item_robots[i] &&
        !item_robots[i]->sitemaps().empty()) {
      AddSitemapPages(items[i], claims[i], *item_robots[i], &*outcomes[i]);
    }
  }
  std::vector<PageResult> results;
  for (size_t i = 0; i < items.size(); ++i)
    results.push_back({&items[i], &claims[i], &*outcomes[i]});
  auto recorded = store_.Record(results);
  if (!recorded.ok()) return recorded.status();
  if (Status s = Publish(*recorded); !s.ok()) return s;
  return producer_.Flush(std::chrono::seconds(30));
}

PageOutcome Crawler::Process(const FrontierItem& item, const PageClaim& claim,
                             const FetchResponse& r) {
  PageOutcome o;
  o.url = item.url;
  o.http_status = r.http_status;
  o.content_type = r.content_type;
  o.bytes = static_cast<int64_t>(r.body.size());
  // Busy or failing servers and network failures are retried later, with
  // exponential backoff and jitter, or after the server's Retry-After.
  const bool transient = (!r.status.ok() && r.status.code() == Status::Code::kUnavailable) ||
                         (r.status.ok() && (r.http_status == 429 || r.http_status >= 500));
  if (transient && claim.attempts < config_.max_attempts) {
    o.retry_after = RetryDelay(claim.attempts, r.retry_after);
    o.error = (r.status.ok() ? "HTTP " + std::to_string(r.http_status) : r.status.ToString()) +
              "; retrying in " + std::to_string(o.retry_after->count()) + " s";
    metrics_.PageFailed("retry");
    spdlog::info("page {}: {}", item.url, o.error);
    return o;
  }
  if (!r.status.ok()) {
    const char* reason = r.status.code() == Status::Code::kTooLarge          ? "too_large"
                         : r.status.code() == Status::Code::kRefused         ? "refused"
                         : r.status.code() == Status::Code::kInvalidArgument ? "redirects"
                                                                             : "network";
    metrics_.PageFailed(reason);
    o.error = (transient ? GaveUp(claim.attempts) : "") + r.status.ToString();
    spdlog::warn("page {} failed: {}", item.url, o.error);
    NoteVisit(claim, r, &o);
    return o;
  }
  if (r.http_status > 0) metrics_.PageFetched(r.http_status, o.bytes, r.seconds);
  if (r.http_status == 304 && claim.history) {  // unchanged since the last visit
    o.ok = true;
    o.not_modified = true;
    NoteVisit(claim, r, &o);
    return o;
  }
  if (r.http_status >= 300 || r.http_status == 0) {
    metrics_.PageFailed("http");
    o.error = (transient ? GaveUp(claim.attempts) : "") + "HTTP " + std::to_string(r.http_status);
    spdlog::info("page {}: {}", item.url, o.error);
    NoteVisit(claim, r, &o);
    return o;
  }
  o.ok = true;
  if (!LooksLikeHtml(r.content_type, r.body)) {
    metrics_.PageFailed("not_html");
    o.error = "not HTML (" + (r.content_type.empty() ? "no content type" : r.content_type) + ")";
    spdlog::info("page {}: {}", item.url, o.error);
    return o;
  }
  auto seed = Url::Parse(claim.site.seed_url);
  auto base = Url::Parse(r.final_url.empty() ? item.url : r.final_url);
  if (!seed.ok() || !base.ok()) {
    o.error = "unparsable URL";
    return o;
  }
  const Scope scope = Scope::FromSeed(*seed);
  // A thumbnail's full-size page is out of scope by nature (an image host).
  if (claim.kind != PageKind::kImagePage && !scope.Contains(*base)) {
    o.error = "redirected out of scope to " + base->Spec();
    spdlog::info("page {}: {}", item.url, o.error);
    return o;
  }
  FindLinks(item, claim, r, scope, *base, &o);
  std::vector<std::string> image_urls;
  for (const FoundImage& img : o.images) image_urls.push_back(img.url);
  o.content_digest = ContentDigest(o.new_pages, std::move(image_urls));
  NoteVisit(claim, r, &o);
  return o;
}

void Crawler::FindLinks(const FrontierItem& item, const PageClaim& claim, const FetchResponse& r,
                        const Scope& scope, const Url& base, PageOutcome* o) {
  const Utf8Page page = DecodeToUtf8(r.body, r.content_type);
  if (page.unknown_charset) {  // read as UTF-8 anyway
    metrics_.UnknownCharset();
    spdlog::info("page {}: unknown charset in '{}', read as UTF-8", item.url, r.content_type);
  }
  Extracted found = ExtractLinks(page.html, base, config_.max_links_per_page);
  for (const ImageRef& img : found.images) o->images.push_back({img.url, img.how});
  if (claim.kind == PageKind::kImagePage) {  // one hop: its images, none of its links
    metrics_.LinksFound(0, o->images.size());
    return;
  }
  const auto today = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
  const ScopeRules rules = RulesFor(claim.site);
  const std::set<std::string> paging(found.pagination.begin(), found.pagination.end());
  const std::set<std::string> thumbs(found.image_pages.begin(), found.image_pages.end());
  for (const std::string& link : found.pages) {
    auto u = Url::Parse(link);
    if (!u.ok()) continue;
    auto canonical = Canonicalize(*u, rules);
    if (!canonical.ok()) continue;
    // The site's page budget and depth cap are the store's (it counts the
    // crawl's pages and knows each one's depth); the rest is decided here.
    ScopeVerdict verdict = Check(scope, rules, *canonical, 0, 0, today);
    if (verdict == ScopeVerdict::kOutOfScope && thumbs.count(link)) {
      // A thumbnail's full-size page elsewhere: the crawler-wide trap limits
      // apply, not the site's own path patterns.
      verdict = Check(Scope::FromSeed(*canonical), config_.scope_rules, *canonical, 0, 0, today);
      if (verdict == ScopeVerdict::kIn) o->image_pages.push_back(canonical->Spec());
    }
    if (verdict == ScopeVerdict::kIn) {
      o->new_pages.push_back(canonical->Spec());
      if (paging.count(link)) o->index_pages.push_back(canonical->Spec());
    } else if (verdict != ScopeVerdict::kOutOfScope) {
      metrics_.LinkRefused(verdict);
    }
  }
  metrics_.LinksFound(o->new_pages.size(), o->images.size());
}

void Crawler::NoteVisit(const PageClaim& claim, const FetchResponse& r, PageOutcome* o) const {
  const bool fetched = o->ok && (o->not_modified || o->content_digest);
  if (!fetched && !claim.history) return;  // a page that never worked is not remembered
  const std::optional<PageHistory>& h = claim.history;
  if (o->not_modified || !fetched) {  // what was known stays
    o->etag = !r.etag.empty() || !h ? r.etag : h->etag;
    o->last_modified = !r.last_modified.empty() || !h ? r.last_modified : h->last_modified;
    o->content_digest = h ? h->content_digest : std::nullopt;
  } else {
    o->etag = r.etag;
    o->last_modified = r.last_modified;
    o->changed = h && h->content_digest && h->content_digest != o->content_digest;
  }
  if (o->not_modified) metrics_.NotModified();
  if (o->changed) metrics_.PageChanged();
  o->revisit_after =
      NextInterval(claim.site.recrawl_every.value_or(kUnscheduledEvery), claim.kind,
                   h ? std::optional<std::chrono::seconds>(h->interval) : std::nullopt, o->changed);
}

Status Crawler::Publish(const RecordedLinks& links) {
  for (const FrontierItem& page : links.pages) {
    Status s = producer_.Publish(kFrontierTopic, HostKey(page.url), page.Encode());
    if (!s.ok()) return s;
  }
  for (const ImageItem& image : links.images) {
    Status s = producer_.Publish(kImagesTopic, HostKey(image.image_url), image.Encode());
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
  auto producer = MakeKafkaProducer({config.kafka_bootstrap, "tdm-crawler"});
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
