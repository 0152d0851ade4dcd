// tdm: one binary, one subcommand per service or task. Each subcommand parses
// its flags, loads its config and hands over to a library.

#include <spdlog/spdlog.h>

#include <cstdlib>
#include <functional>
#include <iostream>
#include <map>
#include <sstream>

#include "admin.h"
#include "args.h"
#include "command.h"
#include "demo_command.h"
#include "face_profiles.h"
#include "hashes.h"
#include "matches.h"
#include "service_commands.h"
#include "site_settings.h"
#include "stack.h"
#include "tdm/common/metrics.h"
#include "tdm/common/pg.h"
#include "tdm/crawler/recrawl.h"

namespace tdm::cli {
namespace {

constexpr const char* kUsage = R"(tdm — find and take down non-consensual intimate imagery

usage: tdm COMMAND [--home DIR] [options]

local stack (home folder: --home, else $TDM_HOME, else /var/lib/tdm as root, ~/.tdm otherwise)
  up                      start PostgreSQL, the embedded Kafka broker and all services
  down                    stop them
  status                  say what runs where
  migrate                 apply schema migrations (also done by `up`)
  demo                    crawl a generated demo leak site and print the drafted notices

services (against --kafka/--pg, $TDM_KAFKA_BOOTSTRAP/$TDM_PG_DSN, or the local stack)
  crawler | matcher | notifier | broker

data
  subject add --name NAME [--email E] [--phone P] [--address A] [--auto-confirm-distance N]
  subject delete ID                       erases the subject and all their profiles and matches
  profile add --subject ID FILE...        photos are hashed in memory, never stored
  profile add --subject ID --faces FILE...  the one face in each photo, kept as an embedding only
  profile delete [--faces] ID
  site add --name NAME URL [--allow-private]
  site politeness ID [--delay-ms N] [--concurrency N] --reason TEXT | --default
                                          per-site override of 1 s and 2 per host
  site robots ID (--ignore --reason TEXT | --obey)   robots.txt is honoured unless overridden
  site scope ID [--include "P ..."] [--exclude "P ..."]  path patterns, '*' and final '$';
                                          none given: clears them
  site session ID [--header "Name: value"]... [--cookie "a=1; b=2"]
                                          for pages behind a login; secrets, never shown;
                                          neither given: clears it
  site limits ID [--max-depth N] [--max-pages N] [--max-url-length N] [--max-params N]
                [--max-segments N] [--calendar-days N] | --default
                                          per-site caps against crawl traps (defaults: depth
                                          20, 10000 pages, 2048-byte URLs, 8 params, 20
                                          segments, dates within 366 days)
  site schedule ID EVERY|off              re-check the site every 90s, 30m, 6h, 1d, 2w ...:
                                          due pages refetched (304 when unchanged), changing
                                          pages sooner, index pages more often than threads
  crawl --site ID [--wait] [--timeout SECONDS]
  matches list [--subject ID] [--status pending_review|confirmed|rejected] [--json]
  matches confirm ID...                   only confirmed matches are drafted into requests
  matches reject ID...
  subject update ID [--name N] [--email E] [--phone P] [--address A]   details for notices
  subject situation ID [--owns-copyright yes|no|unknown] [--region us|eu|other|unknown]
                                          decides the legal regimes of their notices
  site set-contact ID EMAIL | --clear     where the site's notices go first (else RDAP abuse
                                          contact, registrar, security.txt)
  site jurisdiction ID us|eu|other|unknown

takedowns (notices: drafted by the notifier, approved and sent by a person)
  takedowns list [--status S] [--subject ID] [--site ID] [--overdue] [--json]
  takedowns show ID                       the notice, its recipient and why, its regimes
  takedowns regime ID REGIME[,REGIME]|auto  dmca-512c3, take-it-down, eu-dsa-16, ncii-policy
  takedowns approve ID [--by NAME] [--reason TEXT]   refused while a required detail is missing
  takedowns send ID [--by NAME]           by SMTP ($TDM_SMTP_URL, $TDM_SMTP_FROM or
                                          HOME/smtp.conf); the removal deadline starts
  takedowns verify [ID]                   re-fetch the listed URLs now (else on a schedule)
  takedowns escalate ID --to hosting-abuse|registrar-abuse|security-txt|site|search-engine|EMAIL
                        --reason TEXT [--by NAME]   after the deadline, a refusal or a part removal
  takedowns mark ID STATUS --reason TEXT [--by NAME]  acknowledged, removed, partially_removed,
                                          rejected, overdue, escalated, draft (back for
                                          changes), withdrawn; sent (sent outside tdm)
  takedowns history ID                    every move: when, from, to, who, why
  takedowns evidence ID [--warc FILE]     what each page showed when sighted and checked
  takedowns export --format csv|lumen-json|eml [--out PATH] [list filters]
  templates check [DIR]                   load the notice templates (default: the notifier's) and
                                          name any statutory element one lacks (exit 1)
  takedowns deadline [REGIME [DURATION]] [--check-every DURATION]   per-regime removal
                                          deadline (take-it-down 48h) and re-check interval

hashes (ThreatExchange / python-threatexchange PDQ formats)
  hash [--json] FILE|DIR...               file, pdq, quality, sha256, md5 of each image
  hashes import (--subject ID | --list NAME) FILE
  hashes export [--subject ID] [--csv]
)";

int Up(const Home& home, const Args&) {
  Status s = StackUp(home);
  if (!s.ok()) return Fail(s);
  std::cout << StackStatus(home) << "stack is up\n";
  return 0;
}

int Down(const Home& home, const Args&) {
  Status s = StackDown(home);
  if (!s.ok()) return Fail(s);
  std::cout << "stack is down\n";
  return 0;
}

int StatusCmd(const Home& home, const Args&) {
  std::cout << StackStatus(home);
  return 0;
}

int Migrate(const Home& home, const Args& args) {
  auto dsn = ResolvePgDsn(home, args.Get("--pg"));
  if (!dsn.ok()) return Fail(dsn);
  auto applied = ApplyMigrations(*dsn);
  if (!applied.ok()) return Fail(applied);
  std::cout << "applied " << *applied << " migration(s); schema at version "
            << Migrations().back().version << "\n";
  return 0;
}

int SubjectAdd(const Home& home, const Args& a) {
  SubjectInput in{a.Get("--name").value_or(""), a.Get("--email").value_or(""),
                  a.Get("--phone").value_or(""), a.Get("--address").value_or("")};
  if (auto d = a.Get("--auto-confirm-distance")) {
    char* end = nullptr;
    long n = std::strtol(d->c_str(), &end, 10);
    if (d->empty() || *end != '\0') {
      return Fail(Status::InvalidArgument("--auto-confirm-distance must be a number"));
    }
    in.auto_confirm_distance = static_cast<int>(n);
  }
  auto id = AddSubject(home, in);
  if (!id.ok()) return Fail(id);
  std::cout << "subject " << *id << "\n";
  return 0;
}

int SubjectDelete(const Home& home, const Args& a) {
  auto id = OneId(a, "subject id");
  if (!id.ok()) return Fail(id);
  auto erased = DeleteSubject(home, *id);
  if (!erased.ok()) return Fail(erased);
  std::cout << "erased " << erased->hash_profiles << " hash profile(s), " << erased->face_profiles
            << " face profile(s), " << erased->matches << " match(es), " << erased->takedowns
            << " takedown request(s) and " << erased->crawled_faces
            << " stored crawled face(s); deleted subject " << *id << "\n";
  return 0;
}

int FaceProfileAdd(const Home& home, int64_t subject, const Args& a) {
  auto report = AddFaceProfiles(home, subject, a.positional());
  if (!report.ok()) return Fail(report);
  for (const auto& r : report->refused) std::cerr << "tdm: refused " << r << "\n";
  std::cout << report->added << " face(s) registered as embeddings, " << report->already_known
            << " already known, " << report->refused.size()
            << " refused; the photos themselves were not stored; subject " << subject << "\n";
  return report->refused.empty() ? 0 : 1;
}

int ProfileAdd(const Home& home, const Args& a) {
  auto subject = a.GetId("--subject");
  if (!subject.ok()) return Fail(subject);
  if (a.Has("--faces")) return FaceProfileAdd(home, *subject, a);
  auto report = AddProfiles(home, *subject, a.positional());
  if (!report.ok()) return Fail(report);
  for (const auto& r : report->refused) std::cerr << "tdm: refused " << r << "\n";
  std::cout << report->added << " photo(s) hashed and registered (" << report->hashes
            << " hashes with variants), " << report->already_known << " already known, "
            << report->refused.size() << " refused; the photos themselves were not stored; subject "
            << *subject << "\n";
  return report->refused.empty() ? 0 : 1;
}

int SiteAdd(const Home& home, const Args& a) {
  if (a.positional().size() != 1) return Fail(Status::InvalidArgument("give exactly one URL"));
  auto id =
      AddSite(home, a.Get("--name").value_or(""), a.positional()[0], a.Has("--allow-private"));
  if (!id.ok()) return Fail(id);
  std::cout << "site " << *id << "\n";
  return 0;
}

int SitePoliteness(const Home& home, const Args& a) {
  auto id = OneId(a, "site id");
  if (!id.ok()) return Fail(id);
  PolitenessOverride change;
  for (auto [flag, field] : {std::pair{"--delay-ms", &change.delay_ms},
                             std::pair{"--concurrency", &change.concurrency}}) {
    if (auto v = a.Get(flag)) {
      char* end = nullptr;
      const long n = std::strtol(v->c_str(), &end, 10);
      if (v->empty() || *end != '\0') {
        return Fail(Status::InvalidArgument(std::string(flag) + " must be a number"));
      }
      *field = static_cast<int>(n);
    }
  }
  change.reason = a.Get("--reason").value_or("");
  change.clear = a.Has("--default");
  auto now = SetSitePoliteness(home, *id, change);
  if (!now.ok()) return Fail(now);
  std::cout << "politeness: " << *now << "; site " << *id << "\n";
  return 0;
}

int SiteRobots(const Home& home, const Args& a) {
  auto id = OneId(a, "site id");
  if (!id.ok()) return Fail(id);
  if (a.Has("--ignore") == a.Has("--obey")) {
    return Fail(Status::InvalidArgument("give --ignore (with --reason) or --obey"));
  }
  auto now = SetSiteRobots(home, *id, a.Has("--obey"), a.Get("--reason").value_or(""));
  if (!now.ok()) return Fail(now);
  std::cout << *now << "; site " << *id << "\n";
  return 0;
}

// Space-separated patterns (a normalised URL path has no spaces).
std::vector<std::string> Words(const std::optional<std::string>& text) {
  std::vector<std::string> out;
  std::istringstream in(text.value_or(""));
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

int SiteScope(const Home& home, const Args& a) {
  auto id = OneId(a, "site id");
  if (!id.ok()) return Fail(id);
  auto now = SetSiteScope(home, *id, Words(a.Get("--include")), Words(a.Get("--exclude")));
  if (!now.ok()) return Fail(now);
  std::cout << "scope: " << *now << "; site " << *id << "\n";
  return 0;
}

int SiteSession(const Home& home, const Args& a) {
  auto id = OneId(a, "site id");
  if (!id.ok()) return Fail(id);
  auto now = SetSiteSession(home, *id, a.GetAll("--header"), a.Get("--cookie").value_or(""));
  if (!now.ok()) return Fail(now);
  std::cout << "session: " << *now << "; site " << *id << "\n";
  return 0;
}

int SiteLimitsCmd(const Home& home, const Args& a) {
  auto id = OneId(a, "site id");
  if (!id.ok()) return Fail(id);
  SiteLimits change;
  change.reset = a.Has("--default");
  const std::pair<const char*, std::optional<int64_t>*> flags[] = {
      {"--max-depth", &change.max_depth},
      {"--max-pages", &change.max_pages},
      {"--max-url-length", &change.max_url_length},
      {"--max-params", &change.max_query_params},
      {"--max-segments", &change.max_path_segments},
      {"--calendar-days", &change.calendar_window_days}};
  for (const auto& [flag, field] : flags) {
    auto text = a.Get(flag);
    if (!text) continue;
    char* end = nullptr;
    const long long v = std::strtoll(text->c_str(), &end, 10);
    if (text->empty() || *end != '\0') {
      return Fail(Status::InvalidArgument(std::string(flag) + " takes a whole number"));
    }
    *field = v;
  }
  auto now = SetSiteLimits(home, *id, change);
  if (!now.ok()) return Fail(now);
  std::cout << "limits: " << *now << "; site " << *id << "\n";
  return 0;
}

int SiteSchedule(const Home& home, const Args& a) {
  if (a.positional().size() != 2) {
    return Fail(Status::InvalidArgument("give a site id and how often, e.g. 6h, or off"));
  }
  auto id = ParseId(a.positional()[0], "site id");
  if (!id.ok()) return Fail(id);
  std::optional<std::chrono::seconds> every;
  if (a.positional()[1] != "off") {
    auto parsed = crawler::ParseEvery(a.positional()[1]);
    if (!parsed.ok()) return Fail(parsed);
    every = *parsed;
  }
  auto now = SetSiteSchedule(home, *id, every);
  if (!now.ok()) return Fail(now);
  std::cout << "schedule: " << *now << "; site " << *id << "\n";
  return 0;
}

int Crawl(const Home& home, const Args& a) {
  auto site = a.GetId("--site");
  if (!site.ok()) return Fail(site);
  auto crawl = StartCrawl(home, *site);
  if (!crawl.ok()) return Fail(crawl);
  if (!a.Has("--wait")) {
    std::cout << "crawl " << *crawl << "\n";
    return 0;
  }
  double timeout = std::atof(a.Get("--timeout").value_or("600").c_str());
  auto report = WaitForCrawl(home, *crawl, timeout > 0 ? timeout : 600);
  if (!report.ok()) return Fail(report);
  std::cout << report->Summary() << "\ncrawl " << *crawl << "\n";
  return 0;
}

int MatchesList(const Home& home, const Args& a) {
  int64_t subject = 0;
  if (a.Get("--subject")) {
    auto id = a.GetId("--subject");
    if (!id.ok()) return Fail(id);
    subject = *id;
  }
  auto text = ListMatches(home, subject, a.Has("--json"), a.Get("--status").value_or(""));
  if (!text.ok()) return Fail(text);
  std::cout << *text;
  return 0;
}

Result<std::vector<int64_t>> Ids(const Args& a, const std::string& what) {
  std::vector<int64_t> ids;
  for (const auto& p : a.positional()) {
    auto id = ParseId(p, what);
    if (!id.ok()) return id.status();
    ids.push_back(*id);
  }
  if (ids.empty()) return Status::InvalidArgument("give at least one " + what);
  return ids;
}

int Review(const Args& a, const Home& home, bool confirm) {
  auto ids = Ids(a, "match id");
  if (!ids.ok()) return Fail(ids);
  auto n = ReviewMatches(home, *ids, confirm);
  if (!n.ok()) return Fail(n);
  std::cout << (confirm ? "confirmed " : "rejected ") << *n << " match(es):";
  for (int64_t id : *ids) std::cout << " " << id;
  std::cout << "\n";
  return 0;
}

int MatchesConfirm(const Home& home, const Args& a) { return Review(a, home, true); }
int MatchesReject(const Home& home, const Args& a) { return Review(a, home, false); }

int ProfileDelete(const Home& home, const Args& a) {
  auto ids = Ids(a, "profile id");
  if (!ids.ok()) return Fail(ids);
  const bool faces = a.Has("--faces");
  for (int64_t id : *ids) {
    if (Status s = faces ? DeleteFaceProfile(home, id) : DeleteProfile(home, id); !s.ok()) {
      return Fail(s);
    }
    std::cout << "deleted " << (faces ? "face profile " : "profile ") << id << "\n";
  }
  return 0;
}

int Hash(const Home&, const Args& a) {
  if (a.positional().empty()) return Fail(Status::InvalidArgument("give files or folders"));
  return HashFiles(a.positional(), a.Has("--json")) == 0 ? 0 : 1;
}

int HashesImport(const Home& home, const Args& a) {
  if (a.positional().size() != 1) return Fail(Status::InvalidArgument("give one file"));
  std::optional<int64_t> subject;
  if (a.Get("--subject")) {
    auto id = a.GetId("--subject");
    if (!id.ok()) return Fail(id);
    subject = *id;
  }
  auto r = ImportHashes(home, a.positional()[0], subject, a.Get("--list").value_or(""));
  if (!r.ok()) return Fail(r);
  for (const auto& why : r->refused) std::cerr << "tdm: refused " << why << "\n";
  std::cout << "imported " << r->imported << " hash(es), " << r->duplicates << " already known, "
            << r->refused.size() << " line(s) refused; subject " << r->subject_id << "\n";
  return r->refused.empty() ? 0 : 1;
}

int HashesExport(const Home& home, const Args& a) {
  int64_t subject = 0;
  if (a.Get("--subject")) {
    auto id = a.GetId("--subject");
    if (!id.ok()) return Fail(id);
    subject = *id;
  }
  auto text = ExportHashes(home, subject, a.Has("--csv"));
  if (!text.ok()) return Fail(text);
  std::cout << *text;
  return 0;
}

const std::set<std::string> kServiceFlags = {"--kafka", "--pg", "--metrics-file", "--metrics-addr"};

const std::map<std::string, Command>& Commands() {
  static const std::map<std::string, Command> kCommands = {
      {"up", {{}, {}, Up}},
      {"down", {{}, {}, Down}},
      {"status", {{}, {}, StatusCmd}},
      {"migrate", {{"--pg"}, {}, Migrate}},
      {"demo", {{"--port"}, {}, RunDemoCommand}},
      {"broker", {{"--brokers"}, {"--verbose"}, RunBrokerCommand}},
      {"crawler", {kServiceFlags, {"--verbose"}, RunCrawlerCommand}},
      {"matcher", {kServiceFlags, {"--verbose"}, RunMatcherCommand}},
      {"notifier", {kServiceFlags, {"--verbose"}, RunNotifierCommand}},
      {"subject add",
       {{"--name", "--email", "--phone", "--address", "--auto-confirm-distance"}, {}, SubjectAdd}},
      {"subject delete", {{}, {}, SubjectDelete, true}},
      {"profile add", {{"--subject"}, {"--faces"}, ProfileAdd, true}},
      {"profile delete", {{}, {"--faces"}, ProfileDelete, true}},
      {"site add", {{"--name"}, {"--allow-private"}, SiteAdd, true}},
      {"site robots", {{"--reason"}, {"--ignore", "--obey"}, SiteRobots, true}},
      {"site scope", {{"--include", "--exclude"}, {}, SiteScope, true}},
      {"site session", {{"--header", "--cookie"}, {}, SiteSession, true}},
      {"site schedule", {{}, {}, SiteSchedule, true}},
      {"site limits",
       {{"--max-depth", "--max-pages", "--max-url-length", "--max-params", "--max-segments",
         "--calendar-days"},
        {"--default"},
        SiteLimitsCmd,
        true}},
      {"site politeness",
       {{"--delay-ms", "--concurrency", "--reason"}, {"--default"}, SitePoliteness, true}},
      {"crawl", {{"--site", "--timeout"}, {"--wait"}, Crawl}},
      {"matches list", {{"--subject", "--status"}, {"--json"}, MatchesList}},
      {"matches confirm", {{}, {}, MatchesConfirm, true}},
      {"matches reject", {{}, {}, MatchesReject, true}},
      {"hash", {{}, {"--json"}, Hash, true}},
      {"hashes import", {{"--subject", "--list"}, {}, HashesImport, true}},
      {"hashes export", {{"--subject"}, {"--csv"}, HashesExport}},
  };
  return kCommands;
}

const Command* FindCommand(const std::string& name) {
  if (auto it = Commands().find(name); it != Commands().end()) return &it->second;
  if (auto it = TakedownCommands().find(name); it != TakedownCommands().end()) return &it->second;
  return nullptr;
}

}  // namespace

int Main(int argc, char** argv) {
  std::vector<std::string> words(argv + 1, argv + argc);
  if (words.empty() || words[0] == "-h" || words[0] == "--help" || words[0] == "help") {
    std::cout << kUsage;
    return words.empty() ? 2 : 0;
  }
  std::string name = words[0];
  size_t consumed = 1;
  if (!FindCommand(name) && words.size() > 1 && FindCommand(name + " " + words[1])) {
    name += " " + words[1];
    consumed = 2;
  }
  const Command* command = FindCommand(name);
  if (command == nullptr) {
    std::cerr << "tdm: error: unknown command '" << name << "' (tdm --help lists them)\n";
    return 2;
  }
  std::vector<std::string> rest(words.begin() + consumed, words.end());
  auto args = Args::Parse(rest, command->value_flags, command->switches);
  if (!args.ok()) return Fail(args);
  if (!command->positional_ok && !args->positional().empty()) {
    return Fail(Status::InvalidArgument("unexpected argument '" + args->positional()[0] + "'"));
  }
  auto home = Home::Resolve(args->Get("--home"));
  if (!home.ok()) return Fail(home);
  spdlog::set_pattern("[%Y-%m-%d %H:%M:%S.%e] [%l] %v");
  return command->run(*home, *args);
}

}  // namespace tdm::cli

int main(int argc, char** argv) { return tdm::cli::Main(argc, argv); }
