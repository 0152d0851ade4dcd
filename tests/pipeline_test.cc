// The demo scenario end to end on the real stack: PostgreSQL 15, the embedded
// Kafka broker over TCP, the crawler, matcher and notifier processes, and the
// generated leak forum served over HTTP on 127.0.0.1.

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <pqxx/pqxx>
#include <set>
#include <thread>

#include "stack_fixture.h"
#include "tdm/common/fetcher.h"
#include "tdm/common/kafka.h"
#include "tdm/common/messages.h"
#include "tdm/demo/leak_site.h"
#include "tdm/demo/static_server.h"

namespace tdm::testing {
namespace {

using namespace std::chrono_literals;
using StringSet = std::set<std::string>;

// A served demo forum plus a registered demo victim, in one local stack.
class Scenario {
 public:
  explicit Scenario(const LocalStack& stack) : stack_(stack) {
    demo::LeakSiteOptions o;
    o.photos_dir = std::filesystem::path(TDM_ASSETS_DIR) / "johns";
    o.out_dir = stack.home() / "demo";
    auto site = demo::GenerateLeakSite(o);
    EXPECT_TRUE(site.ok()) << site.status().ToString();
    site_ = *site;
    server_ = std::make_unique<demo::StaticServer>(site_.root);
    auto port = server_->Start(0);
    EXPECT_TRUE(port.ok());
    origin_ = "http://127.0.0.1:" + std::to_string(*port);
  }

  // Registers the victim and the site; returns the crawl command's result.
  void Register() {
    auto subject = Tdm(stack_.home(), {"subject", "add", "--name", "Test Victim", "--email",
                                       "victim@example.org"});
    ASSERT_EQ(subject.exit_code, 0) << subject.out;
    subject_id = subject.LastId();
    std::vector<std::string> args = {"profile", "add", "--subject", std::to_string(subject_id)};
    for (const auto& p : site_.victim_photos) args.push_back(p.string());
    auto profiles = Tdm(stack_.home(), args);
    ASSERT_EQ(profiles.exit_code, 0) << profiles.out;
    ASSERT_EQ(profiles.LastId(), subject_id);
    args.push_back("--faces");  // the same photos, as faces too
    auto faces = Tdm(stack_.home(), args);
    ASSERT_EQ(faces.exit_code, 0) << faces.out;
    ASSERT_NE(faces.out.find("3 face(s) registered"), std::string::npos) << faces.out;
    auto site = Tdm(stack_.home(), {"site", "add", "--name", "forum", "--allow-private",
                                    origin_ + site_.seed_path});
    ASSERT_EQ(site.exit_code, 0) << site.out;
    site_id = site.LastId();
    // The forum is our own server on loopback: no need for 1 s between pages.
    auto fast = Tdm(stack_.home(), {"site", "politeness", std::to_string(site_id), "--delay-ms",
                                    "0", "--concurrency", "8", "--reason", "test server"});
    ASSERT_EQ(fast.exit_code, 0) << fast.out;
    ASSERT_NE(fast.out.find("politeness: delay 0 ms, concurrency 8 (test server)"),
              std::string::npos)
        << fast.out;
  }

  StringSet Paths(const std::string& sql) const {
    pqxx::connection c(stack_.dsn());
    pqxx::work tx(c);
    StringSet out;
    for (const auto& row : tx.exec(sql)) {
      std::string url = row[0].as<std::string>();
      EXPECT_EQ(url.rfind(origin_, 0), 0u) << "URL off the demo host: " << url;
      out.insert(url.substr(origin_.size()));
    }
    return out;
  }

  int64_t Count(const std::string& sql) const {
    pqxx::connection c(stack_.dsn());
    pqxx::work tx(c);
    return tx.exec1(sql)[0].as<int64_t>();
  }

  const demo::LeakSite& site() const { return site_; }
  const std::string& origin() const { return origin_; }
  int64_t subject_id = 0;
  int64_t site_id = 0;

 private:
  const LocalStack& stack_;
  demo::LeakSite site_;
  std::unique_ptr<demo::StaticServer> server_;
  std::string origin_;
};

StringSet ToSet(const std::vector<std::string>& v) { return StringSet(v.begin(), v.end()); }

StringSet Intersect(const StringSet& a, const StringSet& b) {
  StringSet out;
  for (const auto& x : a) {
    if (b.count(x)) out.insert(x);
  }
  return out;
}

// The assertions both scenarios share: what was crawled, what matched, and
// that there is exactly one complete draft for (victim, host).
void ExpectCorrectOutcome(const Scenario& s, const LocalStack& stack, int64_t crawl_id) {
  const std::string crawl = std::to_string(crawl_id);
  const std::string subject = std::to_string(s.subject_id);
  StringSet crawled = s.Paths("SELECT url FROM crawl_urls WHERE crawl_id = " + crawl);
  EXPECT_EQ(crawled, ToSet(s.site().in_scope_pages)) << stack.Logs();
  for (const auto& p : crawled) EXPECT_EQ(p.rfind("/forum/", 0), 0u) << p;
  EXPECT_TRUE(Intersect(crawled, ToSet(s.site().out_of_scope_links)).empty());

  StringSet matched = s.Paths(
      "SELECT DISTINCT s.image_url FROM matches m JOIN sightings s ON s.id = m.sighting_id"
      " WHERE m.subject_id = " +
      subject);
  StringSet expected = ToSet(s.site().victim_copies);
  expected.insert(s.site().face_only.begin(), s.site().face_only.end());
  EXPECT_EQ(matched, expected) << stack.Logs();
  EXPECT_TRUE(Intersect(matched, ToSet(s.site().decoys)).empty());
  // The face-swap fake and the unregistered photo: found by face alone, each
  // waiting for review with its face's box and distance.
  StringSet by_face = s.Paths(
      "SELECT DISTINCT s.image_url FROM matches m JOIN sightings s ON s.id = m.sighting_id"
      " WHERE m.kind = 'face' AND m.face_distance < 0.5 AND cardinality(m.face_box) = 4"
      " AND m.subject_id = " +
      subject);
  EXPECT_EQ(by_face, ToSet(s.site().face_only));

  // Every decoy was fetched and hashed (so "not matched" means something).
  StringSet hashed = s.Paths(
      "SELECT DISTINCT image_url FROM image_refs WHERE state = 'done'"
      " AND crawl_id = " +
      crawl);
  for (const auto& d : s.site().decoys) EXPECT_TRUE(hashed.count(d)) << "decoy not hashed: " << d;

  EXPECT_EQ(s.Count("SELECT count(*) FROM takedowns WHERE subject_id = " + subject), 1);
  EXPECT_EQ(s.Count("SELECT count(*) FROM takedowns WHERE subject_id = " + subject +
                    " AND host = '127.0.0.1' AND status = 'draft'"),
            1);
  const int64_t match_count = s.Count("SELECT count(*) FROM matches WHERE subject_id = " + subject);
  EXPECT_GE(match_count, static_cast<int64_t>(s.site().victim_copies.size()));
  // The subject's policy (the default: auto-confirm up to distance 10)
  // confirmed the near-exact matches; the others wait for a person, and only
  // confirmed matches are drafted.
  EXPECT_EQ(s.Count("SELECT count(*) FROM matches WHERE subject_id = " + subject +
                    " AND reviewed_at IS NULL AND kind <> 'face'"
                    " AND (status = 'confirmed') <> (distance <= 10)"),
            0);
  EXPECT_EQ(s.Count("SELECT count(*) FROM matches WHERE subject_id = " + subject +
                    " AND reviewed_at IS NULL AND kind = 'face' AND status <> 'pending_review'"),
            0)
      << "face matches are never confirmed without a person";
  EXPECT_EQ(s.Count("SELECT count(*) FROM takedown_items i JOIN takedowns t"
                    " ON t.id = i.takedown_id WHERE t.subject_id = " +
                    subject),
            s.Count("SELECT count(*) FROM matches WHERE status = 'confirmed' AND subject_id = " +
                    subject));
}

int PidOf(const LocalStack& stack, const std::string& service) {
  return std::atoi(
      Shell("cat " + (stack.home() / "run" / (service + ".pid")).string()).out.c_str());
}

// Polls `sql` until it returns at least `n` or the deadline passes.
bool AwaitCount(const Scenario& s, const std::string& sql, int64_t n, std::chrono::seconds d) {
  const auto until = std::chrono::steady_clock::now() + d;
  while (std::chrono::steady_clock::now() < until) {
    if (s.Count(sql) >= n) return true;
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

TEST(Pipeline, DemoForumCrawledMatchedAndDrafted) {
  LocalStack stack;
  ASSERT_TRUE(stack.up_ok()) << stack.up_result().out << stack.Logs();
  Scenario s(stack);
  ASSERT_NO_FATAL_FAILURE(s.Register());
  auto crawl = Tdm(stack.home(),
                   {"crawl", "--site", std::to_string(s.site_id), "--wait", "--timeout", "240"});
  ASSERT_EQ(crawl.exit_code, 0) << crawl.out << stack.Logs();
  EXPECT_NE(crawl.out.find("drafts 1"), std::string::npos) << crawl.out;
  ExpectCorrectOutcome(s, stack, crawl.LastId());

  // Every service serves Prometheus metrics over HTTP; `tdm status` names the URL.
  auto status = Tdm(stack.home(), {"status"});
  const size_t at = status.out.find("metrics http://127.0.0.1:");
  ASSERT_NE(at, std::string::npos) << status.out;
  FetchRequest scrape;
  scrape.url = status.out.substr(at + 8, status.out.find('\n', at) - at - 8);
  scrape.allow_private = true;
  const FetchResponse metrics = MakeCurlFetcher({})->FetchAll({scrape})[0];
  ASSERT_EQ(metrics.http_status, 200) << scrape.url;
  EXPECT_NE(metrics.body.find("tdm_crawler_responses_total{class=\"2xx\"}"), std::string::npos)
      << metrics.body;
  EXPECT_NE(metrics.body.find("tdm_crawler_responses_total{class=\"4xx\"} 1"), std::string::npos);
  EXPECT_NE(metrics.body.find("tdm_crawler_fetch_seconds_count"), std::string::npos);
  EXPECT_NE(metrics.body.find("tdm_crawler_frontier_lag_seconds"), std::string::npos);
  const std::string subject = std::to_string(s.subject_id);
  const int64_t pending = s.Count(
      "SELECT count(*) FROM matches WHERE status = 'pending_review' AND subject_id = " + subject);
  EXPECT_GT(pending, 0) << "the demo forum has edits beyond distance 10";

  // The victim reviews: rejects one, confirms the rest; they join the request.
  auto pending_ids = Tdm(stack.home(), {"matches", "list", "--subject", subject, "--status",
                                        "pending_review", "--json"});
  ASSERT_EQ(pending_ids.exit_code, 0) << pending_ids.out;
  std::vector<std::string> ids;
  for (size_t at = 0; (at = pending_ids.out.find("\"id\": ", at)) != std::string::npos;) {
    at += 6;
    ids.push_back(pending_ids.out.substr(at, pending_ids.out.find_first_of(",\n", at) - at));
  }
  ASSERT_EQ(static_cast<int64_t>(ids.size()), pending);
  auto reject = Tdm(stack.home(), {"matches", "reject", ids[0]});
  ASSERT_EQ(reject.exit_code, 0) << reject.out;
  std::vector<std::string> confirm = {"matches", "confirm"};
  confirm.insert(confirm.end(), ids.begin() + 1, ids.end());
  auto confirmed = Tdm(stack.home(), confirm);
  ASSERT_EQ(confirmed.exit_code, 0) << confirmed.out;
  EXPECT_EQ(confirmed.LastWord(), ids.back());
  const int64_t total = s.Count("SELECT count(*) FROM matches WHERE subject_id = " + subject);
  ASSERT_TRUE(AwaitCount(s, "SELECT count(*) FROM takedown_items", total - 1, 60s)) << stack.Logs();
  EXPECT_EQ(s.Count("SELECT count(*) FROM takedown_items WHERE match_id = " + ids[0]), 0)
      << "a rejected match is never drafted";

  // Bad input was recorded with its reason, and logged with its URL.
  const std::string crawl_id = std::to_string(crawl.LastId());
  for (const auto& img : s.site().broken_images) {
    EXPECT_EQ(
        s.Count("SELECT count(*) FROM image_refs WHERE state = 'failed' AND error <> ''"
                " AND image_url = '" +
                s.origin() + img + "'"),
        s.Count("SELECT count(*) FROM image_refs WHERE image_url = '" + s.origin() + img + "'"))
        << img;
  }
  for (const auto& page : s.site().bad_pages) {
    EXPECT_EQ(s.Count("SELECT count(*) FROM crawl_urls WHERE error <> '' AND crawl_id = " +
                      crawl_id + " AND url = '" + s.origin() + page + "'"),
              1)
        << page;
  }
  const std::string matcher_log = Shell("cat " + (stack.home() / "logs/matcher.log").string()).out;
  for (const auto& img : s.site().broken_images) {
    EXPECT_NE(matcher_log.find(s.origin() + img), std::string::npos) << img;
  }

  // The drafted notice carries every matched page URL.
  auto list = Tdm(stack.home(), {"takedowns", "list", "--json"});
  ASSERT_EQ(list.exit_code, 0) << list.out;
  pqxx::connection c(stack.dsn());
  pqxx::work tx(c);
  const int64_t takedown =
      tx.exec1("SELECT id FROM takedowns WHERE subject_id = " + std::to_string(s.subject_id))[0]
          .as<int64_t>();
  auto show = Tdm(stack.home(), {"takedowns", "show", std::to_string(takedown)});
  ASSERT_EQ(show.exit_code, 0) << show.out;
  EXPECT_EQ(show.LastId(), takedown);
  for (const auto& row : tx.exec("SELECT DISTINCT page_url FROM takedown_items")) {
    EXPECT_NE(show.out.find(row[0].as<std::string>()), std::string::npos);
  }
  EXPECT_NE(show.out.find("penalty of perjury"), std::string::npos);

  // A redelivered match creates no second request or item.
  const int64_t items = s.Count("SELECT count(*) FROM takedown_items");
  auto bootstrap = Shell("cat " + (stack.home() / "run/kafka.bootstrap").string()).out;
  auto producer = MakeKafkaProducer({bootstrap.substr(0, bootstrap.find('\n')), "test"});
  ASSERT_TRUE(producer.ok());
  for (const auto& row : tx.exec("SELECT id, subject_id FROM matches")) {
    MatchItem m{row[0].as<int64_t>(), row[1].as<int64_t>()};
    ASSERT_TRUE((*producer)->Publish(kMatchesTopic, std::to_string(m.subject_id), m.Encode()).ok());
  }
  ASSERT_TRUE((*producer)->Flush(10s).ok());
  const auto until = std::chrono::steady_clock::now() + 4s;
  while (std::chrono::steady_clock::now() < until) {
    ASSERT_EQ(s.Count("SELECT count(*) FROM takedown_items"), items);
    ASSERT_EQ(s.Count("SELECT count(*) FROM takedowns"), 1);
    std::this_thread::sleep_for(200ms);
  }
}

// Waits until the crawl has nothing queued and every match is drafted.
bool AwaitCrawlDone(const Scenario& s, int64_t crawl_id, std::chrono::seconds d) {
  const std::string crawl = std::to_string(crawl_id);
  return AwaitCount(s,
                    "SELECT CASE WHEN"
                    " (SELECT count(*) FROM crawl_urls WHERE crawl_id = " +
                        crawl +
                        " AND state IN ('queued','fetching')) = 0 AND"
                        " (SELECT count(*) FROM image_refs WHERE state = 'queued'"
                        "  AND crawl_id = " +
                        crawl +
                        ") = 0 AND"
                        " (SELECT count(*) FROM matches m LEFT JOIN takedown_items i"
                        "  ON i.match_id = m.id WHERE i.id IS NULL AND m.status = 'confirmed') = 0"
                        " THEN 1 ELSE 0 END",
                    1, d);
}

// A crawl of the demo forum started on a fresh stack with small batches (so
// the run lasts long enough to be interrupted) and a short requeue age (so
// work whose messages were lost is republished from PostgreSQL quickly).
class PipelineInterrupted : public ::testing::Test {
 protected:
  PipelineInterrupted()
      : env_(
            {{"TDM_MATCHER_BATCH", "1"}, {"TDM_CRAWLER_BATCH", "2"}, {"TDM_REQUEUE_AFTER_S", "3"}}),
        stack_(std::make_unique<LocalStack>()) {}

  void SetUp() override {
    ASSERT_TRUE(stack_->up_ok()) << stack_->up_result().out << stack_->Logs();
    s_ = std::make_unique<Scenario>(*stack_);
    ASSERT_NO_FATAL_FAILURE(s_->Register());
    auto started = Tdm(stack_->home(), {"crawl", "--site", std::to_string(s_->site_id)});
    ASSERT_EQ(started.exit_code, 0) << started.out;
    crawl_id_ = started.LastId();
    // Interrupt only once the matcher has hashed a few images.
    ASSERT_TRUE(AwaitCount(*s_, "SELECT count(*) FROM image_refs WHERE state <> 'queued'", 3, 60s))
        << stack_->Logs();
  }

  void Up() {
    auto up = Tdm(stack_->home(), {"up"});
    ASSERT_EQ(up.exit_code, 0) << up.out;
  }

  ScopedEnv env_;
  std::unique_ptr<LocalStack> stack_;
  std::unique_ptr<Scenario> s_;
  int64_t crawl_id_ = 0;
};

TEST_F(PipelineInterrupted, NoDuplicatesAfterMatcherAndNotifierAreKilledMidRun) {
  const LocalStack& stack = *stack_;
  const Scenario& s = *s_;
  // Kill the matcher and restart it.
  const int matcher = PidOf(stack, "matcher");
  ASSERT_GT(matcher, 0);
  ASSERT_EQ(kill(matcher, SIGKILL), 0);
  const int64_t pending_at_kill = s.Count("SELECT count(*) FROM image_refs WHERE state = 'queued'");
  ASSERT_NO_FATAL_FAILURE(Up());
  EXPECT_NE(PidOf(stack, "matcher"), matcher);

  // Kill the notifier once it has drafted something, and restart it.
  ASSERT_TRUE(AwaitCount(s, "SELECT count(*) FROM takedown_items", 1, 120s)) << stack.Logs();
  const int notifier = PidOf(stack, "notifier");
  ASSERT_EQ(kill(notifier, SIGKILL), 0);
  ASSERT_NO_FATAL_FAILURE(Up());

  ASSERT_TRUE(AwaitCrawlDone(s, crawl_id_, 240s)) << stack.Logs();
  std::cout << "image refs still queued when the matcher was killed: " << pending_at_kill << "\n";
  ExpectCorrectOutcome(s, stack, crawl_id_);
}

TEST_F(PipelineInterrupted, RecoversWhenTheDatabaseAndTheBrokerGoAwayMidRun) {
  const LocalStack& stack = *stack_;
  const Scenario& s = *s_;
  // PostgreSQL stops mid-run: services log, back off and retry the same batch.
  auto stop_pg = Shell("runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D " +
                       (stack.home() / "pg/data").string() + " -m immediate -w stop");
  ASSERT_EQ(stop_pg.exit_code, 0) << stop_pg.out;
  const auto outage_until = std::chrono::steady_clock::now() + 3s;
  while (std::chrono::steady_clock::now() < outage_until) {
    std::this_thread::sleep_for(100ms);  // the outage itself: services must ride it out
  }
  ASSERT_NO_FATAL_FAILURE(Up());  // restarts PostgreSQL on its port; services keep running

  // Now the broker dies, with whatever messages it held; `tdm up` starts a new
  // one and restarts the services, and the queued work is re-derived from
  // PostgreSQL.
  const int broker = PidOf(stack, "broker");
  ASSERT_GT(broker, 0);
  ASSERT_EQ(kill(broker, SIGKILL), 0);
  ASSERT_NO_FATAL_FAILURE(Up());

  ASSERT_TRUE(AwaitCrawlDone(s, crawl_id_, 240s)) << stack.Logs();
  ExpectCorrectOutcome(s, stack, crawl_id_);
  auto retried = Shell("grep -c 'will be retried' " + (stack.home() / "logs").string() +
                       "/crawler.log " + (stack.home() / "logs").string() + "/matcher.log");
  EXPECT_NE(retried.out.find(":"), std::string::npos);
  EXPECT_EQ(retried.exit_code, 0) << "no service logged a retry during the outage: " << retried.out;
}

}  // namespace
}  // namespace tdm::testing
