// A hostile site on loopback, crawled end to end: robots.txt rules, a
// redirect loop, an endless calendar, a 50 MiB page, a slow-loris page, a
// gzip bomb, 200 KiB of response headers, a page in the wrong charset and an image on a forbidden
// loopback address. Each is handled as designed, the crawl finishes, and the
// ordinary pages around them are crawled as usual.

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <pqxx/pqxx>
#include <thread>

#include "stack_fixture.h"
#include "tdm/demo/static_server.h"

namespace tdm::testing {
namespace {

namespace fs = std::filesystem;

TEST(HostileSite, EveryTrapIsHandledAndTheCrawlFinishes) {
  LocalStack stack;
  ASSERT_TRUE(stack.up_ok()) << stack.up_result().out << stack.Logs();
  const fs::path root = stack.home() / "hostile";
  fs::create_directories(root / "forum" / "t");
  fs::create_directories(root / "forum" / "private");
  demo::StaticServer server(root);
  auto port = server.Start(0);
  ASSERT_TRUE(port.ok());
  const std::string origin = "http://127.0.0.1:" + std::to_string(*port);

  std::ofstream(root / "robots.txt") << "User-agent: *\nDisallow: /forum/private/\n";
  std::string calendar = "<h1>calendar</h1>";
  for (int year = 2026; year <= 2031; ++year) {
    for (int month = 1; month <= 12; ++month) {
      char link[80];
      std::snprintf(link, sizeof(link), "<a href=\"cal.html?month=%04d-%02d\">m</a>", year, month);
      calendar += link;
    }
  }
  std::ofstream(root / "forum" / "cal.html") << calendar;
  std::ofstream(root / "forum" / "index.html")
      << "<a href=\"t/1.html\">thread</a> <a href=\"private/secret.html\">private</a>"
         "<a href=\"fault/redirect-loop.html\">loop</a> <a href=\"cal.html?month=2026-11\">cal</a>"
         "<a href=\"fault/huge.html\">huge</a> <a href=\"fault/gzip-bomb.html\">bomb</a>"
         "<a href=\"fault/trickle.html\">slow</a> <a href=\"latin1.html\">latin-1</a>"
         "<a href=\"fault/huge-headers.html\">headers</a>";
  std::ofstream(root / "forum" / "t" / "1.html")
      << "<img src=\"/forum/a.jpg\"><img src=\"http://127.0.0.2:" << *port << "/forum/b.jpg\">";
  // Served as UTF-8 (by extension) but written in Latin-1.
  std::ofstream(root / "forum" / "latin1.html") << "<p>caf\xe9</p><a href=\"t/2.html\">next</a>";
  std::ofstream(root / "forum" / "t" / "2.html") << "<p>two</p>";
  std::ofstream(root / "forum" / "private" / "secret.html") << "<p>never fetched</p>";
  std::ofstream(root / "forum" / "a.jpg") << "not really a jpeg";

  auto site = Tdm(stack.home(), {"site", "add", "--name", "hostile", "--allow-private",
                                 origin + "/forum/index.html"});
  ASSERT_EQ(site.exit_code, 0) << site.out;
  ASSERT_EQ(Tdm(stack.home(), {"site", "politeness", site.LastWord(), "--delay-ms", "0",
                               "--concurrency", "8", "--reason", "test server"})
                .exit_code,
            0);
  // This site's own calendar window: 45 days either side of today.
  ASSERT_EQ(
      Tdm(stack.home(), {"site", "limits", site.LastWord(), "--calendar-days", "45"}).exit_code, 0);
  auto crawl =
      Tdm(stack.home(), {"crawl", "--site", site.LastWord(), "--wait", "--timeout", "120"});
  ASSERT_EQ(crawl.exit_code, 0) << crawl.out << stack.Logs();

  // Pages a failing server made us retry are retried (with backoff) until
  // they succeed or give up: wait for that too.
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  auto queued = [&] {
    pqxx::connection c(stack.dsn());
    pqxx::work tx(c);
    return tx.exec1("SELECT count(*) FROM crawl_urls WHERE state IN ('queued', 'fetching')")[0]
        .as<int>();
  };
  while (queued() > 0 && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  pqxx::connection c(stack.dsn());
  pqxx::work tx(c);
  std::map<std::string, std::pair<std::string, std::string>> pages;  // path -> (state, error)
  for (const auto& r : tx.exec("SELECT url, state, coalesce(error, '') FROM crawl_urls")) {
    pages[r[0].as<std::string>().substr(origin.size())] = {r[1].as<std::string>(),
                                                           r[2].as<std::string>()};
  }
  auto state = [&](const std::string& path) { return pages[path].first; };
  auto error = [&](const std::string& path) { return pages[path].second; };
  EXPECT_EQ(state("/forum/index.html"), "done");
  EXPECT_EQ(state("/forum/t/1.html"), "done");
  EXPECT_EQ(state("/forum/t/2.html"), "done") << "found through the Latin-1 page";
  EXPECT_EQ(state("/forum/latin1.html"), "done");
  EXPECT_EQ(state("/forum/private/secret.html"), "failed");
  EXPECT_NE(error("/forum/private/secret.html").find("robots.txt"), std::string::npos);
  EXPECT_EQ(state("/forum/fault/redirect-loop.html"), "failed");
  EXPECT_EQ(state("/forum/fault/huge.html"), "failed");
  EXPECT_NE(error("/forum/fault/huge.html").find("too large"), std::string::npos)
      << error("/forum/fault/huge.html");
  EXPECT_EQ(state("/forum/fault/gzip-bomb.html"), "failed");
  EXPECT_NE(error("/forum/fault/gzip-bomb.html").find("too large"), std::string::npos);
  EXPECT_EQ(state("/forum/fault/huge-headers.html"), "failed");
  EXPECT_NE(error("/forum/fault/huge-headers.html").find("headers over"), std::string::npos)
      << error("/forum/fault/huge-headers.html");
  EXPECT_EQ(state("/forum/fault/trickle.html"), "failed");
  EXPECT_NE(error("/forum/fault/trickle.html").find("gave up after 3 attempts"), std::string::npos)
      << "a slow server is retried with backoff, then given up: "
      << error("/forum/fault/trickle.html");
  // The calendar links 72 months (2026-2031): only months within the site's
  // 45 days of today, before or after, are followed (a handful; the crawler's
  // default year would follow up to 25).
  int calendar_pages = 0;
  for (const auto& [path, s] : pages) calendar_pages += path.rfind("/forum/cal.html", 0) == 0;
  EXPECT_GE(calendar_pages, 2);
  EXPECT_LE(calendar_pages, 5);
  // Images: the forbidden loopback address is refused, the other is tried.
  std::map<std::string, std::string> images;
  for (const auto& r : tx.exec("SELECT image_url, coalesce(error, '') FROM image_refs")) {
    images[r[0].as<std::string>()] = r[1].as<std::string>();
  }
  const std::string forbidden = "http://127.0.0.2:" + std::to_string(*port) + "/forum/b.jpg";
  ASSERT_TRUE(images.count(forbidden)) << stack.Logs();
  EXPECT_NE(images[forbidden].find("127.0.0.2"), std::string::npos) << images[forbidden];
  EXPECT_TRUE(images.count(origin + "/forum/a.jpg"));
  EXPECT_EQ(tx.exec1("SELECT count(*) FROM crawl_urls WHERE state IN ('queued', 'fetching')")[0]
                .as<int>(),
            0);
  server.Stop();
}

// A forum behind a login: without its session the members' pages answer
// 403; with `tdm site session` they are crawled. The secret never reaches a
// log or the CLI's output.
TEST(HostileSite, SessionCookieOpensMembersOnlyPagesAndIsNeverLogged) {
  LocalStack stack;
  ASSERT_TRUE(stack.up_ok()) << stack.up_result().out << stack.Logs();
  const fs::path root = stack.home() / "members";
  fs::create_directories(root / "forum" / "members-only");
  std::ofstream(root / "forum" / "index.html") << "<a href=\"members-only/t1.html\">t</a>";
  std::ofstream(root / "forum" / "members-only" / "t1.html") << "<a href=\"t2.html\">next</a>";
  std::ofstream(root / "forum" / "members-only" / "t2.html") << "<p>two</p>";
  demo::StaticServer server(root);
  auto port = server.Start(0);
  ASSERT_TRUE(port.ok());
  const std::string origin = "http://127.0.0.1:" + std::to_string(*port);
  auto count = [&](const std::string& sql) {
    pqxx::connection c(stack.dsn());
    pqxx::work tx(c);
    return tx.exec1(sql)[0].as<int>();
  };

  auto open_site = Tdm(stack.home(), {"site", "add", "--name", "open", "--allow-private",
                                      origin + "/forum/index.html"});
  ASSERT_EQ(open_site.exit_code, 0);
  ASSERT_EQ(Tdm(stack.home(), {"site", "politeness", open_site.LastWord(), "--delay-ms", "0",
                               "--reason", "test server"})
                .exit_code,
            0);
  auto first = Tdm(stack.home(), {"crawl", "--site", open_site.LastWord(), "--wait"});
  ASSERT_EQ(first.exit_code, 0) << first.out;
  EXPECT_EQ(count("SELECT count(*) FROM crawl_urls WHERE http_status = 403"), 1)
      << "without the session the members' page is forbidden";

  const std::string secret = "tdm-test-session=1; other=s3cr3t-value";
  auto session =
      Tdm(stack.home(), {"site", "session", open_site.LastWord(), "--cookie", secret, "--header",
                         "X-Forum-Token: t0k3n-value", "--header", "Authorization: Bearer b34r3r"});
  ASSERT_EQ(session.exit_code, 0) << session.out;
  EXPECT_NE(session.out.find("session: headers X-Forum-Token, Authorization set, cookie set"),
            std::string::npos)
      << session.out;
  EXPECT_EQ(count("SELECT array_length(headers, 1) FROM site_secrets"), 2);
  auto second = Tdm(stack.home(), {"crawl", "--site", open_site.LastWord(), "--wait"});
  ASSERT_EQ(second.exit_code, 0) << second.out;
  EXPECT_EQ(count("SELECT count(*) FROM crawl_urls WHERE crawl_id = " + second.LastWord() +
                  " AND state = 'done'"),
            3)
      << "index and both members' pages, with the session";
  const std::string logs = stack.Logs() + session.out + second.out;
  EXPECT_EQ(logs.find("s3cr3t-value"), std::string::npos) << "the cookie was logged";
  EXPECT_EQ(logs.find("t0k3n-value"), std::string::npos) << "the header was logged";
  EXPECT_EQ(logs.find("b34r3r"), std::string::npos) << "the header was logged";
  server.Stop();
}

}  // namespace
}  // namespace tdm::testing
