#include "tdm/crawler/robots.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace tdm::crawler {
namespace {

using std::chrono::milliseconds;

struct Case {
  const char* path;
  bool allowed;
};

RobotsTxt ForTdm(std::string_view body) { return RobotsTxt::Parse(body, "tdm"); }

void ExpectPaths(const RobotsTxt& robots, std::initializer_list<Case> cases) {
  for (const Case& c : cases) EXPECT_EQ(robots.Allowed(c.path), c.allowed) << c.path;
}

// RFC 9309 section 5.1, verbatim.
constexpr const char* kRfcSimple =
    "User-Agent: *\n"
    "Disallow: *.gif$\n"
    "Disallow: /example/\n"
    "Allow: /publications/\n"
    "\n"
    "User-Agent: foobot\n"
    "Disallow:/\n"
    "Allow:/example/page.html\n"
    "Allow:/example/allowed.gif\n"
    "\n"
    "User-Agent: barbot\n"
    "User-Agent: bazbot\n"
    "Disallow: /example/page.html\n"
    "\n"
    "User-Agent: quxbot\n"
    "\n"
    "EOF\n";

TEST(RobotsTxtTest, Rfc9309SimpleExampleForEachAgent) {
  ExpectPaths(RobotsTxt::Parse(kRfcSimple, "otherbot"), {{"/publications/a.html", true},
                                                         {"/example/", false},
                                                         {"/example/x.html", false},
                                                         {"/images/a.gif", false},
                                                         {"/images/a.gif?x=1", true},
                                                         {"/other.html", true}});
  ExpectPaths(RobotsTxt::Parse(kRfcSimple, "foobot"), {{"/example/page.html", true},
                                                       {"/example/allowed.gif", true},
                                                       {"/example/other.html", false},
                                                       {"/publications/", false},
                                                       {"/", false}});
  for (const char* bot : {"barbot", "bazbot"}) {
    ExpectPaths(
        RobotsTxt::Parse(kRfcSimple, bot),
        {{"/example/page.html", false}, {"/example/other.html", true}, {"/images/a.gif", true}});
  }
  // An empty group at the end: no rules apply, not even the "*" group's.
  ExpectPaths(RobotsTxt::Parse(kRfcSimple, "quxbot"),
              {{"/example/page.html", true}, {"/images/a.gif", true}});
}

TEST(RobotsTxtTest, Rfc9309LongestMatchExample) {
  const RobotsTxt robots = RobotsTxt::Parse(
      "User-Agent: foobot\nAllow: /example/page/\nDisallow: /example/page/disallowed.gif\n",
      "foobot");
  ExpectPaths(robots, {{"/example/page/", true},
                       {"/example/page/allowed.gif", true},
                       {"/example/page/disallowed.gif", false}});
}

TEST(RobotsTxtTest, GroupsForTheSameAgentAreMerged) {
  const RobotsTxt robots = RobotsTxt::Parse(
      "user-agent: ExampleBot\ndisallow: /foo\ndisallow: /bar\n\n"
      "user-agent: *\ndisallow: /star\n\n"
      "user-agent: examplebot\ndisallow: /baz\n",
      "ExampleBot");
  ExpectPaths(robots, {{"/foo", false}, {"/bar", false}, {"/baz", false}, {"/star", true}});
  EXPECT_EQ(robots.rule_count(), 3u);
}

TEST(RobotsTxtTest, StarGroupsApplyOnlyWhenNoGroupNamesUs) {
  const char* body =
      "user-agent: *\ndisallow: /foo\n\nuser-agent: BazBot\ndisallow: /baz\n\n"
      "user-agent: *\ndisallow: /bar\n";
  ExpectPaths(ForTdm(body), {{"/foo", false}, {"/bar", false}, {"/baz", true}});
  ExpectPaths(RobotsTxt::Parse(body, "bazbot"), {{"/foo", true}, {"/bar", true}, {"/baz", false}});
  // A group naming both "*" and us is ours.
  ExpectPaths(ForTdm("user-agent: *\nuser-agent: tdm\ndisallow: /x\n"),
              {{"/x", false}, {"/y", true}});
}

TEST(RobotsTxtTest, AgentMatchIsCaseInsensitiveOnTheProductToken) {
  const char* body =
      "User-agent: TDM/1.0\nDisallow: /a\n\n"
      "User-agent: tdm-bot/2.1 (+https://ngo.example/bot)\nDisallow: /b\n\n"
      "User-agent: tdmx\nDisallow: /c\n\n"
      "User-agent: Mozilla/5.0 (compatible; tdm/1.0)\nDisallow: /d\n";
  // "tdm" is the token of "TDM/1.0" only: no prefix or substring matching.
  ExpectPaths(ForTdm(body), {{"/a", false}, {"/b", true}, {"/c", true}, {"/d", true}});
  ExpectPaths(RobotsTxt::Parse(body, "TDM-Bot"), {{"/a", true}, {"/b", false}});
  // Our own token may carry a version; only its product token counts.
  ExpectPaths(RobotsTxt::Parse(body, "tdm-bot/3.0"), {{"/a", true}, {"/b", false}});
  // No token at all: only "*" could apply, and there is none.
  ExpectPaths(RobotsTxt::Parse("User-agent: *\nDisallow: /\n", ""), {{"/a", false}});
  ExpectPaths(RobotsTxt::Parse(body, ""), {{"/a", true}, {"/b", true}});
}

TEST(RobotsTxtTest, NoApplyingGroupAllowsEverything) {
  ExpectPaths(ForTdm(""), {{"/", true}, {"/a", true}});
  ExpectPaths(ForTdm("User-agent: otherbot\nDisallow: /\n"), {{"/a", true}});
  // Rules before the first user-agent line belong to no group.
  ExpectPaths(ForTdm("Disallow: /\nUser-agent: tdm\nDisallow: /x\n"),
              {{"/a", true}, {"/x", false}});
}

TEST(RobotsTxtTest, GroupBoundaries) {
  // A user-agent line after a rule starts a new group.
  ExpectPaths(ForTdm("User-agent: tdm\nDisallow: /a\nUser-agent: other\nDisallow: /b\n"),
              {{"/a", false}, {"/b", true}});
  // Sitemap, crawl-delay and unknown records do not end the list of agents.
  const RobotsTxt robots = ForTdm(
      "User-agent: other\nSitemap: https://s.example/a.xml\nCrawl-delay: 3\nNoindex: /q\n"
      "User-agent: tdm\nDisallow: /b\n");
  ExpectPaths(robots, {{"/b", false}, {"/q", true}});
  EXPECT_EQ(robots.crawl_delay(), milliseconds(3000));
}

TEST(RobotsTxtTest, Wildcards) {
  const RobotsTxt robots = ForTdm(
      "User-agent: *\nDisallow: /*.php$\nDisallow: /private*/\nDisallow: /*?sort=\n"
      "Disallow: /a*b*c\nDisallow: /x$y\nDisallow: /exact$\nDisallow: /*/*/deep$\n");
  ExpectPaths(robots, {{"/index.php", false},
                       {"/dir/index.php", false},
                       {"/index.php?x=1", true},
                       {"/index.php5", true},
                       {"/private/", false},
                       {"/private-stuff/x", false},
                       {"/private", true},
                       {"/list?sort=asc", false},
                       {"/list?page=2&sort=asc", true},
                       {"/aXbYc", false},
                       {"/acb", true},
                       {"/abcc", false},
                       {"/x$y", false},  // '$' inside a rule is a literal
                       {"/x", true},
                       {"/exact", false},
                       {"/exact/", true},
                       {"/1/2/deep", false},
                       {"/1/2/deep/", true},
                       {"/1/deep", true}});
}

TEST(RobotsTxtTest, PercentEncodingIsNormalisedOnBothSides) {
  // RFC 9309 2.2.2: non-ASCII in the rule is encoded; escapes of unreserved
  // characters are decoded; hex case does not matter.
  const RobotsTxt robots = ForTdm(
      "User-agent: *\nDisallow: /foo/bar/\xE3\x83\x84\nDisallow: /q/%62%61%7A\n"
      "Disallow: /a%3cd.html\nDisallow: /%7esub/\nDisallow: /s%2fb\n"
      "Disallow: /file-with-a-%2A.html\nDisallow: /foo-%24\nDisallow: /sp ace\n");
  ExpectPaths(robots, {{"/foo/bar/%E3%83%84", false},
                       {"/foo/bar/%e3%83%84", false},
                       {"/foo/bar/\xE3\x83\x84", false},
                       {"/q/baz", false},
                       {"/q/%62az", false},
                       {"/a%3Cd.html", false},
                       {"/a<d.html", false},
                       {"/~sub/x", false},
                       {"/%7Esub/x", false},
                       {"/s%2Fb", false},
                       {"/s/b", true},  // an encoded '/' is not a '/'
                       {"/file-with-a-*.html", false},
                       {"/file-with-a-x.html", true},
                       {"/foo-$", false},
                       {"/sp%20ace", false}});
  // And the other way round: an encoded rule, a raw path.
  ExpectPaths(ForTdm("User-agent: *\nDisallow: /foo/bar/%e3%83%84\n"),
              {{"/foo/bar/\xE3\x83\x84", false}, {"/foo/bar/", true}});
}

TEST(RobotsTxtTest, LongestMatchWinsWhateverTheOrder) {
  for (const char* body :
       {"User-agent: *\nAllow: /p\nDisallow: /\n", "User-agent: *\nDisallow: /\nAllow: /p\n"}) {
    ExpectPaths(ForTdm(body), {{"/page", true}, {"/x", false}});
  }
  // '$' and '*' count as octets: "/page$" (6) beats "/page" (5).
  ExpectPaths(ForTdm("User-agent: *\nDisallow: /p\nAllow: /page\nDisallow: /page$\n"),
              {{"/page", false}, {"/pages", true}, {"/pa", false}});
  // Length is measured after normalisation: "%7E" is one octet "~".
  ExpectPaths(ForTdm("User-agent: *\nAllow: /%7Eab\nDisallow: /~abc\n"),
              {{"/~abc", false}, {"/~abd", true}});
}

TEST(RobotsTxtTest, AllowWinsATie) {
  for (const char* body : {"User-agent: *\nDisallow: /page\nAllow: /page\n",
                           "User-agent: *\nAllow: /page\nDisallow: /page\n",
                           "User-agent: *\nAllow: /p*e\nDisallow: /pa*\n"}) {
    EXPECT_TRUE(ForTdm(body).Allowed("/page")) << body;
  }
}

TEST(RobotsTxtTest, EmptyDisallowAllowsEverything) {
  ExpectPaths(ForTdm("User-agent: *\nDisallow:\n"), {{"/", true}, {"/a", true}});
  ExpectPaths(ForTdm("User-agent: *\nDisallow: \nDisallow: /x\nAllow:\n"),
              {{"/a", true}, {"/x", false}});
  EXPECT_EQ(ForTdm("User-agent: *\nDisallow:\n").rule_count(), 0u);
}

TEST(RobotsTxtTest, RobotsTxtItselfIsAlwaysAllowed) {
  for (const RobotsTxt& robots :
       {ForTdm("User-agent: *\nDisallow: /\n"), ForTdm("User-agent: *\nDisallow: /robots\n"),
        RobotsTxt::DisallowAll()}) {
    ExpectPaths(robots,
                {{"/robots.txt", true}, {"/robots.txt?x=1", true}, {"/robots.txtx", false}});
  }
}

TEST(RobotsTxtTest, AllowAllAndDisallowAll) {
  ExpectPaths(RobotsTxt::AllowAll(), {{"/", true}, {"/a?b", true}, {"", true}});
  ExpectPaths(RobotsTxt::DisallowAll(), {{"/", false}, {"/a?b", false}, {"", false}, {"x", false}});
  EXPECT_FALSE(RobotsTxt::AllowAll().crawl_delay().has_value());
  EXPECT_TRUE(RobotsTxt::DisallowAll().sitemaps().empty());
}

TEST(RobotsTxtTest, AllowedTakesAUrlsPathAndQuery) {
  const RobotsTxt robots = ForTdm("User-agent: *\nDisallow: /*?sort=\nDisallow: /a$\n");
  const auto allowed = [&](std::string_view spec) { return robots.Allowed(*Url::Parse(spec)); };
  EXPECT_FALSE(allowed("https://h.example/list?sort=1"));
  EXPECT_TRUE(allowed("https://h.example/list?page=1"));
  EXPECT_FALSE(allowed("https://h.example/a"));
  EXPECT_TRUE(allowed("https://h.example/a?"));       // "?" present: the path is "/a?"
  EXPECT_FALSE(allowed("https://h.example/a#frag"));  // the fragment is no part of it
  EXPECT_TRUE(allowed("https://h.example"));          // path "/"
}

TEST(RobotsTxtTest, CrawlDelayFromTheApplyingGroup) {
  const auto delay = [](std::string_view body) { return ForTdm(body).crawl_delay(); };
  EXPECT_EQ(delay("User-agent: tdm\nCrawl-delay: 5\n"), milliseconds(5000));
  EXPECT_EQ(delay("User-agent: tdm\ncrawl-delay: 0.5\n"), milliseconds(500));
  EXPECT_EQ(delay("User-agent: tdm\nCrawl-Delay: 1.2345\n"), milliseconds(1235));
  EXPECT_EQ(delay("User-agent: tdm\nCrawl-delay: 2.\n"), milliseconds(2000));
  EXPECT_EQ(delay("User-agent: tdm\nCrawl-delay: .25\n"), milliseconds(250));
  EXPECT_EQ(delay("User-agent: tdm\nCrawl-delay: 99999999999999999999999\n"), kMaxCrawlDelay);
  for (const char* bad : {"-1", "abc", "5s", "1.2.3", ".", "1e3", "inf", "nan", "0x10", ""}) {
    EXPECT_EQ(delay(std::string("User-agent: tdm\nCrawl-delay: ") + bad + "\n"), std::nullopt)
        << bad;
  }
  // A bad value does not hide a good one; merged groups keep the largest.
  EXPECT_EQ(delay("User-agent: tdm\nCrawl-delay: x\nCrawl-delay: 2\n\n"
                  "User-agent: tdm\nCrawl-delay: 7\n"),
            milliseconds(7000));
  // Ours, not "*"'s; "*"'s when no group names us; none from another agent's group.
  EXPECT_EQ(delay("User-agent: *\nCrawl-delay: 9\nUser-agent: other\nDisallow: /\n\n"
                  "User-agent: tdm\nCrawl-delay: 1\n"),
            milliseconds(1000));
  EXPECT_EQ(delay("User-agent: *\nCrawl-delay: 9\n"), milliseconds(9000));
  EXPECT_EQ(delay("User-agent: other\nCrawl-delay: 9\n"), std::nullopt);
  EXPECT_EQ(delay("Crawl-delay: 9\nUser-agent: tdm\nDisallow: /x\n"), std::nullopt);
}

TEST(RobotsTxtTest, SitemapsAreGlobal) {
  const RobotsTxt robots = ForTdm(
      "Sitemap: https://a.example/s1.xml\n"
      "User-agent: other\nDisallow: /\nsitemap:https://a.example/s2.xml # comment\n"
      "User-agent: tdm\nSITEMAP: https://b.example/s3.xml.gz\nSitemap:\n");
  EXPECT_EQ(robots.sitemaps(),
            (std::vector<std::string>{"https://a.example/s1.xml", "https://a.example/s2.xml",
                                      "https://b.example/s3.xml.gz"}));
  EXPECT_EQ(RobotsTxt::Parse("Sitemap: https://a.example/s.xml\n", "").sitemaps().size(), 1u);
}

TEST(RobotsTxtTest, ToleratesLineEndingsBomWhitespaceAndTypos) {
  const char* bodies[] = {
      "User-agent: tdm\r\nDisallow: /a\r\n\r\nUser-agent: *\r\nDisallow: /\r\n",
      "User-agent: tdm\rDisallow: /a\r\rUser-agent: *\rDisallow: /\r",
      "\xEF\xBB\xBFUser-agent: tdm\nDisallow: /a\n",
      "  USER-AGENT  :\ttdm  \n\t disallow:/a   # no space after the colon\n",
      "user-agent tdm\ndisallow /a\n",  // no colon at all: two words
      "useragent: tdm\ndissallow: /a\n",
      "User-agent: tdm # us\n# Disallow: /\nDisallow: /a#b\n",
  };
  for (const char* body : bodies) {
    const RobotsTxt robots = ForTdm(body);
    EXPECT_FALSE(robots.Allowed("/a")) << body;
    EXPECT_TRUE(robots.Allowed("/b")) << body;
  }
}

TEST(RobotsTxtTest, SkipsGarbageLines) {
  std::string body =
      "<html><body>Not a robots.txt</body></html>\n"
      "User-agent: tdm\n"
      "Disallow /a /b\n"  // three words, no colon: skipped
      ": /c\n"            // no key
      "Disallow\n"        // no value, no colon
      "\x01\x02\xFF\xFE garbage \x80\n";
  body += std::string("Disallow: /d\0e\n", 15);
  body += "Disallow: /f\n";
  const RobotsTxt robots = ForTdm(body);
  ExpectPaths(robots, {{"/a", true}, {"/b", true}, {"/c", true}, {"/f", false}});
  EXPECT_FALSE(robots.Allowed(std::string_view("/d\0e", 4)));
}

TEST(RobotsTxtTest, OnlyTheFirst500KiBAreParsed) {
  std::string body = "User-agent: tdm\nDisallow: /first\n";
  const std::string filler = "# padding padding padding padding padding padding padding\n";
  while (body.size() + filler.size() <= kMaxRobotsBytes - 20) body += filler;
  // A line the limit cuts after "Allow: /first": read half, it would tie with
  // "Disallow: /first" and win; it must be dropped instead.
  body.resize(kMaxRobotsBytes - 14, '#');
  body += "\nAllow: /first-but-only-this-page\n";
  ASSERT_GT(body.size(), kMaxRobotsBytes);
  while (body.size() < 2 * 1024 * 1024) body += "Disallow: /late\nSitemap: https://x/late.xml\n";

  const RobotsTxt robots = ForTdm(body);
  ExpectPaths(robots, {{"/first", false}, {"/first/x", false}, {"/late", true}, {"/other", true}});
  EXPECT_TRUE(robots.sitemaps().empty());
  EXPECT_EQ(robots.rule_count(), 1u);
}

TEST(RobotsTxtTest, HugeBodyOfRulesStaysUsable) {
  std::string body = "User-agent: *\n";
  for (int i = 0; body.size() < 2 * 1024 * 1024; ++i) {
    body += "Disallow: /*a*a*a*a*a*a*a*a*a*a*a*a*b" + std::to_string(i) + "\n";
  }
  const auto start = std::chrono::steady_clock::now();
  const RobotsTxt robots = ForTdm(body);
  EXPECT_LT(robots.rule_count(), 20000u);
  EXPECT_FALSE(robots.Allowed("/" + std::string(4000, 'a') + "b7"));
  EXPECT_TRUE(robots.Allowed("/" + std::string(4000, 'a')));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

}  // namespace
}  // namespace tdm::crawler
