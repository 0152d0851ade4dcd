// Politeness across crawler processes: the frontier is keyed by host, so one
// process of the consumer group owns a host at a time and keeps its budget.
// Two crawler processes crawl four slow sites whose budget is one request at
// a time: no site ever sees two requests at once.

#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <thread>
#include <vector>

#include "stack_fixture.h"
#include "tdm/demo/static_server.h"

namespace tdm::testing {
namespace {

namespace fs = std::filesystem;

TEST(Politeness, TwoCrawlerProcessesNeverFetchTheSameHostAtOnce) {
  LocalStack stack;
  ASSERT_TRUE(stack.up_ok()) << stack.up_result().out << stack.Logs();
  // A second crawler in the same consumer group, beside the one `up` started.
  const fs::path second_log = stack.home() / "logs" / "crawler-2.log";
  ExtraCrawler second_crawler(stack, second_log);
  ASSERT_GT(second_crawler.pid(), 0);

  std::vector<std::unique_ptr<demo::StaticServer>> servers;
  for (int i = 0; i < 4; ++i) {
    const fs::path root = stack.home() / ("site" + std::to_string(i));
    fs::create_directories(root / "forum");
    std::string index;
    for (int p = 0; p < 6; ++p) {
      index += "<a href=\"p" + std::to_string(p) + ".html\">page</a>";
      std::ofstream(root / "forum" / ("p" + std::to_string(p) + ".html")) << "<p>page</p>";
    }
    std::ofstream(root / "forum" / "index.html") << index;
    servers.push_back(std::make_unique<demo::StaticServer>(root));
    auto port = servers.back()->Start(0);
    ASSERT_TRUE(port.ok());
    servers.back()->set_response_delay_ms(150);  // slow: overlapping requests would show
    auto site =
        Tdm(stack.home(), {"site", "add", "--name", "s" + std::to_string(i), "--allow-private",
                           "http://127.0.0.1:" + std::to_string(*port) + "/forum/index.html"});
    ASSERT_EQ(site.exit_code, 0) << site.out;
    ASSERT_EQ(Tdm(stack.home(), {"site", "politeness", site.LastWord(), "--delay-ms", "0",
                                 "--concurrency", "1", "--reason", "one at a time (test)"})
                  .exit_code,
              0);
    auto crawl = Tdm(stack.home(), {"crawl", "--site", site.LastWord()});
    ASSERT_EQ(crawl.exit_code, 0) << crawl.out;
  }
  // Wait until every site has served its 8 requests.
  for (size_t i = 0; i < servers.size(); ++i) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (servers[i]->requests_served() < 8 && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  for (size_t i = 0; i < servers.size(); ++i) {
    EXPECT_EQ(servers[i]->requests_served(), 8) << "robots.txt, the index and 6 pages, site " << i;
    EXPECT_EQ(servers[i]->max_in_flight(), 1) << "site " << i << " saw overlapping requests";
  }
  const std::string first = Shell("cat " + (stack.home() / "logs/crawler.log").string()).out;
  const std::string second = Shell("cat " + second_log.string()).out;
  int by_first = 0, by_second = 0;
  for (const auto& s : servers) {
    const std::string robots = "127.0.0.1:" + std::to_string(s->port()) + "/robots.txt";
    by_first += first.find(robots) != std::string::npos;
    by_second += second.find(robots) != std::string::npos;
  }
  std::cout << "sites crawled by the first crawler: " << by_first
            << ", by the second: " << by_second << "\n";
  EXPECT_EQ(by_first + by_second, 4) << "each host is owned by one process";
  for (auto& s : servers) s->Stop();
}

}  // namespace
}  // namespace tdm::testing
