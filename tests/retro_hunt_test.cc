// A victim who registers after the leak was crawled finds it without a
// recrawl (retro-hunt), and profile changes reach a running matcher within
// seconds.

#include <gtest/gtest.h>

#include <chrono>
#include <pqxx/pqxx>
#include <regex>
#include <set>
#include <thread>

#include "stack_fixture.h"
#include "tdm/demo/leak_site.h"
#include "tdm/demo/static_server.h"

namespace tdm::testing {
namespace {

using namespace std::chrono_literals;

int64_t Count(const LocalStack& stack, const std::string& sql) {
  pqxx::connection c(stack.dsn());
  pqxx::work tx(c);
  return tx.exec1(sql)[0].as<int64_t>();
}

bool Await(const std::function<bool()>& ready, std::chrono::seconds d) {
  const auto until = std::chrono::steady_clock::now() + d;
  while (std::chrono::steady_clock::now() < until) {
    if (ready()) return true;
    std::this_thread::sleep_for(50ms);
  }
  return ready();
}

// The hash profile count the matcher last logged ("matching against N hash
// profile(s) and M face profile(s)").
int LoggedProfileCount(const LocalStack& stack) {
  const std::string log = Shell("cat " + (stack.home() / "logs/matcher.log").string()).out;
  static const std::regex kLine("matching against (\\d+) hash profile");
  int last = -1;
  for (auto it = std::sregex_iterator(log.begin(), log.end(), kLine); it != std::sregex_iterator();
       ++it) {
    last = std::stoi((*it)[1]);
  }
  return last;
}

TEST(RetroHunt, VictimRegisteredAfterTheCrawlFindsTheLeakWithoutRecrawl) {
  LocalStack stack;
  ASSERT_TRUE(stack.up_ok()) << stack.up_result().out << stack.Logs();
  demo::LeakSiteOptions o;
  o.photos_dir = std::filesystem::path(TDM_ASSETS_DIR) / "johns";
  o.out_dir = stack.home() / "demo";
  auto site = demo::GenerateLeakSite(o);
  ASSERT_TRUE(site.ok()) << site.status().ToString();
  demo::StaticServer server(site->root);
  auto port = server.Start(0);
  ASSERT_TRUE(port.ok());
  const std::string origin = "http://127.0.0.1:" + std::to_string(*port);

  // Last month: the forum is crawled while nobody is registered.
  auto site_id = Tdm(stack.home(), {"site", "add", "--name", "forum", "--allow-private",
                                    origin + site->seed_path});
  ASSERT_EQ(site_id.exit_code, 0) << site_id.out;
  ASSERT_EQ(Tdm(stack.home(), {"site", "politeness", site_id.LastWord(), "--delay-ms", "0",
                               "--reason", "test server on loopback"})
                .exit_code,
            0);
  auto crawl = Tdm(stack.home(), {"crawl", "--site", site_id.LastWord(), "--wait"});
  ASSERT_EQ(crawl.exit_code, 0) << crawl.out << stack.Logs();
  ASSERT_EQ(Count(stack, "SELECT count(*) FROM matches"), 0);
  const int64_t pages_fetched = Count(stack, "SELECT count(*) FROM crawl_urls");
  server.Stop();  // the site is not crawled again

  // Today: the victim registers; the running matcher picks the profiles up
  // within 5 seconds and searches everything already stored.
  auto subject = Tdm(stack.home(), {"subject", "add", "--name", "Late Victim"});
  ASSERT_EQ(subject.exit_code, 0) << subject.out;
  std::vector<std::string> args = {"profile", "add", "--subject", subject.LastWord()};
  for (const auto& p : site->victim_photos) args.push_back(p.string());
  auto profiles = Tdm(stack.home(), args);
  ASSERT_EQ(profiles.exit_code, 0) << profiles.out;
  const auto registered = std::chrono::steady_clock::now();
  ASSERT_TRUE(Await([&] { return LoggedProfileCount(stack) == 3; }, 5s))
      << "the matcher did not load new profiles within 5 s\n"
      << stack.Logs();
  std::cout << "profiles live after "
            << std::chrono::duration<double>(std::chrono::steady_clock::now() - registered).count()
            << " s\n";

  const size_t copies = site->victim_copies.size();
  ASSERT_TRUE(Await(
      [&] {
        return Count(stack,
                     "SELECT count(DISTINCT s.image_url) FROM matches m JOIN sightings s"
                     " ON s.id = m.sighting_id WHERE m.found_by = 'retro-hunt'") ==
               static_cast<int64_t>(copies);
      },
      60s))
      << stack.Logs();
  pqxx::connection c(stack.dsn());
  pqxx::work tx(c);
  std::set<std::string> matched;
  for (const auto& r : tx.exec("SELECT DISTINCT s.image_url FROM matches m JOIN sightings s"
                               " ON s.id = m.sighting_id")) {
    matched.insert(r[0].as<std::string>().substr(origin.size()));
  }
  EXPECT_EQ(matched, std::set<std::string>(site->victim_copies.begin(), site->victim_copies.end()));
  EXPECT_EQ(tx.exec1("SELECT count(*) FROM crawl_urls")[0].as<int64_t>(), pages_fetched)
      << "no recrawl";
  tx.commit();
  // Retro-hunt matches get the same treatment as live ones: the confirmed
  // ones are drafted into one request for the victim.
  ASSERT_TRUE(Await(
      [&] {
        return Count(stack,
                     "SELECT count(*) FROM matches m LEFT JOIN takedown_items i"
                     " ON i.match_id = m.id WHERE m.status = 'confirmed' AND i.id IS NULL") == 0 &&
               Count(stack, "SELECT count(*) FROM takedown_items") > 0;
      },
      30s))
      << stack.Logs();
  EXPECT_EQ(Count(stack, "SELECT count(*) FROM takedowns"), 1);
  EXPECT_EQ(Count(stack, "SELECT count(*) FROM hash_profiles WHERE retro_state <> 'done'"), 0);

  // A deleted profile leaves the running matcher within 5 seconds too.
  const std::string first_profile =
      std::to_string(Count(stack, "SELECT min(id) FROM hash_profiles"));
  auto deleted = Tdm(stack.home(), {"profile", "delete", first_profile});
  ASSERT_EQ(deleted.exit_code, 0) << deleted.out;
  const auto deleted_at = std::chrono::steady_clock::now();
  EXPECT_TRUE(Await([&] { return LoggedProfileCount(stack) == 2; }, 5s)) << stack.Logs();
  std::cout << "deletion live after "
            << std::chrono::duration<double>(std::chrono::steady_clock::now() - deleted_at).count()
            << " s\n";
}

}  // namespace
}  // namespace tdm::testing
