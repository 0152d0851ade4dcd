// Crawler::Process and its parts: what one fetched page yields (its outcome,
// links, images and what its history keeps of the visit).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <random>
#include <set>

#include "charset.h"
#include "tdm/common/url.h"
#include "tdm/crawler/crawler.h"
#include "tdm/crawler/extract.h"
#include "tdm/crawler/recrawl.h"
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

}  // namespace

PageOutcome Crawler::Process(const FrontierItem& item, const PageClaim& claim,
                             const FetchResponse& r) {
  PageOutcome o;
  o.url = item.url;
  o.http_status = r.http_status;
  o.content_type = r.content_type;
  o.bytes = static_cast<int64_t>(r.body.size());
  if (r.deferred) {  // the host's budget for this batch is spent: not an attempt
    o.retry_after = std::chrono::seconds(std::max<int64_t>(1, r.retry_after));
    o.deferred = true;
    o.error = r.status.ToString();
    metrics_.PageFailed("deferred");
    return o;
  }
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

}  // namespace tdm::crawler
