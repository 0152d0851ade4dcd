#include "tdm/crawler/crawler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "tdm/common/test_doubles.h"

namespace tdm::crawler {
namespace {

using tdm::testing::MessageOf;
using tdm::testing::RecordingProducer;
using tdm::testing::ScriptedFetcher;

// CrawlStore in memory, with the same once-per-crawl rule as the real one.
// A watched site with the defaults the tests rely on (100 pages, depth 5).
SiteSettings Site(int64_t id, const std::string& seed) {
  SiteSettings site;
  site.site_id = id;
  site.seed_url = seed;
  site.max_pages = 100;
  site.max_depth = 5;
  return site;
}

class InMemoryCrawlStore final : public CrawlStore {
 public:
  explicit InMemoryCrawlStore(SiteSettings site) : site_(std::move(site)) {}

  void Queue(const std::string& url, int depth) { pages[url] = {"queued", depth, "", 0, {}}; }

  Result<std::vector<std::optional<PageClaim>>> Claim(
      const std::vector<FrontierItem>& items) override {
    if (away) return Status::Unavailable("database away (test)");
    std::vector<std::optional<PageClaim>> out;
    std::set<std::string> claimed;
    for (const FrontierItem& item : items) {
      auto it = pages.find(item.url);
      if (it == pages.end() || it->second.state == "done" || it->second.state == "failed" ||
          !claimed.insert(item.url).second) {
        out.emplace_back();
        continue;
      }
      it->second.state = "fetching";
      PageClaim c;
      c.site = site_;
      c.depth = it->second.depth;
      c.attempts = ++it->second.attempts;
      c.recrawl = recrawl;
      if (auto k = kinds.find(item.url); k != kinds.end()) c.kind = k->second;
      if (auto h = history.find(item.url); h != history.end()) c.history = h->second;
      out.emplace_back(std::move(c));
    }
    return out;
  }

  Result<RecordedLinks> Record(const std::vector<PageResult>& results) override {
    if (away) return Status::Unavailable("database away (test)");
    RecordedLinks out;
    for (const PageResult& r : results) {
      const FrontierItem& item = *r.item;
      const PageOutcome& o = *r.outcome;
      pages[item.url].state = o.retry_after ? "queued" : o.ok ? "done" : "failed";
      pages[item.url].error = o.error;
      pages[item.url].retry_after = o.retry_after;
      if (o.deferred) --pages[item.url].attempts;
      outcomes[item.url] = o;
      for (const auto& url : o.new_pages) {
        if (pages.count(url) || r.claim->depth >= site_.max_depth) continue;
        pages[url] = {"queued", r.claim->depth + 1, "", 0, {}};
        out.pages.push_back({item.crawl_id, item.site_id, url, r.claim->depth + 1});
      }
      for (const auto& img : o.images) {
        if (!images.insert({item.url, img.url}).second) continue;
        out.images.push_back({item.crawl_id, item.site_id, item.url, img.url, site_.allow_private});
      }
    }
    return out;
  }

  Result<RecordedLinks> Requeue(std::chrono::seconds, int) override { return RecordedLinks{}; }
  Result<double> FrontierLag() override { return 0.0; }

  struct Page {
    std::string state;
    int depth = 0;
    std::string error;
    int attempts = 0;
    std::optional<std::chrono::seconds> retry_after;
  };
  std::map<std::string, Page> pages;
  std::set<std::pair<std::string, std::string>> images;
  std::map<std::string, PageHistory> history;   // what Claim reports of earlier fetches
  std::map<std::string, PageOutcome> outcomes;  // the last outcome Record saw per page
  bool recrawl = false;                         // claims are of a scheduled recrawl
  std::map<std::string, PageKind> kinds;        // page kinds other than kPage
  bool away = false;
  SiteSettings& site() { return site_; }

 private:
  SiteSettings site_;
};

class CrawlerTest : public ::testing::Test {
 protected:
  CrawlerTest()
      : store_(Site(1, "http://leaks.example/forum/index.html")),
        metrics_(registry_),
        crawler_(config_, store_, fetcher_, producer_, metrics_) {
    // No robots.txt (404): everything allowed, as RFC 9309 says.
    fetcher_.Serve("http://leaks.example/robots.txt", 404, "text/html", "");
  }

  Status Crawl(const std::string& url) {
    store_.Queue(url, 0);
    return crawler_.HandleBatch({MessageOf(kFrontierTopic, FrontierItem{7, 1, url, 0}.Encode())});
  }

  std::set<std::string> Published(std::string_view topic) {
    std::set<std::string> out;
    for (const auto& m : producer_.On(topic)) {
      if (topic == kFrontierTopic) out.insert(FrontierItem::Decode(m.value)->url);
      if (topic == kImagesTopic) out.insert(ImageItem::Decode(m.value)->image_url);
    }
    return out;
  }

  double Counter(const std::string& needle) {
    // Reads one sample line of the text exposition, e.g. `name{reason="x"} 1`.
    const std::string text = registry_.Serialize();
    auto at = text.find("\n" + needle);
    if (at == std::string::npos) return 0;
    auto sp = text.find(' ', at + needle.size());
    return std::stod(text.substr(sp + 1));
  }

  CrawlerConfig config_;
  InMemoryCrawlStore store_;
  ScriptedFetcher fetcher_;
  RecordingProducer producer_;
  MetricsRegistry registry_;
  CrawlerMetrics metrics_;
  Crawler crawler_;
};

TEST_F(CrawlerTest, PublishesInScopePagesAndAllImagesKeyedByHost) {
  fetcher_.Serve("http://leaks.example/forum/index.html", 200, "text/html; charset=utf-8",
                 R"(<a href="t/1.html">in</a> <a href="/admin/">out</a>
                    <a href="http://other.example/forum/x.html">other host</a>
                    <a href="../forum-archive/a.html">prefix trap</a>
                    <img src="media/a.jpg"> <img data-src="//cdn.example/b.png">)");
  ASSERT_TRUE(Crawl("http://leaks.example/forum/index.html").ok());
  EXPECT_EQ(Published(kFrontierTopic),
            std::set<std::string>{"http://leaks.example/forum/t/1.html"});
  EXPECT_EQ(Published(kImagesTopic),
            (std::set<std::string>{"http://leaks.example/forum/media/a.jpg",
                                   "http://cdn.example/b.png"}));
  for (const auto& m : producer_.On(kImagesTopic)) {
    EXPECT_EQ(m.key, ImageItem::Decode(m.value)->image_url.find("cdn") != std::string::npos
                         ? "cdn.example"
                         : "leaks.example");
  }
  EXPECT_EQ(store_.pages["http://leaks.example/forum/index.html"].state, "done");
}

TEST_F(CrawlerTest, RedeliveredPageIsNotFetchedTwice) {
  fetcher_.Serve("http://leaks.example/forum/index.html", 200, "text/html", "<img src=a.jpg>");
  ASSERT_TRUE(Crawl("http://leaks.example/forum/index.html").ok());
  const FrontierItem again{7, 1, "http://leaks.example/forum/index.html", 0};
  ASSERT_TRUE(crawler_.HandleBatch({MessageOf(kFrontierTopic, again.Encode())}).ok());
  EXPECT_EQ(fetcher_.fetched, (std::vector<std::string>{"http://leaks.example/robots.txt",
                                                        "http://leaks.example/forum/index.html"}));
  EXPECT_EQ(producer_.On(kImagesTopic).size(), 1u);
}

TEST_F(CrawlerTest, BadPagesAreRecordedCountedAndTheBatchGoesOn) {
  fetcher_.Serve("http://leaks.example/forum/404.html", 404, "text/html", "gone");
  fetcher_.Serve("http://leaks.example/forum/doc.pdf", 200, "application/pdf", "%PDF-1.4");
  fetcher_.Serve("http://leaks.example/forum/ok.html", 200, "text/html", "<img src=x.jpg>");
  fetcher_.Redirect("http://leaks.example/forum/away.html", "http://elsewhere.example/",
                    "<a href=/forum/x.html>x</a>");
  // forum/drop.html is unknown to the fetcher: a connection failure.
  std::vector<Message> batch;
  for (const char* page : {"404.html", "doc.pdf", "drop.html", "away.html", "ok.html"}) {
    const std::string url = std::string("http://leaks.example/forum/") + page;
    store_.Queue(url, 1);
    batch.push_back(MessageOf(kFrontierTopic, FrontierItem{7, 1, url, 1}.Encode()));
  }
  batch.push_back(MessageOf(kFrontierTopic, "{not json"));
  ASSERT_TRUE(crawler_.HandleBatch(batch).ok());
  EXPECT_EQ(store_.pages["http://leaks.example/forum/404.html"].error, "HTTP 404");
  EXPECT_EQ(store_.pages["http://leaks.example/forum/404.html"].state, "failed");
  EXPECT_NE(store_.pages["http://leaks.example/forum/doc.pdf"].error.find("not HTML"),
            std::string::npos);
  // A connection failure may pass: tried again later, not failed.
  EXPECT_EQ(store_.pages["http://leaks.example/forum/drop.html"].state, "queued");
  EXPECT_TRUE(store_.pages["http://leaks.example/forum/drop.html"].retry_after.has_value());
  EXPECT_NE(store_.pages["http://leaks.example/forum/away.html"].error.find("out of scope"),
            std::string::npos);
  EXPECT_EQ(store_.pages["http://leaks.example/forum/ok.html"].state, "done");
  EXPECT_EQ(Published(kImagesTopic), std::set<std::string>{"http://leaks.example/forum/x.jpg"});
  EXPECT_TRUE(Published(kFrontierTopic).empty());  // nothing followed from the redirect
  EXPECT_EQ(Counter("tdm_crawler_page_failures_total{reason=\"http\"}"), 1);
  EXPECT_EQ(Counter("tdm_crawler_page_failures_total{reason=\"not_html\"}"), 1);
  EXPECT_EQ(Counter("tdm_crawler_page_failures_total{reason=\"retry\"}"), 1);
  EXPECT_EQ(Counter("tdm_crawler_bad_messages_total"), 1);
}

TEST_F(CrawlerTest, DatabaseOrBrokerAwayIsUnavailableSoTheBatchIsRetried) {
  fetcher_.Serve("http://leaks.example/forum/index.html", 200, "text/html", "<img src=a.jpg>");
  store_.away = true;
  EXPECT_EQ(Crawl("http://leaks.example/forum/index.html").code(), Status::Code::kUnavailable);
  store_.away = false;
  producer_.fail = true;
  EXPECT_EQ(Crawl("http://leaks.example/forum/index.html").code(), Status::Code::kUnavailable);
  producer_.fail = false;
}

TEST_F(CrawlerTest, PageOverTheSizeCapFails) {
  config_.max_page_bytes = 2048;
  fetcher_.Serve("http://leaks.example/forum/big.html", 200, "text/html", std::string(4096, 'x'));
  ASSERT_TRUE(Crawl("http://leaks.example/forum/big.html").ok());
  EXPECT_EQ(store_.pages["http://leaks.example/forum/big.html"].state, "failed");
  EXPECT_EQ(Counter("tdm_crawler_page_failures_total{reason=\"too_large\"}"), 1);
}

// Every request carries its host's politeness budget: the crawler's defaults
// (1 s, 2 at a time), or the site's recorded override.
TEST_F(CrawlerTest, RequestsCarryTheHostsPolitenessBudget) {
  fetcher_.Serve("http://leaks.example/forum/index.html", 200, "text/html", "<p>hi</p>");
  ASSERT_TRUE(Crawl("http://leaks.example/forum/index.html").ok());
  ASSERT_EQ(fetcher_.requests_seen.size(), 2u);  // robots.txt, then the page, in one budget
  for (const FetchRequest& r : fetcher_.requests_seen) {
    EXPECT_EQ(r.host_key, "leaks.example");
    EXPECT_EQ(r.politeness.min_interval, std::chrono::milliseconds(1000));
    EXPECT_EQ(r.politeness.max_concurrency, 2);
  }

  SiteSettings fast = Site(1, "http://leaks.example:8080/forum/index.html");
  fast.crawl_delay_ms = 0;
  fast.max_concurrency = 8;
  InMemoryCrawlStore store(fast);
  Crawler crawler(config_, store, fetcher_, producer_, metrics_);
  fetcher_.Serve("http://leaks.example:8080/forum/index.html", 200, "text/html", "<p>hi</p>");
  fetcher_.Serve("http://leaks.example:8080/robots.txt", 404, "text/plain", "");
  store.Queue("http://leaks.example:8080/forum/index.html", 0);
  ASSERT_TRUE(
      crawler
          .HandleBatch({MessageOf(
              kFrontierTopic,
              FrontierItem{7, 1, "http://leaks.example:8080/forum/index.html", 0}.Encode())})
          .ok());
  ASSERT_EQ(fetcher_.requests_seen.size(), 4u);
  EXPECT_EQ(fetcher_.requests_seen[3].host_key, "leaks.example:8080");
  EXPECT_EQ(fetcher_.requests_seen[3].politeness.min_interval, std::chrono::milliseconds(0));
  EXPECT_EQ(fetcher_.requests_seen[3].politeness.max_concurrency, 8);
}

// robots.txt, fetched once per host and cached: a disallowed page is
// recorded as failed without a request, an allowed one is fetched, its
// Crawl-delay lengthens the host's budget, and a site whose override says so
// is crawled regardless.
TEST_F(CrawlerTest, RobotsTxtDisallowsPagesAndSlowsTheHost) {
  fetcher_.Serve("http://leaks.example/robots.txt", 200, "text/plain",
                 "User-agent: *\nDisallow: /forum/private/\nCrawl-delay: 5\n\n"
                 "User-agent: tdm\nDisallow: /forum/secret$\nAllow: /forum/secret/ok\n"
                 "Crawl-delay: 3\n");
  fetcher_.Serve("http://leaks.example/forum/index.html", 200, "text/html", "<p>hi</p>");
  fetcher_.Serve("http://leaks.example/forum/secret", 200, "text/html", "<p>no</p>");
  fetcher_.Serve("http://leaks.example/forum/private/a.html", 200, "text/html", "<p>ok</p>");
  for (const char* url :
       {"http://leaks.example/forum/index.html", "http://leaks.example/forum/secret",
        "http://leaks.example/forum/private/a.html"}) {
    ASSERT_TRUE(Crawl(url).ok());
  }
  // The tdm group applies (not *): /forum/secret is out, /forum/private/ is in.
  EXPECT_EQ(std::count(fetcher_.fetched.begin(), fetcher_.fetched.end(),
                       "http://leaks.example/robots.txt"),
            1)
      << "cached after the first fetch";
  EXPECT_EQ(std::count(fetcher_.fetched.begin(), fetcher_.fetched.end(),
                       "http://leaks.example/forum/secret"),
            0);
  EXPECT_EQ(store_.pages["http://leaks.example/forum/secret"].state, "failed");
  EXPECT_NE(store_.pages["http://leaks.example/forum/secret"].error.find("robots.txt"),
            std::string::npos);
  EXPECT_EQ(store_.pages["http://leaks.example/forum/private/a.html"].state, "done");
  EXPECT_EQ(Counter("tdm_crawler_robots_denied_total"), 1);
  EXPECT_EQ(fetcher_.requests_seen.back().politeness.min_interval, std::chrono::milliseconds(3000));

  // An override recorded for the site: robots.txt is not consulted.
  SiteSettings ignoring = Site(1, "http://leaks.example/forum/index.html");
  ignoring.obey_robots = false;
  InMemoryCrawlStore store(ignoring);
  Crawler crawler(config_, store, fetcher_, producer_, metrics_);
  store.Queue("http://leaks.example/forum/secret", 0);
  ASSERT_TRUE(
      crawler
          .HandleBatch({MessageOf(
              kFrontierTopic, FrontierItem{7, 1, "http://leaks.example/forum/secret", 0}.Encode())})
          .ok());
  EXPECT_EQ(store.pages["http://leaks.example/forum/secret"].state, "done");
}

TEST_F(CrawlerTest, UnreachableRobotsTxtDisallowsTheHost) {
  fetcher_.Serve("http://down.example/robots.txt", 503, "text/html", "busy");
  fetcher_.Serve("http://down.example/forum/index.html", 200, "text/html", "<p>hi</p>");
  InMemoryCrawlStore store(Site(2, "http://down.example/forum/index.html"));
  Crawler crawler(config_, store, fetcher_, producer_, metrics_);
  store.Queue("http://down.example/forum/index.html", 0);
  ASSERT_TRUE(crawler
                  .HandleBatch({MessageOf(
                      kFrontierTopic,
                      FrontierItem{8, 2, "http://down.example/forum/index.html", 0}.Encode())})
                  .ok());
  EXPECT_EQ(std::count(fetcher_.fetched.begin(), fetcher_.fetched.end(),
                       "http://down.example/forum/index.html"),
            0);
  EXPECT_EQ(store.pages["http://down.example/forum/index.html"].state, "failed");
}

// Links are canonicalised (tracking and session parameters go) and traps are
// refused and counted by reason.
TEST_F(CrawlerTest, LinksAreCanonicalAndTrapsRefused) {
  fetcher_.Serve("http://leaks.example/forum/index.html", 200, "text/html",
                 R"(<a href="t/1.html?utm_source=x&amp;page=2&amp;fbclid=abc">tracked</a>
                    <a href="t/1.html?page=2">same page</a>
                    <a href="cal?month=2031-05">calendar far ahead</a>
                    <a href="a/b/a/b/a/b/a/b/x.html">repeating</a>)");
  ASSERT_TRUE(Crawl("http://leaks.example/forum/index.html").ok());
  EXPECT_EQ(Published(kFrontierTopic),
            (std::set<std::string>{"http://leaks.example/forum/t/1.html?page=2"}));
  EXPECT_EQ(Counter("tdm_crawler_links_refused_total{reason=\"trap\"}"), 2);
}

// A Latin-1 page's links reach the frontier as proper UTF-8 URLs.
TEST_F(CrawlerTest, PagesInOtherCharsetsAreReadCorrectly) {
  fetcher_.Serve("http://leaks.example/forum/index.html", 200, "text/html; charset=ISO-8859-1",
                 "<a href=\"caf\xe9.html\">caf\xe9</a>");
  ASSERT_TRUE(Crawl("http://leaks.example/forum/index.html").ok());
  EXPECT_EQ(Published(kFrontierTopic),
            (std::set<std::string>{"http://leaks.example/forum/caf%C3%A9.html"}));
}

// 429 and 5xx are retried later: after the server's Retry-After, else after
// a backoff that doubles per attempt; after the last attempt the page fails.
TEST_F(CrawlerTest, BusyServersAreRetriedWithBackoffThenGivenUp) {
  fetcher_.Serve("http://leaks.example/forum/busy.html", 429, "text/html", "slow down");
  fetcher_.Serve("http://leaks.example/forum/down.html", 503, "text/html", "down");
  fetcher_.SetRetryAfter("http://leaks.example/forum/busy.html", 120);
  auto crawl_again = [&](const std::string& url) {
    return crawler_.HandleBatch({MessageOf(kFrontierTopic, FrontierItem{7, 1, url, 0}.Encode())});
  };
  store_.Queue("http://leaks.example/forum/busy.html", 0);
  store_.Queue("http://leaks.example/forum/down.html", 0);
  ASSERT_TRUE(crawl_again("http://leaks.example/forum/busy.html").ok());
  ASSERT_TRUE(crawl_again("http://leaks.example/forum/down.html").ok());
  auto& busy = store_.pages["http://leaks.example/forum/busy.html"];
  auto& down = store_.pages["http://leaks.example/forum/down.html"];
  EXPECT_EQ(busy.state, "queued");
  EXPECT_EQ(busy.retry_after, std::chrono::seconds(120)) << "the server's Retry-After";
  EXPECT_EQ(down.state, "queued");
  ASSERT_TRUE(down.retry_after.has_value());
  EXPECT_GE(*down.retry_after, std::chrono::seconds(5));
  EXPECT_LE(*down.retry_after, std::chrono::seconds(7));
  ASSERT_TRUE(crawl_again("http://leaks.example/forum/down.html").ok());  // attempt 2
  EXPECT_GE(*down.retry_after, std::chrono::seconds(10)) << "doubled";
  EXPECT_LE(*down.retry_after, std::chrono::seconds(15));
  ASSERT_TRUE(crawl_again("http://leaks.example/forum/down.html").ok());  // attempt 3: the last
  EXPECT_EQ(down.state, "failed");
  EXPECT_EQ(down.error, "gave up after 3 attempts: HTTP 503");
}

// The seed of a crawl brings the in-scope pages of its host's sitemaps
// (named in robots.txt, through an index); other pages and hosts do not.
TEST_F(CrawlerTest, SitemapsFromRobotsTxtAddPagesToTheCrawl) {
  fetcher_.Serve("http://leaks.example/robots.txt", 200, "text/plain",
                 "Sitemap: http://leaks.example/sitemap_index.xml\n"
                 "Sitemap: http://elsewhere.example/sitemap.xml\n");
  fetcher_.Serve("http://leaks.example/sitemap_index.xml", 200, "application/xml",
                 "<sitemapindex><sitemap><loc>http://leaks.example/sitemap-1.xml</loc></sitemap>"
                 "</sitemapindex>");
  fetcher_.Serve("http://leaks.example/sitemap-1.xml", 200, "application/xml",
                 "<urlset><url><loc>http://leaks.example/forum/t/9.html</loc></url>"
                 "<url><loc>http://leaks.example/admin/x.html</loc></url>"
                 "<url><loc>http://leaks.example/forum/t/9.html?utm_source=feed</loc></url>"
                 "</urlset>");
  fetcher_.Serve("http://leaks.example/forum/index.html", 200, "text/html",
                 "<a href=\"t/1.html\">one</a>");
  ASSERT_TRUE(Crawl("http://leaks.example/forum/index.html").ok());
  EXPECT_EQ(Published(kFrontierTopic),
            (std::set<std::string>{"http://leaks.example/forum/t/1.html",
                                   "http://leaks.example/forum/t/9.html"}));
  EXPECT_EQ(std::count(fetcher_.fetched.begin(), fetcher_.fetched.end(),
                       "http://elsewhere.example/sitemap.xml"),
            0)
      << "another host's sitemap is not fetched";
}

// A site's own exclude pattern keeps matching links out, counted as such.
TEST_F(CrawlerTest, SitePatternsNarrowTheCrawl) {
  SiteSettings narrow = Site(1, "http://leaks.example/forum/index.html");
  narrow.exclude_patterns = {"/forum/members/", "*.php$"};
  InMemoryCrawlStore store(narrow);
  Crawler crawler(config_, store, fetcher_, producer_, metrics_);
  fetcher_.Serve("http://leaks.example/forum/index.html", 200, "text/html",
                 "<a href=\"members/5\">m</a><a href=\"t/1.html\">t</a><a href=\"x.php\">p</a>"
                 "<a href=\"x.php?id=1\">q</a>");
  store.Queue("http://leaks.example/forum/index.html", 0);
  ASSERT_TRUE(crawler
                  .HandleBatch({MessageOf(
                      kFrontierTopic,
                      FrontierItem{7, 1, "http://leaks.example/forum/index.html", 0}.Encode())})
                  .ok());
  EXPECT_EQ(Published(kFrontierTopic),
            (std::set<std::string>{"http://leaks.example/forum/t/1.html",
                                   "http://leaks.example/forum/x.php?id=1"}));
  EXPECT_EQ(Counter("tdm_crawler_links_refused_total{reason=\"excluded\"}"), 2);
}

TEST_F(CrawlerTest, PagingLinksAreIndexPagesAndThumbnailsLeadToImagePagesElsewhere) {
  fetcher_.Serve("http://leaks.example/forum/index.html", 200, "text/html",
                 R"(<a href="t/1.html">a thread</a> <a href="?page=2" rel="next">Next</a>
                    <a href="https://img.example/view/77"><img src="thumb77.jpg"></a>
                    <a href="https://other.example/blog">elsewhere, no thumbnail</a>
                    <div class="tme_messages_more" data-before="5512"></div>)");
  ASSERT_TRUE(Crawl("http://leaks.example/forum/index.html").ok());
  const PageOutcome& o = store_.outcomes.at("http://leaks.example/forum/index.html");
  EXPECT_EQ(std::set<std::string>(o.index_pages.begin(), o.index_pages.end()),
            (std::set<std::string>{"http://leaks.example/forum/index.html?page=2",
                                   "http://leaks.example/forum/index.html?before=5512"}));
  EXPECT_EQ(o.image_pages, std::vector<std::string>{"https://img.example/view/77"});
  const auto pages = Published(kFrontierTopic);
  EXPECT_TRUE(pages.count("https://img.example/view/77"));
  EXPECT_TRUE(pages.count("http://leaks.example/forum/index.html?before=5512"));
  EXPECT_FALSE(pages.count("https://other.example/blog"));
  for (const auto& m : producer_.On(kFrontierTopic)) {
    if (FrontierItem::Decode(m.value)->url == "https://img.example/view/77") {
      EXPECT_EQ(m.key, "img.example");  // owned by the image host's worker
    }
  }
}

TEST_F(CrawlerTest, AnImagePageGivesItsImagesButNoLinks) {
  const std::string view = "https://img.example/view/77";
  fetcher_.Serve("https://img.example/robots.txt", 404, "text/html", "");
  fetcher_.Serve(view, 200, "text/html",
                 R"(<a href="/view/78">next image</a><img src="/full/77.jpg">)");
  store_.Queue(view, 1);
  store_.kinds[view] = PageKind::kImagePage;
  ASSERT_TRUE(
      crawler_.HandleBatch({MessageOf(kFrontierTopic, FrontierItem{7, 1, view, 1}.Encode())}).ok());
  EXPECT_EQ(Published(kImagesTopic), std::set<std::string>{"https://img.example/full/77.jpg"});
  EXPECT_TRUE(Published(kFrontierTopic).empty());
  EXPECT_TRUE(store_.outcomes.at(view).ok);
}

TEST_F(CrawlerTest, APageItsHostCouldNotTakeThisBatchWaitsWithoutSpendingAnAttempt) {
  const std::string url = "http://leaks.example/forum/index.html";
  fetcher_.Serve(url, 0, "", "");
  fetcher_.Defer(url, 42);
  store_.Queue(url, 0);
  for (int i = 0; i < 5; ++i) {  // more often than max_attempts: never given up
    ASSERT_TRUE(
        crawler_.HandleBatch({MessageOf(kFrontierTopic, FrontierItem{7, 1, url, 0}.Encode())})
            .ok());
    EXPECT_EQ(store_.pages[url].state, "queued");
    EXPECT_EQ(store_.pages[url].attempts, 0);
    EXPECT_EQ(store_.pages[url].retry_after, std::chrono::seconds(42));
  }
  EXPECT_EQ(Counter("tdm_crawler_page_failures_total{reason=\"deferred\"}"), 5);
}

TEST_F(CrawlerTest, TheSitesSessionGoesWithItsPageRequestsOnly) {
  store_.site().session_headers = {"X-Forum-Token: t0k3n", "Authorization: Bearer b"};
  store_.site().session_cookie = "sid=s3cr3t";
  fetcher_.Serve("http://leaks.example/forum/index.html", 200, "text/html", "<p>x</p>");
  ASSERT_TRUE(Crawl("http://leaks.example/forum/index.html").ok());
  ASSERT_EQ(fetcher_.requests_seen.size(), 2u);  // robots.txt, then the page
  EXPECT_TRUE(fetcher_.requests_seen[0].headers.empty());
  EXPECT_TRUE(fetcher_.requests_seen[0].cookie.empty());
  EXPECT_EQ(fetcher_.requests_seen[1].headers,
            (std::vector<std::string>{"X-Forum-Token: t0k3n", "Authorization: Bearer b"}));
  EXPECT_EQ(fetcher_.requests_seen[1].cookie, "sid=s3cr3t");
}

TEST_F(CrawlerTest, LinksAlreadyRecordedForTheCrawlAreNotSentToTheStoreAgain) {
  const std::string a = "http://leaks.example/forum/a.html",
                    b = "http://leaks.example/forum/b.html";
  fetcher_.Serve(a, 200, "text/html", R"(<a href="t/1.html">1</a><a href="t/2.html">2</a>)");
  fetcher_.Serve(b, 200, "text/html", R"(<a href="t/1.html">1</a><a href="t/3.html">3</a>)");
  ASSERT_TRUE(Crawl(a).ok());
  ASSERT_TRUE(Crawl(b).ok());
  EXPECT_EQ(store_.outcomes.at(b).new_pages,
            std::vector<std::string>{"http://leaks.example/forum/t/3.html"});
  // What the page offers is still judged on all its links.
  EXPECT_EQ(
      store_.outcomes.at(b).content_digest,
      ContentDigest({"http://leaks.example/forum/t/1.html", "http://leaks.example/forum/t/3.html"},
                    {}));
}

TEST_F(CrawlerTest, LinksOfAPageAtTheDepthCapAreNotRememberedAsRecorded) {
  const std::string deep = "http://leaks.example/forum/deep.html";
  const std::string shallow = "http://leaks.example/forum/shallow.html";
  fetcher_.Serve(deep, 200, "text/html", R"(<a href="t/9.html">9</a>)");
  fetcher_.Serve(shallow, 200, "text/html", R"(<a href="t/9.html">9</a>)");
  store_.Queue(deep, 5);  // the site's max_depth: its links are not added
  ASSERT_TRUE(
      crawler_.HandleBatch({MessageOf(kFrontierTopic, FrontierItem{7, 1, deep, 5}.Encode())}).ok());
  ASSERT_TRUE(Crawl(shallow).ok());
  EXPECT_EQ(store_.outcomes.at(shallow).new_pages,
            std::vector<std::string>{"http://leaks.example/forum/t/9.html"});
  EXPECT_TRUE(Published(kFrontierTopic).count("http://leaks.example/forum/t/9.html"));
}

constexpr const char* kIndex = "http://leaks.example/forum/index.html";

class RecrawlTest : public CrawlerTest {
 protected:
  RecrawlTest() {
    store_.recrawl = true;
    store_.site().recrawl_every = std::chrono::seconds(200);  // index pages: 50..400 s
    PageHistory h;
    h.etag = "\"v1\"";
    h.last_modified = "Wed, 25 Nov 2026 10:00:00 GMT";
    h.content_digest = ContentDigest({"http://leaks.example/forum/t/1.html"},
                                     {"http://leaks.example/forum/a.jpg"});
    h.interval = std::chrono::seconds(100);
    store_.history[kIndex] = h;
  }
};

TEST_F(RecrawlTest, AnUnchangedPageIsAskedConditionallyAndA304CostsNothingMore) {
  fetcher_.Serve(kIndex, 304, "", "");
  ASSERT_TRUE(Crawl(kIndex).ok());
  const FetchRequest& req = fetcher_.requests_seen.back();
  EXPECT_EQ(req.if_none_match, "\"v1\"");
  EXPECT_EQ(req.if_modified_since, "Wed, 25 Nov 2026 10:00:00 GMT");
  const PageOutcome& o = store_.outcomes.at(kIndex);
  EXPECT_TRUE(o.ok);
  EXPECT_TRUE(o.not_modified);
  EXPECT_FALSE(o.changed);
  EXPECT_EQ(o.etag, "\"v1\"");  // kept though the 304 did not repeat it
  EXPECT_EQ(o.content_digest, store_.history[kIndex].content_digest);
  // The seed is an index page: 1.5 x 100 s.
  EXPECT_EQ(o.revisit_after, std::chrono::seconds(150));
  EXPECT_TRUE(Published(kFrontierTopic).empty());
  EXPECT_TRUE(Published(kImagesTopic).empty());
  EXPECT_EQ(Counter("tdm_crawler_not_modified_total"), 1);
}

TEST_F(RecrawlTest, AChangedPageComesBackSoonerWithItsNewValidators) {
  fetcher_.Serve(kIndex, 200, "text/html",
                 R"(<a href="t/1.html">old</a> <a href="t/2.html">new thread</a>
                    <img src="a.jpg"> <img src="b.jpg">)");
  fetcher_.SetValidators(kIndex, "\"v2\"", "");
  ASSERT_TRUE(Crawl(kIndex).ok());
  const PageOutcome& o = store_.outcomes.at(kIndex);
  EXPECT_TRUE(o.changed);
  EXPECT_FALSE(o.not_modified);
  EXPECT_EQ(o.etag, "\"v2\"");
  EXPECT_EQ(o.last_modified, "");  // the server stopped sending it
  EXPECT_EQ(o.revisit_after, std::chrono::seconds(50));
  EXPECT_EQ(Counter("tdm_crawler_pages_changed_total"), 1);
}

TEST_F(RecrawlTest, TheSameLinksInOtherHtmlAreNoChange) {
  fetcher_.Serve(kIndex, 200, "text/html",
                 R"(<p>visited 12:01, token 9f3a</p><img src="a.jpg"><a href="t/1.html">x</a>)");
  ASSERT_TRUE(Crawl(kIndex).ok());
  const PageOutcome& o = store_.outcomes.at(kIndex);
  EXPECT_FALSE(o.changed);
  EXPECT_EQ(o.revisit_after, std::chrono::seconds(150));
}

TEST_F(RecrawlTest, AFullCrawlFetchesUnconditionally) {
  store_.recrawl = false;
  fetcher_.Serve(kIndex, 200, "text/html", R"(<img src="a.jpg">)");
  ASSERT_TRUE(Crawl(kIndex).ok());
  EXPECT_EQ(fetcher_.requests_seen.back().if_none_match, "");
  EXPECT_EQ(fetcher_.requests_seen.back().if_modified_since, "");
  EXPECT_TRUE(store_.outcomes.at(kIndex).revisit_after.has_value());  // history still kept
}

TEST_F(RecrawlTest, APageThatNeverWorkedIsNotRemembered) {
  store_.history.clear();
  fetcher_.Serve(kIndex, 404, "text/html", "gone");
  ASSERT_TRUE(Crawl(kIndex).ok());
  EXPECT_FALSE(store_.outcomes.at(kIndex).revisit_after.has_value());
  EXPECT_TRUE(fetcher_.requests_seen.back().if_none_match.empty());
}

TEST_F(RecrawlTest, AKnownPageThatNowFailsBacksOffKeepingItsValidators) {
  fetcher_.Serve(kIndex, 404, "text/html", "gone");
  ASSERT_TRUE(Crawl(kIndex).ok());
  const PageOutcome& o = store_.outcomes.at(kIndex);
  EXPECT_FALSE(o.ok);
  EXPECT_EQ(o.revisit_after, std::chrono::seconds(150));
  EXPECT_EQ(o.etag, "\"v1\"");
}

}  // namespace
}  // namespace tdm::crawler
