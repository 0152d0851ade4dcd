// The fetch-outcome policy (RFC 9309 2.3.1, 2.4) and RobotsCache over time.

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "tdm/crawler/robots.h"

namespace tdm::crawler {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

// A clock that moves only when told to.
class FakeClock {
 public:
  RobotsCache::Clock AsClock() {
    return [this] { return now_; };
  }
  void Advance(std::chrono::steady_clock::duration d) { now_ += d; }

 private:
  std::chrono::steady_clock::time_point now_{hours(1000)};
};

constexpr const char* kBody = "User-agent: *\nDisallow: /private/\n";

TEST(RobotsFetchTest, StatusClasses) {
  const struct {
    int status;
    RobotsFetchClass want;
  } cases[] = {
      {200, RobotsFetchClass::kParsed},      {204, RobotsFetchClass::kParsed},
      {299, RobotsFetchClass::kParsed},      {301, RobotsFetchClass::kUnavailable},
      {399, RobotsFetchClass::kUnavailable}, {400, RobotsFetchClass::kUnavailable},
      {401, RobotsFetchClass::kUnavailable}, {403, RobotsFetchClass::kUnavailable},
      {404, RobotsFetchClass::kUnavailable}, {410, RobotsFetchClass::kUnavailable},
      {499, RobotsFetchClass::kUnavailable}, {429, RobotsFetchClass::kUnreachable},
      {500, RobotsFetchClass::kUnreachable}, {503, RobotsFetchClass::kUnreachable},
      {599, RobotsFetchClass::kUnreachable}, {0, RobotsFetchClass::kUnreachable},
      {-1, RobotsFetchClass::kUnreachable},  {100, RobotsFetchClass::kUnreachable},
      {600, RobotsFetchClass::kUnreachable},
  };
  for (const auto& c : cases) EXPECT_EQ(ClassifyRobotsFetch(c.status), c.want) << c.status;
}

TEST(RobotsFetchTest, FromFetchFollowsTheStatus) {
  const RobotsTxt ok = RobotsTxt::FromFetch(200, kBody, "tdm");
  EXPECT_FALSE(ok.Allowed("/private/a"));
  EXPECT_TRUE(ok.Allowed("/public"));
  // 4xx: allow all, whatever the error page says.
  for (int status : {401, 403, 404}) {
    const RobotsTxt missing = RobotsTxt::FromFetch(status, "User-agent: *\nDisallow: /\n", "tdm");
    EXPECT_TRUE(missing.Allowed("/private/a")) << status;
  }
  // 5xx, 429 and network errors: disallow all, whatever the body says.
  for (int status : {500, 503, 429, 0}) {
    const RobotsTxt down = RobotsTxt::FromFetch(status, "User-agent: *\nAllow: /\n", "tdm");
    EXPECT_FALSE(down.Allowed("/public")) << status;
    EXPECT_TRUE(down.Allowed("/robots.txt")) << status;
  }
}

TEST(RobotsCacheTest, KeyAndRobotsUrl) {
  const Url https = *Url::Parse("https://Leaks.Example/forum/t?x=1");
  EXPECT_EQ(RobotsCache::Key(https), "https://leaks.example:443");
  EXPECT_EQ(RobotsCache::RobotsUrl(https), "https://leaks.example/robots.txt");
  const Url http = *Url::Parse("http://[::1]:8080/a");
  EXPECT_EQ(RobotsCache::Key(http), "http://[::1]:8080");
  EXPECT_EQ(RobotsCache::RobotsUrl(http), "http://[::1]:8080/robots.txt");
}

TEST(RobotsCacheTest, OptionsValidate) {
  EXPECT_TRUE(RobotsCacheOptions{}.Validate().ok());
  RobotsCacheOptions o;
  o.user_agent_token = "/1.0";
  EXPECT_FALSE(o.Validate().ok());
  o = {};
  o.expiry = seconds(0);
  EXPECT_FALSE(o.Validate().ok());
  o = {};
  o.retry_after = seconds(-1);
  EXPECT_FALSE(o.Validate().ok());
  o = {};
  o.max_hosts = 0;
  EXPECT_FALSE(o.Validate().ok());
}

TEST(RobotsCacheTest, SuccessIsCachedFor24Hours) {
  FakeClock clock;
  RobotsCache cache(RobotsCacheOptions{}, clock.AsClock());
  const std::string key = "https://a.example:443";
  EXPECT_EQ(cache.Lookup(key), nullptr);  // never fetched: needs fetch

  auto recorded = cache.Record(key, 200, kBody);
  ASSERT_NE(recorded, nullptr);
  EXPECT_FALSE(recorded->Allowed("/private/x"));

  clock.Advance(hours(24) - seconds(1));
  auto hit = cache.Lookup(key);
  ASSERT_NE(hit, nullptr);
  EXPECT_FALSE(hit->Allowed("/private/x"));
  EXPECT_TRUE(hit->Allowed("/public"));

  clock.Advance(seconds(1));
  EXPECT_EQ(cache.Lookup(key), nullptr);  // expired: fetch again
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_FALSE(hit->Allowed("/private/x"));  // what was handed out stays valid
}

TEST(RobotsCacheTest, UnavailableAllowsAllForTheNormalExpiry) {
  FakeClock clock;
  RobotsCache cache(RobotsCacheOptions{}, clock.AsClock());
  cache.Record("http://b.example:80", 404, "<html>Not found</html>");
  clock.Advance(hours(23));
  auto hit = cache.Lookup("http://b.example:80");
  ASSERT_NE(hit, nullptr);
  EXPECT_TRUE(hit->Allowed("/anything"));
  clock.Advance(hours(1));
  EXPECT_EQ(cache.Lookup("http://b.example:80"), nullptr);
}

TEST(RobotsCacheTest, UnreachableDisallowsUntilTheRetryWindowEnds) {
  FakeClock clock;
  RobotsCache cache(RobotsCacheOptions{}, clock.AsClock());
  const std::string key = "https://c.example:443";
  for (int status : {503, 0, 429}) {
    cache.Record(key, status, "");
    clock.Advance(minutes(10) - seconds(1));
    auto hit = cache.Lookup(key);
    ASSERT_NE(hit, nullptr) << status;
    EXPECT_FALSE(hit->Allowed("/")) << status;
    clock.Advance(seconds(1));
    EXPECT_EQ(cache.Lookup(key), nullptr) << status;  // retry now
  }
  // The site recovers: its real rules replace the disallow.
  cache.Record(key, 200, kBody);
  clock.Advance(hours(1));
  auto hit = cache.Lookup(key);
  ASSERT_NE(hit, nullptr);
  EXPECT_TRUE(hit->Allowed("/public"));
}

TEST(RobotsCacheTest, UnreachableForMonthsStaysDisallowed) {
  FakeClock clock;
  RobotsCache cache(RobotsCacheOptions{}, clock.AsClock());
  const std::string key = "https://d.example:443";
  cache.Record(key, 200, "User-agent: *\nAllow: /\n");
  for (minutes elapsed{0}; elapsed < hours(24 * 45); elapsed += minutes(10)) {
    clock.Advance(minutes(10));
    auto hit = cache.Lookup(key);
    if (hit == nullptr) hit = cache.Record(key, 500, "");
    if (elapsed >= hours(24)) {
      ASSERT_FALSE(hit->Allowed("/page")) << elapsed.count() << " min";
    }
  }
}

TEST(RobotsCacheTest, ConfiguredExpiryAndRetry) {
  FakeClock clock;
  RobotsCacheOptions options;
  options.expiry = hours(1);
  options.retry_after = seconds(30);
  options.user_agent_token = "tdm";
  RobotsCache cache(options, clock.AsClock());
  cache.Record("ok", 200, "User-agent: tdm\nDisallow: /mine\nUser-agent: *\nDisallow: /\n");
  cache.Record("down", 502, "");
  clock.Advance(seconds(29));
  ASSERT_NE(cache.Lookup("down"), nullptr);
  ASSERT_NE(cache.Lookup("ok"), nullptr);
  EXPECT_TRUE(cache.Lookup("ok")->Allowed("/other"));  // parsed for our token
  clock.Advance(seconds(1));
  EXPECT_EQ(cache.Lookup("down"), nullptr);
  clock.Advance(minutes(59) + seconds(29));
  EXPECT_NE(cache.Lookup("ok"), nullptr);
  clock.Advance(seconds(1));
  EXPECT_EQ(cache.Lookup("ok"), nullptr);
}

TEST(RobotsCacheTest, RecordReplacesTheEntryAndRestartsItsClock) {
  FakeClock clock;
  RobotsCache cache(RobotsCacheOptions{}, clock.AsClock());
  cache.Record("k", 200, kBody);
  clock.Advance(hours(20));
  cache.Record("k", 200, "User-agent: *\nDisallow: /other/\n");
  EXPECT_EQ(cache.size(), 1u);
  clock.Advance(hours(20));
  auto hit = cache.Lookup("k");
  ASSERT_NE(hit, nullptr);
  EXPECT_TRUE(hit->Allowed("/private/x"));
  EXPECT_FALSE(hit->Allowed("/other/x"));
}

TEST(RobotsCacheTest, EvictsTheLeastRecentlyUsedHost) {
  FakeClock clock;
  RobotsCacheOptions options;
  options.max_hosts = 3;
  RobotsCache cache(options, clock.AsClock());
  cache.Record("a", 200, kBody);
  cache.Record("b", 200, kBody);
  cache.Record("c", 200, kBody);
  ASSERT_NE(cache.Lookup("a"), nullptr);  // "b" is now the least recently used
  auto held = cache.Record("d", 200, kBody);
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_EQ(cache.Lookup("b"), nullptr);
  EXPECT_NE(cache.Lookup("a"), nullptr);
  EXPECT_NE(cache.Lookup("c"), nullptr);
  EXPECT_NE(cache.Lookup("d"), nullptr);
  // Order now a, c, d ("d" most recent): two more hosts push out a and c.
  cache.Record("e", 404, "");
  cache.Record("f", 503, "");
  EXPECT_EQ(cache.Lookup("a"), nullptr);
  EXPECT_EQ(cache.Lookup("c"), nullptr);
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_FALSE(held->Allowed("/private/x"));
}

TEST(RobotsCacheTest, DefaultCapHoldsManyHosts) {
  FakeClock clock;
  RobotsCache cache(RobotsCacheOptions{}, clock.AsClock());
  for (int i = 0; i < 100001; ++i) cache.Record("https://h" + std::to_string(i) + ":443", 404, "");
  EXPECT_EQ(cache.size(), 100000u);
  EXPECT_EQ(cache.Lookup("https://h0:443"), nullptr);
  EXPECT_NE(cache.Lookup("https://h1:443"), nullptr);
  EXPECT_NE(cache.Lookup("https://h100000:443"), nullptr);
}

}  // namespace
}  // namespace tdm::crawler
