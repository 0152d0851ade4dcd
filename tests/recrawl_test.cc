// Recrawls on a schedule, end to end: a watched site with `tdm site schedule`
// is re-checked by the recrawl scheduler (one active among two crawler
// processes, taken over when the active one stops); an unchanged page costs
// a 304, a changed page is fetched again and its new images reach the
// matcher, while images already seen on a page are not fetched again. A
// thumbnail's full-size page on an image host is fetched one hop for its image.

#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <functional>
#include <opencv2/imgcodecs.hpp>
#include <pqxx/pqxx>
#include <thread>

#include "stack_fixture.h"
#include "tdm/demo/static_server.h"
#include "tdm/matcher/testing/images.h"

namespace tdm::testing {
namespace {

namespace fs = std::filesystem;

bool WaitUntil(const std::function<bool()>& done, std::chrono::seconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return true;
}

int64_t Count(const LocalStack& stack, const std::string& sql) {
  pqxx::connection c(stack.dsn());
  pqxx::work tx(c);
  return tx.exec1(sql)[0].as<int64_t>();
}

std::string ReadAll(const fs::path& file) { return Shell("cat " + file.string()).out; }

constexpr const char* kActive = "recrawl scheduler: active";

TEST(Recrawl, ChangedPagesAreRefetchedOnScheduleAndUnchangedOnesCostA304) {
  setenv("TDM_SCHEDULE_EVERY_MS", "300", 1);  // inherited by this stack's crawlers
  LocalStack stack;
  unsetenv("TDM_SCHEDULE_EVERY_MS");
  ASSERT_TRUE(stack.up_ok()) << stack.up_result().out << stack.Logs();
  const fs::path root = stack.home() / "site";
  fs::create_directories(root / "forum");
  for (int i = 0; i < 4; ++i) {
    cv::imwrite((root / "forum" / ("img" + std::to_string(i) + ".png")).string(),
                matcher::testing::SyntheticPhoto(9100 + i, 320, 240));
  }
  std::ofstream(root / "forum" / "thread1.html") << "<img src=\"img1.png\">";
  std::ofstream(root / "forum" / "thread2.html") << "<img src=\"img3.png\">";
  demo::StaticServer server(root);
  auto port = server.Start(0);
  ASSERT_TRUE(port.ok());
  // An image host elsewhere: the forum shows a thumbnail linking to its
  // full-size page there, which holds the full image.
  const fs::path host_root = stack.home() / "image-host";
  fs::create_directories(host_root / "view");
  cv::imwrite((host_root / "view" / "full.png").string(),
              matcher::testing::SyntheticPhoto(9200, 640, 480));
  std::ofstream(host_root / "view" / "1.html")
      << "<a href=\"2.html\">next image</a><img src=\"full.png\">";
  std::ofstream(host_root / "view" / "2.html") << "<p>never fetched: one hop only</p>";
  demo::StaticServer image_host(host_root);
  auto host_port = image_host.Start(0);
  ASSERT_TRUE(host_port.ok());
  const std::string thumbnail = "<a href=\"http://127.0.0.1:" + std::to_string(*host_port) +
                                "/view/1.html\"><img src=\"img0.png\" width=80></a>";
  std::ofstream(root / "forum" / "index.html")
      << "<a href=\"thread1.html\">thread 1</a>" << thumbnail;

  // A second crawler process in the same group: only one may schedule.
  const fs::path second_log = stack.home() / "logs" / "crawler-2.log";
  ExtraCrawler second(stack, second_log, "TDM_SCHEDULE_EVERY_MS=300");
  ASSERT_GT(second.pid(), 0);

  auto site =
      Tdm(stack.home(), {"site", "add", "--name", "scheduled", "--allow-private",
                         "http://127.0.0.1:" + std::to_string(*port) + "/forum/index.html"});
  ASSERT_EQ(site.exit_code, 0) << site.out;
  const std::string id = site.LastWord();
  ASSERT_EQ(Tdm(stack.home(), {"site", "politeness", id, "--delay-ms", "0", "--concurrency", "4",
                               "--reason", "test server"})
                .exit_code,
            0);
  auto bad = Tdm(stack.home(), {"site", "schedule", id, "2 hours"});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.out.find("e.g. 90s, 30m, 6h"), std::string::npos) << bad.out;
  auto scheduled = Tdm(stack.home(), {"site", "schedule", id, "2s"});
  ASSERT_EQ(scheduled.exit_code, 0) << scheduled.out;
  EXPECT_NE(scheduled.out.find("re-checked every 2s"), std::string::npos) << scheduled.out;

  // The first scheduled visit: both pages, both images matched.
  auto image_done = [&](const std::string& name) {
    return Count(stack,
                 "SELECT count(*) FROM image_refs WHERE state = 'done' AND image_url LIKE '%/" +
                     name + "'") > 0;
  };
  ASSERT_TRUE(WaitUntil(
      [&] { return image_done("img0.png") && image_done("img1.png") && image_done("full.png"); },
      std::chrono::seconds(60)))
      << stack.Logs() << ReadAll(second_log);
  EXPECT_EQ(Count(stack,
                  "SELECT count(*) FROM crawl_urls WHERE kind = 'image-page'"
                  " AND url LIKE '%/view/1.html'"),
            1);
  EXPECT_EQ(Count(stack, "SELECT count(*) FROM crawl_urls WHERE url LIKE '%/view/2.html'"), 0);

  // Exactly one of the two crawlers is the active scheduler.
  const fs::path first_log = stack.home() / "logs" / "crawler.log";
  const bool first_active = ReadAll(first_log).find(kActive) != std::string::npos;
  const bool second_active = ReadAll(second_log).find(kActive) != std::string::npos;
  ASSERT_NE(first_active, second_active)
      << "first: " << first_active << ", second: " << second_active;
  // Stop the active one: the other takes over from PostgreSQL's state.
  const int active_pid = first_active
                             ? std::atoi(ReadAll(stack.home() / "run" / "crawler.pid").c_str())
                             : second.pid();
  ASSERT_GT(active_pid, 0);
  kill(active_pid, SIGTERM);
  const fs::path standby_log = first_active ? second_log : first_log;
  ASSERT_TRUE(WaitUntil([&] { return ReadAll(standby_log).find(kActive) != std::string::npos; },
                        std::chrono::seconds(30)))
      << ReadAll(standby_log);

  // Unchanged: the index page is asked conditionally and answered 304.
  ASSERT_TRUE(WaitUntil(
      [&] {
        return server.not_modified_served() >= 1 &&
               Count(stack, "SELECT count(*) FROM crawl_urls WHERE http_status = 304") >= 1;
      },
      std::chrono::seconds(60)))
      << stack.Logs() << ReadAll(second_log);

  // Changed: a new image and a new thread appear on the index page.
  std::ofstream(root / "forum" / "index.html")
      << "<a href=\"thread1.html\">thread 1</a><a href=\"thread2.html\">thread 2</a>" << thumbnail
      << "<img src=\"img2.png\">";
  ASSERT_TRUE(WaitUntil([&] { return image_done("img2.png") && image_done("img3.png"); },
                        std::chrono::seconds(60)))
      << stack.Logs() << ReadAll(second_log);

  // Images already sighted on their page were not fetched again.
  EXPECT_EQ(Count(stack, "SELECT count(*) FROM image_refs WHERE image_url LIKE '%/img0.png'"), 1);
  EXPECT_EQ(Count(stack, "SELECT count(*) FROM image_refs WHERE image_url LIKE '%/img1.png'"), 1);
  EXPECT_EQ(Count(stack, "SELECT count(*) FROM sightings WHERE image_url LIKE '%/img2.png'"), 1);
  // The index page's history: fetched several times, answered 304 and
  // changed at least once; it is revisited more often than the thread.
  pqxx::connection c(stack.dsn());
  pqxx::work tx(c);
  auto index = tx.exec1(
      "SELECT fetches, not_modified, changes, kind FROM site_pages WHERE url LIKE '%/index.html'");
  auto thread = tx.exec1("SELECT fetches, kind FROM site_pages WHERE url LIKE '%/thread1.html'");
  EXPECT_GE(index[1].as<int>(), 1);
  EXPECT_GE(index[2].as<int>(), 1);
  EXPECT_EQ(index[3].as<std::string>(), "index");
  EXPECT_EQ(thread[1].as<std::string>(), "page");
  EXPECT_GT(index[0].as<int>(), thread[0].as<int>()) << "index pages come back sooner";
  EXPECT_LE(
      tx.exec1("SELECT count(*) FROM crawls WHERE kind = 'recrawl' AND finished_at IS NULL")[0]
          .as<int>(),
      1);
  std::cout << "index fetched " << index[0].as<int>() << " times (" << index[1].as<int>()
            << " x 304, " << index[2].as<int>() << " changes), thread " << thread[0].as<int>()
            << " times; server answered " << server.not_modified_served() << " x 304 of "
            << server.requests_served() << " requests\n";
  server.Stop();
  image_host.Stop();
}

}  // namespace
}  // namespace tdm::testing
