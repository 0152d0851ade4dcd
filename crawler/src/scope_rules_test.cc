#include "tdm/crawler/scope_rules.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <functional>
#include <random>
#include <string>
#include <vector>

namespace tdm::crawler {
namespace {

using std::chrono::sys_days;

// The reference date the calendar tests crawl on.
const sys_days kToday = sys_days(std::chrono::year{2026} / 11 / 15);

Url U(std::string_view s) {
  Result<Url> u = Url::Parse(s);
  EXPECT_TRUE(u.ok()) << s << ": " << u.status().message();
  return *u;
}

std::string Canon(std::string_view s, const ScopeRules& rules = {}) {
  Result<Url> c = Canonicalize(U(s), rules);
  EXPECT_TRUE(c.ok()) << s << ": " << c.status().message();
  return c.ok() ? c->Spec() : "";
}

const Scope& ForumScope() {
  static const Scope scope = Scope::FromSeed(U("https://leaks.example/forum/"));
  return scope;
}

ScopeVerdict CheckUrl(std::string_view url, const ScopeRules& rules = {}, int depth = 1,
                      int64_t pages = 0) {
  return Check(ForumScope(), rules, U(url), depth, pages, kToday);
}

struct VerdictCase {
  std::string url;
  ScopeVerdict verdict;
};

void ExpectVerdicts(const std::vector<VerdictCase>& cases, const ScopeRules& rules = {}) {
  for (const VerdictCase& c : cases) {
    EXPECT_STREQ(ScopeVerdictName(CheckUrl(c.url, rules)), ScopeVerdictName(c.verdict)) << c.url;
  }
}

std::string Join(const std::string& piece, int n, char sep) {
  std::string out;
  for (int i = 0; i < n; ++i) out += (i ? std::string(1, sep) : "") + piece + std::to_string(i);
  return out;
}

TEST(CanonicalizeTest, StripsTrackingKeepsOthersInOrderAndSpelling) {
  EXPECT_EQ(
      Canon("https://leaks.example/forum/t?b=2&utm_source=x&a=1&fbclid=y&Z=q+r&x=%2F&gclid=1"),
      "https://leaks.example/forum/t?b=2&a=1&Z=q+r&x=%2F");
  EXPECT_EQ(Canon("https://leaks.example/forum/t?p=2&&utm_medium=m&"),
            "https://leaks.example/forum/t?p=2");
  EXPECT_EQ(Canon("https://leaks.example/forum/t?flag&_ga=1&mc_eid"),
            "https://leaks.example/forum/t?flag");
  // utm_ is a prefix; "utm" alone and lookalikes are other parameters.
  EXPECT_EQ(Canon("https://leaks.example/f?utm=1&utm_x=2&xutm_a=3&sidebar=4"),
            "https://leaks.example/f?utm=1&xutm_a=3&sidebar=4");
}

TEST(CanonicalizeTest, AllTrackingQueryLosesQuestionMark) {
  Result<Url> c =
      Canonicalize(U("https://leaks.example/forum/t?utm_source=a&gclid=b&igshid=c"), {});
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE(c->has_query());
  EXPECT_EQ(c->Spec(), "https://leaks.example/forum/t");
  EXPECT_EQ(Canon("https://leaks.example/forum/t?"), "https://leaks.example/forum/t");
}

TEST(CanonicalizeTest, NamesAreCaseInsensitive) {
  EXPECT_EQ(Canon("https://leaks.example/f?UTM_Source=a&FBCLID=b&PhpSessId=c&SID=d&SessionID=e&"
                  "JSESSIONID=f&MsClkId=g&keep=1"),
            "https://leaks.example/f?keep=1");
  ScopeRules rules;
  rules.strip_params = {"Ref*"};
  EXPECT_EQ(Canon("https://leaks.example/f?REFERRER=1&ref=2&x=3", rules),
            "https://leaks.example/f?x=3");
}

TEST(CanonicalizeTest, KeepParamsAreExceptions) {
  ScopeRules rules;
  rules.keep_params = {"sid", "UTM_CAMPAIGN"};
  EXPECT_EQ(Canon("https://leaks.example/f?sid=7&utm_campaign=c&utm_source=s&PHPSESSID=x", rules),
            "https://leaks.example/f?sid=7&utm_campaign=c");
  rules.keep_params = {"utm_*"};
  EXPECT_EQ(Canon("https://leaks.example/f?utm_a=1&utm_b=2&fbclid=3", rules),
            "https://leaks.example/f?utm_a=1&utm_b=2");
}

TEST(CanonicalizeTest, JsessionidInPathAndQuery) {
  EXPECT_EQ(Canon("https://leaks.example/forum/t;jsessionid=ABC123?p=2"),
            "https://leaks.example/forum/t?p=2");
  EXPECT_EQ(Canon("https://leaks.example/forum/t;JSESSIONID=x;v=1"),
            "https://leaks.example/forum/t;v=1");
  EXPECT_EQ(Canon("https://leaks.example/forum;jsessionid=1/t;jsessionid=2"),
            "https://leaks.example/forum/t");
  EXPECT_EQ(Canon("https://leaks.example/forum/t?jsessionid=1&p=2"),
            "https://leaks.example/forum/t?p=2");
  // Other path parameters stay.
  EXPECT_EQ(Canon("https://leaks.example/forum/t;page=2"), "https://leaks.example/forum/t;page=2");
}

TEST(CanonicalizeTest, ReparsesSoScopeSeesTheRealPath) {
  // Tomcat reads "..;jsessionid=1" as "..": the canonical URL leaves the forum.
  const std::string url = "https://leaks.example/forum/..;jsessionid=1/admin/";
  EXPECT_TRUE(ForumScope().Contains(U(url)));
  EXPECT_EQ(Canon(url), "https://leaks.example/admin/");
  EXPECT_EQ(CheckUrl(Canon(url)), ScopeVerdict::kOutOfScope);
}

TEST(CheckTest, IncludeAndExcludePatterns) {
  ScopeRules rules;
  rules.include = {"/forum/t/*", "/forum/index.php$"};
  rules.exclude = {"*/attachments/", "*.zip$", "/forum/t/*?*action=logout"};
  ExpectVerdicts(
      {
          {"https://leaks.example/forum/t/1", ScopeVerdict::kIn},
          {"https://leaks.example/forum/t/1?page=2", ScopeVerdict::kIn},
          {"https://leaks.example/forum/index.php", ScopeVerdict::kIn},
          {"https://leaks.example/forum/index.php?x=1", ScopeVerdict::kOutOfScope},  // '$'
          {"https://leaks.example/forum/members/1", ScopeVerdict::kOutOfScope},
          {"https://leaks.example/forum/t", ScopeVerdict::kOutOfScope},
          {"https://leaks.example/forum/t/1/attachments/2", ScopeVerdict::kExcluded},
          {"https://leaks.example/forum/t/pack.zip", ScopeVerdict::kExcluded},
          {"https://leaks.example/forum/t/pack.zip?dl=1", ScopeVerdict::kIn},
          {"https://leaks.example/forum/t/1?a=b&action=logout", ScopeVerdict::kExcluded},
      },
      rules);
}

// Each refused URL trips exactly one rule: relaxing that rule lets it in.
TEST(CheckTest, EachVerdictAndItsLimit) {
  const std::string base = "https://leaks.example/forum/";
  const std::string long_2048 = base + std::string(2048 - base.size(), 'x');
  const struct {
    std::string url;
    int depth;
    int64_t pages;
    ScopeVerdict verdict;
    std::function<void(ScopeRules&)> relax;
  } cases[] = {
      {base + "t/1", 1, 0, ScopeVerdict::kIn, nullptr},
      {"https://leaks.example/admin/", 1, 0, ScopeVerdict::kOutOfScope, nullptr},
      {base + "t/1", 1, 0, ScopeVerdict::kOutOfScope, [](ScopeRules& r) { r.include.clear(); }},
      {base + "logout", 1, 0, ScopeVerdict::kExcluded, [](ScopeRules& r) { r.exclude.clear(); }},
      {base + "t/1", 20, 0, ScopeVerdict::kIn, nullptr},
      {base + "t/1", 21, 0, ScopeVerdict::kTooDeep, [](ScopeRules& r) { r.max_depth = 21; }},
      {long_2048, 1, 0, ScopeVerdict::kIn, nullptr},
      {long_2048 + "x", 1, 0, ScopeVerdict::kTooLong,
       [](ScopeRules& r) { r.max_url_length = 2049; }},
      {base + std::string(3000, 'y'), 1, 0, ScopeVerdict::kTooLong,
       [](ScopeRules& r) { r.max_url_length = 4000; }},
      {base + "s?" + Join("p", 8, '&'), 1, 0, ScopeVerdict::kIn, nullptr},
      {base + "s?" + Join("p", 9, '&'), 1, 0, ScopeVerdict::kTooManyParams,
       [](ScopeRules& r) { r.max_query_params = 9; }},
      {base + Join("s", 19, '/'), 1, 0, ScopeVerdict::kIn, nullptr},  // 20 segments
      {base + Join("s", 20, '/'), 1, 0, ScopeVerdict::kTrap,
       [](ScopeRules& r) { r.max_path_segments = 21; }},
      {base + "a/b/a/b/a/b", 1, 0, ScopeVerdict::kIn, nullptr},
      {base + "a/b/a/b/a/b/a/b", 1, 0, ScopeVerdict::kTrap,
       [](ScopeRules& r) { r.max_repeated_segment = 4; }},
      {base + "cal?d=2028-01-01", 1, 0, ScopeVerdict::kTrap,
       [](ScopeRules& r) { r.max_calendar_distance_days = 500; }},
      {base + "t/1", 1, 9999, ScopeVerdict::kIn, nullptr},
      {base + "t/1", 1, 10000, ScopeVerdict::kPageBudget,
       [](ScopeRules& r) { r.max_pages = 10001; }},
  };
  for (const auto& c : cases) {
    ScopeRules rules;
    if (c.verdict == ScopeVerdict::kOutOfScope && c.relax) rules.include = {"/forum/s/"};
    if (c.verdict == ScopeVerdict::kExcluded) rules.exclude = {"/forum/logout$"};
    ASSERT_TRUE(rules.Validate().ok());
    EXPECT_STREQ(ScopeVerdictName(CheckUrl(c.url, rules, c.depth, c.pages)),
                 ScopeVerdictName(c.verdict))
        << c.url.substr(0, 80);
    if (!c.relax) continue;
    c.relax(rules);
    EXPECT_STREQ(ScopeVerdictName(CheckUrl(c.url, rules, c.depth, c.pages)), "in")
        << "relaxed " << c.url.substr(0, 80);
  }
}

TEST(CheckTest, EndlessCalendarStopsWithinAYear) {
  // A calendar whose "next month" link never ends: ?month=2026-12, 2027-01, ...
  // five years on. Months up to 2027-11 are in; 2027-12 begins 381 days away.
  for (int i = 0; i < 60; ++i) {
    const int year = 2026 + (11 + i) / 12, month = (11 + i) % 12 + 1;
    char url[96];
    std::snprintf(url, sizeof url, "https://leaks.example/forum/calendar.php?month=%04d-%02d", year,
                  month);
    const ScopeVerdict expected = i < 12 ? ScopeVerdict::kIn : ScopeVerdict::kTrap;
    EXPECT_STREQ(ScopeVerdictName(CheckUrl(url, {}, /*depth=*/2)), ScopeVerdictName(expected))
        << url;
  }
  EXPECT_EQ(CheckUrl("https://leaks.example/forum/calendar.php?month=2026-12"), ScopeVerdict::kIn);
  EXPECT_EQ(CheckUrl("https://leaks.example/forum/calendar.php?month=2031-11"),
            ScopeVerdict::kTrap);
}

TEST(CheckTest, DateForms) {
  const std::string f = "https://leaks.example/forum/";
  ExpectVerdicts({
      {f + "events/2027-11-16", ScopeVerdict::kIn},  // 366 days
      {f + "events/2027-11-17", ScopeVerdict::kTrap},
      {f + "events/2025-11-14", ScopeVerdict::kIn},  // 366 days back
      {f + "events/2025-11-13", ScopeVerdict::kTrap},
      {f + "events/2031/05/01/", ScopeVerdict::kTrap},
      {f + "events/2026/12/01/", ScopeVerdict::kIn},
      {f + "events/20310501", ScopeVerdict::kTrap},
      {f + "events/20261201", ScopeVerdict::kIn},
      {f + "c?date=2019-06", ScopeVerdict::kTrap},
      {f + "c?date=2025-11", ScopeVerdict::kIn},  // its last day is 350 days back
      {f + "c?date=2025-10", ScopeVerdict::kTrap},
      {f + "c?year=2031&month=5", ScopeVerdict::kTrap},
      {f + "c?Year=2027&Month=01&day=9", ScopeVerdict::kIn},
      {f + "c?year=2031", ScopeVerdict::kIn},   // no month: no date
      {f + "t/2031-123", ScopeVerdict::kIn},    // digits not alone
      {f + "t/120310501", ScopeVerdict::kIn},   // nine digits
      {f + "t/20311340", ScopeVerdict::kIn},    // no such day
      {f + "t/2031/05", ScopeVerdict::kIn},     // year/month alone: too ambiguous
      {f + "t/1234-05-06", ScopeVerdict::kIn},  // year out of range
  });
}

TEST(ScopeRulesTest, VerdictNamesAndPageBudget) {
  EXPECT_STREQ(ScopeVerdictName(ScopeVerdict::kIn), "in");
  EXPECT_STREQ(ScopeVerdictName(ScopeVerdict::kOutOfScope), "out_of_scope");
  EXPECT_STREQ(ScopeVerdictName(ScopeVerdict::kExcluded), "excluded");
  EXPECT_STREQ(ScopeVerdictName(ScopeVerdict::kTooDeep), "too_deep");
  EXPECT_STREQ(ScopeVerdictName(ScopeVerdict::kTooLong), "too_long");
  EXPECT_STREQ(ScopeVerdictName(ScopeVerdict::kTooManyParams), "too_many_params");
  EXPECT_STREQ(ScopeVerdictName(ScopeVerdict::kTrap), "trap");
  EXPECT_STREQ(ScopeVerdictName(ScopeVerdict::kPageBudget), "page_budget");
  ScopeRules rules;
  rules.max_pages = 2;
  EXPECT_TRUE(PageBudgetLeft(rules, 1));
  EXPECT_FALSE(PageBudgetLeft(rules, 2));
}

TEST(ScopeRulesTest, Validate) {
  EXPECT_TRUE(ScopeRules{}.Validate().ok());
  const struct {
    std::function<void(ScopeRules&)> edit;
    const char* message;
  } cases[] = {
      {[](ScopeRules& r) { r.max_depth = -1; }, "scope rules: max_depth must be >= 0 (got -1)"},
      {[](ScopeRules& r) { r.max_pages = -5; }, "scope rules: max_pages must be >= 0 (got -5)"},
      {[](ScopeRules& r) { r.max_url_length = 0; },
       "scope rules: max_url_length must be >= 1 (got 0)"},
      {[](ScopeRules& r) { r.max_query_params = -1; },
       "scope rules: max_query_params must be >= 0 (got -1)"},
      {[](ScopeRules& r) { r.max_path_segments = -1; },
       "scope rules: max_path_segments must be >= 0 (got -1)"},
      {[](ScopeRules& r) { r.max_repeated_segment = 0; },
       "scope rules: max_repeated_segment must be >= 1 (got 0)"},
      {[](ScopeRules& r) { r.max_calendar_distance_days = -366; },
       "scope rules: max_calendar_distance_days must be >= 0 (got -366)"},
      {[](ScopeRules& r) {
         r.include = {"/a", ""};
       },
       "scope rules: include[1] is empty"},
      {[](ScopeRules& r) { r.exclude = {""}; }, "scope rules: exclude[0] is empty"},
      {[](ScopeRules& r) { r.exclude = {"forum/"}; },
       "scope rules: exclude[0] \"forum/\" must start with '/' or '*'"},
      {[](ScopeRules& r) { r.strip_params.push_back(""); },
       "scope rules: strip_params[15] is empty"},
      {[](ScopeRules& r) { r.keep_params = {"a*b"}; },
       "scope rules: keep_params[0] \"a*b\" may hold '*' only at its end"},
  };
  for (const auto& c : cases) {
    ScopeRules rules;
    c.edit(rules);
    const Status s = rules.Validate();
    EXPECT_EQ(s.code(), Status::Code::kInvalidArgument) << c.message;
    EXPECT_EQ(s.message(), c.message);
  }
}

// Canonicalize is idempotent and only ever removes parameters.
TEST(CanonicalizeTest, IdempotentOverGeneratedUrls) {
  const std::vector<std::string> segments = {
      "forum",   "t",     "a;jsessionid=Z9", "..", ".",      "%2e%2E",     "x;v=1",
      "%7Euser", "p%20q", "..;JSESSIONID=1", "",   ";sid=3", "2026-12-01", "A"};
  const std::vector<std::string> params = {
      "utm_source=x", "UTM_Medium=", "p=1",          "",      "q=a+b",    "fbclid",
      "SID=9",        "keep=%41",    "jsessionid=1", "x=%2f", "sort=asc", "_ga=GA1",
      "ref=1",        "=",           "PHPSESSID=abc"};
  std::mt19937 rng(20260515);
  auto pick = [&](const std::vector<std::string>& from) {
    return from[std::uniform_int_distribution<size_t>(0, from.size() - 1)(rng)];
  };
  ScopeRules rules;
  rules.keep_params = {"utm_medium"};
  for (int n = 0; n < 400; ++n) {
    std::string url = n % 2 ? "https://leaks.example" : "HTTP://Leaks.Example:80";
    const int path_len = std::uniform_int_distribution<int>(0, 6)(rng);
    for (int i = 0; i < path_len; ++i) url += "/" + pick(segments);
    const int query_len = std::uniform_int_distribution<int>(-1, 6)(rng);
    for (int i = 0; i < query_len; ++i) url += (i ? "&" : "?") + pick(params);
    if (query_len == 0) url += "?";
    const Result<Url> once = Canonicalize(U(url), rules);
    ASSERT_TRUE(once.ok()) << url;
    const Result<Url> twice = Canonicalize(*once, rules);
    ASSERT_TRUE(twice.ok()) << url;
    EXPECT_EQ(twice->Spec(), once->Spec()) << url;
    for (const char* gone : {"utm_source", "fbclid", "SID=", "jsessionid", "_ga", "PHPSESSID"}) {
      EXPECT_EQ(once->Spec().find(gone), std::string::npos) << url << " -> " << once->Spec();
    }
    EXPECT_LE(once->Spec().size(), U(url).Spec().size()) << url;
  }
}

}  // namespace
}  // namespace tdm::crawler
