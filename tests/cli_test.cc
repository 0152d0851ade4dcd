// The CLI's contract on a real stack: one clear error line and a non-zero
// exit for bad input, ids as the last word, photos refused by name.

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <pqxx/pqxx>
#include <sstream>
#include <thread>

#include "stack_fixture.h"

namespace tdm::testing {
namespace {

int Lines(const std::string& s) {
  int n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

class Cli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { stack_ = new LocalStack(); }
  static void TearDownTestSuite() {
    delete stack_;
    stack_ = nullptr;
  }
  static LocalStack* stack_;
  const std::filesystem::path& home() { return stack_->home(); }
};
LocalStack* Cli::stack_ = nullptr;

TEST_F(Cli, StackIsUpAndStatusSaysWhatRunsWhere) {
  ASSERT_TRUE(stack_->up_ok()) << stack_->up_result().out << stack_->Logs();
  auto status = Tdm(home(), {"status"});
  ASSERT_EQ(status.exit_code, 0);
  for (const char* name : {"postgres  running", "broker    running", "crawler   running",
                           "matcher   running", "notifier  running"}) {
    EXPECT_NE(status.out.find(name), std::string::npos) << status.out;
  }
  // `tdm up` twice is harmless: same processes, still running.
  auto again = Tdm(home(), {"up"});
  EXPECT_EQ(again.exit_code, 0) << again.out;
  EXPECT_EQ(Tdm(home(), {"status"}).out, status.out);
  // Migrations are recorded and re-running them applies nothing.
  auto migrate = Tdm(home(), {"migrate"});
  EXPECT_EQ(migrate.exit_code, 0) << migrate.out;
  EXPECT_NE(migrate.out.find("applied 0 migration(s)"), std::string::npos) << migrate.out;
}

TEST_F(Cli, ErrorsAreOneLineAndNonZero) {
  struct Case {
    std::vector<std::string> args;
    std::string says;
  };
  const std::vector<Case> cases = {
      {{"frobnicate"}, "unknown command"},
      {{"subject", "add"}, "--name is required"},
      {{"subject", "add", "--name", "X", "--email", "nope"}, "not an email"},
      {{"subject", "add", "--nmae", "X"}, "unknown option --nmae"},
      {{"profile", "add", "--subject", "abc", "x.jpg"}, "positive number"},
      {{"profile", "add", "--subject", "999999", "x.jpg"}, "not found: subject 999999"},
      {{"site", "add", "--name", "s", "ftp://example.org/"}, "ftp"},
      {{"site", "add", "--name", "s", "http://127.0.0.1:9/forum/"}, "--allow-private"},
      {{"site", "add", "--name", "s", "http://localhost/forum/"}, "--allow-private"},
      {{"crawl", "--site", "999999"}, "not found: site 999999"},
      {{"takedowns", "show", "999999"}, "not found: takedown 999999"},
      {{"matches", "confirm", "999998", "999999"}, "not found: match 999998,999999"},
      {{"matches", "list", "--status", "maybe"}, "--status must be"},
      {{"profile", "delete", "999999"}, "not found: profile 999999"},
      {{"hashes", "import", "/nonexistent.txt", "--list", "x"}, "not found"},
      {{"subject", "add", "--name", "X", "--auto-confirm-distance", "40"}, "-1 (never) to 31"},
      {{"subject", "delete", "999999"}, "not found: subject 999999"},
      {{"profile", "delete", "--faces", "999999"}, "not found: face profile 999999"},
      {{"site", "politeness", "1", "--delay-ms", "0"}, "--reason is required"},
      {{"site", "politeness", "1", "--concurrency", "0", "--reason", "r"}, "1..64"},
      {{"site", "politeness", "1", "--default", "--delay-ms", "5"}, "cannot be combined"},
      {{"site", "politeness", "999999", "--delay-ms", "5", "--reason", "r"},
       "not found: site 999999"},
      {{"site", "robots", "1", "--ignore"}, "--reason is required"},
      {{"site", "robots", "1"}, "give --ignore (with --reason) or --obey"},
      {{"site", "scope", "1", "--exclude", "no-slash"}, "scope rules"},
      {{"site", "scope", "999999", "--exclude", "/x/"}, "not found: site 999999"},
      {{"site", "session", "1", "--header", "no colon"}, "Name: value"},
      {{"site", "session", "999999", "--cookie", "a=1"}, "not found: site 999999"},
      {{"site", "limits", "1", "--max-params", "500"}, "--max-params must be 0..100"},
      {{"site", "limits", "1", "--max-depth", "x"}, "--max-depth takes a whole number"},
      {{"site", "limits", "1", "--default", "--max-depth", "3"}, "cannot be combined"},
      {{"site", "limits", "999999", "--max-depth", "3"}, "not found: site 999999"},
      {{"site", "schedule", "1", "90"}, "e.g. 90s, 30m, 6h"},
      {{"site", "schedule", "999999", "6h"}, "not found: site 999999"},
  };
  for (const auto& c : cases) {
    auto r = Tdm(home(), c.args);
    EXPECT_NE(r.exit_code, 0) << c.args[0];
    EXPECT_EQ(Lines(r.out), 1) << r.out;
    EXPECT_NE(r.out.find(c.says), std::string::npos) << r.out;
    EXPECT_EQ(r.out.rfind("tdm: error: ", 0), 0u) << r.out;
  }
}

TEST_F(Cli, SiteOverridesAreRecordedWithTheirReasons) {
  auto site = Tdm(home(), {"site", "add", "--name", "o", "--allow-private",
                           "http://127.0.0.1:9/forum/index.html"});
  ASSERT_EQ(site.exit_code, 0) << site.out;
  auto scope =
      Tdm(home(), {"site", "scope", site.LastWord(), "--exclude", "/forum/members/ *.php$"});
  ASSERT_EQ(scope.exit_code, 0) << scope.out;
  EXPECT_NE(scope.out.find("scope: 0 include and 2 exclude pattern(s)"), std::string::npos);
  auto robots = Tdm(home(), {"site", "robots", site.LastWord(), "--ignore", "--reason",
                             "operator's written permission"});
  ASSERT_EQ(robots.exit_code, 0) << robots.out;
  EXPECT_NE(robots.out.find("robots.txt ignored (operator's written permission)"),
            std::string::npos);
  auto slow = Tdm(home(), {"site", "politeness", site.LastWord(), "--delay-ms", "5000", "--reason",
                           "fragile host"});
  ASSERT_EQ(slow.exit_code, 0) << slow.out;
  EXPECT_NE(slow.out.find("delay 5000 ms, concurrency default (fragile host)"), std::string::npos)
      << slow.out;
  auto back = Tdm(home(), {"site", "politeness", site.LastWord(), "--default"});
  EXPECT_NE(back.out.find("delay default, concurrency default"), std::string::npos) << back.out;
  auto limits = Tdm(home(), {"site", "limits", site.LastWord(), "--max-params", "2",
                             "--calendar-days", "30", "--max-depth", "4"});
  ASSERT_EQ(limits.exit_code, 0) << limits.out;
  EXPECT_NE(limits.out.find("limits: 4 depth, 10000 pages, default URL bytes, 2 query params,"
                            " default path segments, 30 calendar days"),
            std::string::npos)
      << limits.out;
  auto reset = Tdm(home(), {"site", "limits", site.LastWord(), "--default"});
  EXPECT_NE(reset.out.find("20 depth, 10000 pages, default URL bytes, default query params"),
            std::string::npos)
      << reset.out;
  auto schedule = Tdm(home(), {"site", "schedule", site.LastWord(), "6h"});
  EXPECT_NE(schedule.out.find("re-checked every 6h (1 known page(s)"), std::string::npos)
      << schedule.out;
  auto off = Tdm(home(), {"site", "schedule", site.LastWord(), "off"});
  EXPECT_NE(off.out.find("schedule: not re-checked"), std::string::npos) << off.out;
}

TEST_F(Cli, ProfileAddStoresHashesAndRefusesBrokenPhotosByName) {
  auto subject = Tdm(home(), {"subject", "add", "--name", "Cli Person"});
  ASSERT_EQ(subject.exit_code, 0) << subject.out;
  const int64_t id = subject.LastId();
  ASSERT_GT(id, 0);
  const auto photo =
      std::filesystem::path(TDM_ASSETS_DIR) / "johns" / "John_Savage" / "000264_01099001.jpg";
  const auto broken = home() / "broken.jpg";
  std::ofstream(broken) << "this is not a JPEG";
  auto r = Tdm(
      home(), {"profile", "add", "--subject", std::to_string(id), photo.string(), broken.string()});
  EXPECT_NE(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("refused " + broken.string()), std::string::npos) << r.out;
  EXPECT_EQ(r.LastId(), id) << r.out;

  pqxx::connection c(stack_->dsn());
  pqxx::work tx(c);
  auto rows = tx.exec(
      "SELECT encode(pdq, 'hex'), quality, length(sha256) FROM hash_profiles"
      " WHERE subject_id = " +
      std::to_string(id));
  ASSERT_EQ(rows.size(), 1u);  // the good photo only
  EXPECT_EQ(rows[0][0].as<std::string>().size(), 64u);
  EXPECT_GE(rows[0][1].as<int>(), 50);
  // Registering the same photo again changes nothing.
  auto again = Tdm(home(), {"profile", "add", "--subject", std::to_string(id), photo.string()});
  EXPECT_EQ(again.exit_code, 0) << again.out;
  EXPECT_NE(again.out.find("1 already known"), std::string::npos) << again.out;
}

TEST_F(Cli, SiteAddAllowsLoopbackOnlyWhenAsked) {
  auto r = Tdm(home(), {"site", "add", "--name", "local", "--allow-private",
                        "http://127.0.0.1:8/forum/index.html"});
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const int64_t id = r.LastId();
  EXPECT_GT(id, 0);
  // Adding the same seed again returns the same site.
  auto again = Tdm(home(), {"site", "add", "--name", "local", "--allow-private",
                            "http://127.0.0.1:8/forum/index.html"});
  EXPECT_EQ(again.LastId(), id);
}

TEST_F(Cli, ListsAreEmptyButWellFormedJson) {
  auto m = Tdm(home(), {"matches", "list", "--json"});
  ASSERT_EQ(m.exit_code, 0) << m.out;
  EXPECT_EQ(m.out, "[]\n");
  auto t = Tdm(home(), {"takedowns", "list", "--json"});
  ASSERT_EQ(t.exit_code, 0) << t.out;
  EXPECT_EQ(t.out, "[]\n");
}

TEST_F(Cli, HashPrintsExactlyTheFiveKeysPerFileAndRefusesBrokenFilesByName) {
  const auto dir = home() / "hash-me";
  std::filesystem::create_directories(dir);
  const auto johns = std::filesystem::path(TDM_ASSETS_DIR) / "johns" / "John_Simm";
  int copied = 0;
  for (const auto& e : std::filesystem::directory_iterator(johns)) {
    if (copied++ < 3) std::filesystem::copy_file(e.path(), dir / e.path().filename());
  }
  std::ofstream(dir / "zero.jpg");
  auto r = Tdm(home(), {"hash", "--json", dir.string()});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("tdm: refused " + (dir / "zero.jpg").string() + ": empty file"),
            std::string::npos)
      << r.out;
  int objects = 0;
  std::stringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] != '{') continue;
    ++objects;
    for (const char* key : {"\"file\":", "\"pdq\":", "\"quality\":", "\"sha256\":", "\"md5\":"}) {
      EXPECT_NE(line.find(key), std::string::npos) << line;
    }
    EXPECT_EQ(std::count(line.begin(), line.end(), ':'), 5) << "exactly five keys: " << line;
  }
  EXPECT_EQ(objects, 3);
}

TEST_F(Cli, HashListsRoundTripInThreatExchangeFormats) {
  const auto list = home() / "list.csv";
  {
    std::ofstream out(list);
    out << "# shared by an NGO\n"
        << "pdq_hex,quality\n"
        << "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22,100\n"
        << "pdq 2da9259bb1a1bd1a5362576552da32a5e63b7380c2774b4866b346c91b89ce77\n"
        << "not-a-hash\n"
        << "D8F8F0CEE0F4A84F0637022A078F67F0B36E2ED596621E1D33E6339C4E9C9B22\n";
  }
  auto imported = Tdm(home(), {"hashes", "import", "--list", "ngo-list", list.string()});
  EXPECT_EQ(imported.exit_code, 1) << imported.out;  // one line refused
  EXPECT_NE(imported.out.find("refused line 5: not a 64-digit PDQ hex hash"), std::string::npos)
      << imported.out;
  EXPECT_NE(imported.out.find("imported 2 hash(es), 1 already known"), std::string::npos)
      << imported.out;
  const std::string list_subject = imported.LastWord();
  auto csv = Tdm(home(), {"hashes", "export", "--subject", list_subject, "--csv"});
  ASSERT_EQ(csv.exit_code, 0) << csv.out;
  EXPECT_EQ(csv.out,
            "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22,100\n"
            "2da9259bb1a1bd1a5362576552da32a5e63b7380c2774b4866b346c91b89ce77,100\n");
  auto hex = Tdm(home(), {"hashes", "export", "--subject", list_subject});
  EXPECT_EQ(hex.out.size(), 2 * 65u) << hex.out;
  // Importing the export again adds nothing.
  const auto again = home() / "again.txt";
  std::ofstream(again) << hex.out;
  auto reimport = Tdm(home(), {"hashes", "import", "--list", "ngo-list", again.string()});
  EXPECT_EQ(reimport.exit_code, 0) << reimport.out;
  EXPECT_NE(reimport.out.find("imported 0 hash(es), 2 already known"), std::string::npos)
      << reimport.out;
  EXPECT_EQ(reimport.LastWord(), list_subject);
}

}  // namespace
}  // namespace tdm::testing

namespace tdm::testing {
namespace {

// The takedown lifecycle through the CLI, on requests written straight into
// PostgreSQL (drafting from matches is the pipeline tests' part).
class CliTakedowns : public Cli {
 protected:
  int64_t Draft(const std::string& host, const std::string& missing) {
    pqxx::connection c(stack_->dsn());
    pqxx::work tx(c);
    subject_ = tx.exec1(
                     "INSERT INTO subjects (name, email, phone, postal_address) VALUES"
                     " ('Lifecycle Person', 'p@example.org', '+1 555 0100', '1 Main St')"
                     " RETURNING id")[0]
                   .as<int64_t>();
    const int64_t id = tx.exec_params1(
                             // Prepared already: the notifier leaves this hand-made draft as it is.
                             "INSERT INTO takedowns (subject_id, host, missing, prepared_at)"
                             " VALUES ($1, $2, $3::text[], now()) RETURNING id",
                             subject_, host, missing)[0]
                           .as<int64_t>();
    tx.exec_params(
        "INSERT INTO takedown_events (takedown_id, to_status, note) VALUES ($1, 'draft', 'test')",
        id);
    tx.commit();
    return id;
  }
  int64_t subject_ = 0;
};

// Legal teams edit the notice templates; `tdm templates check` says what an
// edited copy lacks before the notifier is restarted with it.
TEST(CliTemplates, CheckNamesTheStatutoryElementAnEditedTemplateLacks) {
  const std::filesystem::path copy =
      std::filesystem::temp_directory_path() / ("tdm-templates-" + std::to_string(getpid()));
  std::filesystem::remove_all(copy);
  std::filesystem::copy(TDM_TEMPLATES_DIR, copy);
  const std::filesystem::path home = copy / "home";
  auto shipped = Tdm(home, {"templates", "check", copy.string()});
  EXPECT_EQ(shipped.exit_code, 0) << shipped.out;
  EXPECT_EQ(shipped.out.find("MISSING"), std::string::npos) << shipped.out;
  {
    std::ifstream in(copy / "dmca-512c3.txt");
    std::string text((std::istreambuf_iterator<char>(in)), {});
    const size_t at = text.find("penalty of perjury");
    ASSERT_NE(at, std::string::npos);
    text.replace(at, 18, "penalty of nothing");
    std::ofstream(copy / "dmca-512c3.txt", std::ios::trunc) << text;
  }
  auto edited = Tdm(home, {"templates", "check", copy.string()});
  EXPECT_EQ(edited.exit_code, 1) << edited.out;
  EXPECT_NE(edited.out.find("dmca-512c3.txt                    MISSING statement under penalty of "
                            "perjury (template dmca-512c3.txt)"),
            std::string::npos)
      << edited.out;
  std::ofstream(copy / "eu-dsa-16.txt", std::ios::trunc) << "Subject: x\n\n{{#items}}unclosed\n";
  auto broken = Tdm(home, {"templates", "check", copy.string()});
  EXPECT_NE(broken.exit_code, 0);
  EXPECT_NE(broken.out.find("eu-dsa-16.txt:"), std::string::npos) << broken.out;
  std::filesystem::remove_all(copy);
}

TEST_F(CliTakedowns, ApprovalIsRefusedWhileARequiredDetailIsMissingNamingIt) {
  const int64_t id = Draft("gaps.example", "{\"postal address\",\"telephone\"}");
  auto r = Tdm(home(), {"takedowns", "approve", std::to_string(id)});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("cannot be approved: it still needs postal address, telephone"),
            std::string::npos)
      << r.out;
  auto list = Tdm(home(), {"takedowns", "list", "--status", "draft", "--json"});
  EXPECT_NE(list.out.find("\"id\": " + std::to_string(id)), std::string::npos) << list.out;
}

TEST_F(CliTakedowns, EveryMoveIsRecordedWithWhoAndWhyAndOnlyAllowedMovesHappen) {
  const int64_t id = Draft("moves.example", "{}");
  const std::string sid = std::to_string(id);
  auto wrong = Tdm(home(), {"takedowns", "mark", sid, "removed", "--reason", "too early"});
  EXPECT_NE(wrong.exit_code, 0);
  EXPECT_NE(wrong.out.find("is draft: it can move to approved, withdrawn, not removed"),
            std::string::npos)
      << wrong.out;
  auto no_reason = Tdm(home(), {"takedowns", "mark", sid, "withdrawn"});
  EXPECT_NE(no_reason.out.find("--reason is required"), std::string::npos) << no_reason.out;

  auto approve = Tdm(home(), {"takedowns", "approve", sid, "--by", "legal-anna"});
  ASSERT_EQ(approve.exit_code, 0) << approve.out;
  EXPECT_NE(approve.out.find("draft -> approved by legal-anna"), std::string::npos) << approve.out;
  for (const auto& [to, why] : std::vector<std::pair<std::string, std::string>>{
           {"sent", "sent from the legal team's mailbox"},
           {"overdue", "no answer in 48 hours"},
           {"escalated", "to the hosting provider's abuse desk"},
           {"removed", "all URLs answer 404"}}) {
    auto m = Tdm(home(), {"takedowns", "mark", sid, to, "--reason", why, "--by", "legal-anna"});
    ASSERT_EQ(m.exit_code, 0) << m.out;
  }
  auto after = Tdm(home(), {"takedowns", "mark", sid, "escalated", "--reason", "again"});
  EXPECT_NE(after.out.find("is removed: it can move to none (final)"), std::string::npos)
      << after.out;

  auto history = Tdm(home(), {"takedowns", "history", sid});
  ASSERT_EQ(history.exit_code, 0) << history.out;
  std::string flat;  // the table with runs of spaces as one
  for (char ch : history.out) {
    if (ch != ' ' || flat.empty() || flat.back() != ' ') flat += ch;
  }
  size_t at = 0;
  for (const char* step :
       {"- -> draft tdm test", "draft -> approved legal-anna approved by legal-anna",
        "approved -> sent legal-anna sent from the legal team's mailbox",
        "sent -> overdue legal-anna no answer in 48 hours",
        "overdue -> escalated legal-anna to the hosting provider's abuse desk",
        "escalated -> removed legal-anna all URLs answer 404"}) {
    at = flat.find(step, at);
    ASSERT_NE(at, std::string::npos) << step << " in order in:\n" << history.out;
  }
  auto removed = Tdm(home(), {"takedowns", "list", "--status", "removed", "--subject",
                              std::to_string(subject_), "--json"});
  EXPECT_NE(removed.out.find("\"status\": \"removed\""), std::string::npos) << removed.out;
  EXPECT_NE(removed.out.find("\"regimes\": ["), std::string::npos) << removed.out;
  EXPECT_NE(removed.out.find("\"items\": []"), std::string::npos) << removed.out;
}

TEST_F(CliTakedowns, ASentRequestPastItsDeadlineBecomesOverdueByItself) {
  const int64_t id = Draft("late.example", "{}");
  const std::string sid = std::to_string(id);
  ASSERT_EQ(Tdm(home(), {"takedowns", "approve", sid}).exit_code, 0);
  auto sent = Tdm(home(), {"takedowns", "mark", sid, "sent", "--reason", "own mailbox"});
  ASSERT_EQ(sent.exit_code, 0) << sent.out;
  // The default regimes include the TAKE IT DOWN Act: 48 hours (regime_settings).
  EXPECT_NE(sent.out.find("removal due by "), std::string::npos) << sent.out;
  auto pending = Tdm(home(), {"takedowns", "list", "--overdue", "--json"});
  EXPECT_EQ(pending.out.find("\"id\": " + sid + ","), std::string::npos) << pending.out;
  {
    pqxx::connection c(stack_->dsn());
    pqxx::work tx(c);
    EXPECT_EQ(tx.exec_params1("SELECT round(extract(epoch FROM deadline_at - sent_at) / 3600)"
                              " FROM takedowns WHERE id = $1",
                              id)[0]
                  .as<int>(),
              48);
    // 48 hours pass.
    tx.exec_params("UPDATE takedowns SET deadline_at = now() - interval '1 minute' WHERE id = $1",
                   id);
    tx.commit();
  }
  auto listed = Tdm(home(), {"takedowns", "list", "--overdue", "--json"});
  EXPECT_NE(listed.out.find("\"id\": " + sid + ","), std::string::npos) << listed.out;
  // The notifier marks it overdue within its sweep (every 5 s).
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  std::string history;
  while (std::chrono::steady_clock::now() < until) {
    history = Tdm(home(), {"takedowns", "history", sid}).out;
    if (history.find("overdue") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  EXPECT_NE(history.find("-> overdue"), std::string::npos) << history;
  EXPECT_NE(history.find("tdm"), std::string::npos) << history;
  EXPECT_NE(history.find("removal deadline passed at"), std::string::npos) << history;
  auto escalate = Tdm(home(), {"takedowns", "mark", sid, "escalated", "--reason", "abuse desk"});
  EXPECT_EQ(escalate.exit_code, 0) << escalate.out;
}

TEST_F(CliTakedowns, HistoryIsAppendOnlyYetGoesWithAnErasedSubject) {
  const int64_t id = Draft("history.example", "{}");
  pqxx::connection c(stack_->dsn());
  for (const char* sql :
       {"UPDATE takedown_events SET note = 'rewritten'", "DELETE FROM takedown_events"}) {
    pqxx::work tx(c);
    EXPECT_THROW(tx.exec(sql), pqxx::sql_error) << sql;
  }
  {
    // One draft per (subject, host); an approved request beside a new draft is fine.
    pqxx::work tx(c);
    EXPECT_THROW(tx.exec_params("INSERT INTO takedowns (subject_id, host) VALUES ($1, $2)",
                                subject_, "history.example"),
                 pqxx::sql_error);
  }
  ASSERT_EQ(Tdm(home(), {"takedowns", "approve", std::to_string(id)}).exit_code, 0);
  {
    pqxx::work tx(c);
    tx.exec_params("INSERT INTO takedowns (subject_id, host) VALUES ($1, $2)", subject_,
                   "history.example");
    tx.commit();
  }
  auto erased = Tdm(home(), {"subject", "delete", std::to_string(subject_)});
  ASSERT_EQ(erased.exit_code, 0) << erased.out;
  pqxx::work tx(c);
  EXPECT_EQ(tx.exec_params1("SELECT count(*) FROM takedown_events WHERE takedown_id = $1", id)[0]
                .as<int>(),
            0);
}

}  // namespace
}  // namespace tdm::testing
