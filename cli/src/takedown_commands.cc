// The glue of `tdm takedowns ...` and the settings that decide where and
// under which law a notice goes: parse flags, call the library, print.

#include <iostream>

#include "command.h"
#include "takedown_delivery.h"
#include "takedown_export.h"
#include "takedown_settings.h"
#include "takedowns.h"
#include "tdm/notifier/lifecycle.h"

namespace tdm::cli {
namespace {

// --status, --subject, --site, --overdue, as `takedowns list` takes them.
Result<TakedownFilter> FilterFrom(const Args& a) {
  TakedownFilter filter;
  if (auto status = a.Get("--status")) {
    filter.status = notifier::ParseStatus(*status);
    if (!filter.status) {
      std::string names;
      for (auto s : notifier::AllStatuses())
        names += std::string(names.empty() ? "" : "|") + notifier::StatusName(s);
      return Status::InvalidArgument("--status must be " + names);
    }
  }
  for (const auto& [flag, field] :
       {std::pair{"--subject", &filter.subject_id}, std::pair{"--site", &filter.site_id}}) {
    if (!a.Get(flag)) continue;
    auto id = a.GetId(flag);
    if (!id.ok()) return id.status();
    *field = *id;
  }
  filter.overdue = a.Has("--overdue");
  return filter;
}

int TakedownsList(const Home& home, const Args& a) {
  auto filter = FilterFrom(a);
  if (!filter.ok()) return Fail(filter);
  return Print(ListTakedowns(home, a.Has("--json"), *filter));
}

int TakedownsShow(const Home& home, const Args& a) {
  auto id = OneId(a, "takedown id");
  if (!id.ok()) return Fail(id);
  auto text = ShowTakedown(home, *id);
  if (!text.ok()) return Fail(text);
  std::cout << *text << "takedown " << *id << "\n";
  return 0;
}

int TakedownsApprove(const Home& home, const Args& a) {
  auto id = OneId(a, "takedown id");
  if (!id.ok()) return Fail(id);
  const std::string actor = ActorName(a.Get("--by"));
  auto moved = MoveTakedown(home, *id, notifier::TakedownStatus::kApproved, actor,
                            a.Get("--reason").value_or("approved by " + actor));
  if (!moved.ok()) return Fail(moved);
  std::cout << *moved << "\n";
  return 0;
}

int TakedownsMark(const Home& home, const Args& a) {
  if (a.positional().size() != 2) {
    return Fail(Status::InvalidArgument("give a takedown id and the status it reached"));
  }
  auto id = ParseId(a.positional()[0], "takedown id");
  if (!id.ok()) return Fail(id);
  auto to = notifier::ParseStatus(a.positional()[1]);
  if (!to) {
    return Fail(Status::InvalidArgument("unknown status '" + a.positional()[1] + "'"));
  }
  auto moved =
      MoveTakedown(home, *id, *to, ActorName(a.Get("--by")), a.Get("--reason").value_or(""));
  if (!moved.ok()) return Fail(moved);
  std::cout << *moved << "\n";
  return 0;
}

int TakedownsHistory(const Home& home, const Args& a) {
  auto id = OneId(a, "takedown id");
  if (!id.ok()) return Fail(id);
  auto text = TakedownHistory(home, *id);
  if (!text.ok()) return Fail(text);
  std::cout << *text << "takedown " << *id << "\n";
  return 0;
}

int TakedownsSend(const Home& home, const Args& a) {
  auto id = OneId(a, "takedown id");
  if (!id.ok()) return Fail(id);
  return Print(SendTakedownNow(home, *id, ActorName(a.Get("--by"))));
}

int TakedownsVerify(const Home& home, const Args& a) {
  std::optional<int64_t> id;
  if (!a.positional().empty()) {
    auto one = OneId(a, "takedown id");
    if (!one.ok()) return Fail(one);
    id = *one;
  }
  return Print(VerifyTakedowns(home, id));
}

int TakedownsEscalate(const Home& home, const Args& a) {
  auto id = OneId(a, "takedown id");
  if (!id.ok()) return Fail(id);
  auto to = a.Get("--to");
  if (!to) {
    return Fail(Status::InvalidArgument(
        "--to is required: hosting-abuse, registrar-abuse, security-txt, site, search-engine or "
        "an email address"));
  }
  return Print(
      EscalateTakedown(home, *id, *to, ActorName(a.Get("--by")), a.Get("--reason").value_or("")));
}

int TakedownsExport(const Home& home, const Args& a) {
  auto filter = FilterFrom(a);
  if (!filter.ok()) return Fail(filter);
  std::optional<std::filesystem::path> out;
  if (auto o = a.Get("--out")) out = *o;
  return Print(ExportTakedowns(home, a.Get("--format").value_or("csv"), *filter, out));
}

int TakedownsEvidence(const Home& home, const Args& a) {
  auto id = OneId(a, "takedown id");
  if (!id.ok()) return Fail(id);
  std::optional<std::filesystem::path> out;
  if (auto o = a.Get("--warc")) out = *o;
  return Print(TakedownEvidence(home, *id, out));
}

int TakedownsRegime(const Home& home, const Args& a) {
  if (a.positional().size() != 2) {
    return Fail(Status::InvalidArgument("give a takedown id and its regimes (a,b or auto)"));
  }
  auto id = ParseId(a.positional()[0], "takedown id");
  if (!id.ok()) return Fail(id);
  std::vector<std::string> regimes;
  std::string list = a.positional()[1];
  for (size_t start = 0; start <= list.size();) {
    size_t end = list.find_first_of(",+", start);
    if (end == std::string::npos) end = list.size();
    if (end > start) regimes.push_back(list.substr(start, end - start));
    start = end + 1;
  }
  return Print(SetTakedownRegimes(home, *id, regimes, ActorName(a.Get("--by"))));
}

int TakedownsDeadline(const Home& home, const Args& a) {
  if (a.positional().empty()) return Print(ListRegimeSettings(home));
  if (a.positional().size() > 2) {
    return Fail(Status::InvalidArgument("give a regime and its deadline (48h, 7d ...)"));
  }
  std::optional<std::string> deadline;
  if (a.positional().size() == 2) deadline = a.positional()[1];
  return Print(SetRegimeDeadline(home, a.positional()[0], deadline, a.Get("--check-every"),
                                 ActorName(a.Get("--by"))));
}

int SiteSetContact(const Home& home, const Args& a) {
  if (a.positional().empty() || a.positional().size() > 2 ||
      (a.positional().size() == 1) != a.Has("--clear")) {
    return Fail(Status::InvalidArgument("give a site id and an email address, or --clear"));
  }
  auto id = ParseId(a.positional()[0], "site id");
  if (!id.ok()) return Fail(id);
  return Print(SetSiteContact(home, *id, a.Has("--clear") ? "" : a.positional()[1]));
}

int SiteJurisdiction(const Home& home, const Args& a) {
  if (a.positional().size() != 2) {
    return Fail(Status::InvalidArgument("give a site id and us, eu, other or unknown"));
  }
  auto id = ParseId(a.positional()[0], "site id");
  if (!id.ok()) return Fail(id);
  return Print(SetSiteJurisdiction(home, *id, a.positional()[1]));
}

int SubjectSituation(const Home& home, const Args& a) {
  auto id = OneId(a, "subject id");
  if (!id.ok()) return Fail(id);
  SubjectSituationChange change;
  change.owns_copyright = a.Get("--owns-copyright");
  change.region = a.Get("--region");
  return Print(SetSubjectSituation(home, *id, change));
}

int SubjectUpdate(const Home& home, const Args& a) {
  auto id = OneId(a, "subject id");
  if (!id.ok()) return Fail(id);
  SubjectDetailsChange change;
  change.name = a.Get("--name");
  change.email = a.Get("--email");
  change.phone = a.Get("--phone");
  change.postal_address = a.Get("--address");
  return Print(SetSubjectDetails(home, *id, change));
}

int TemplatesCheck(const Home&, const Args& a) {
  if (a.positional().size() > 1) return Fail(Status::InvalidArgument("give at most one folder"));
  std::optional<std::string> dir;
  if (!a.positional().empty()) dir = a.positional()[0];
  bool complete = false;
  auto text = CheckTemplates(dir, &complete);
  if (!text.ok()) return Fail(text);
  std::cout << *text;
  return complete ? 0 : 1;
}

}  // namespace

const std::map<std::string, Command>& TakedownCommands() {
  static const std::set<std::string> kFilter = {"--status", "--subject", "--site"};
  static const std::map<std::string, Command> kCommands = {
      {"takedowns list", {kFilter, {"--json", "--overdue"}, TakedownsList}},
      {"takedowns show", {{}, {}, TakedownsShow, true}},
      {"takedowns approve", {{"--by", "--reason"}, {}, TakedownsApprove, true}},
      {"takedowns mark", {{"--by", "--reason"}, {}, TakedownsMark, true}},
      {"takedowns history", {{}, {}, TakedownsHistory, true}},
      {"takedowns send", {{"--by"}, {}, TakedownsSend, true}},
      {"takedowns verify", {{}, {}, TakedownsVerify, true}},
      {"takedowns escalate", {{"--to", "--by", "--reason"}, {}, TakedownsEscalate, true}},
      {"takedowns export",
       {{"--format", "--out", "--status", "--subject", "--site"}, {"--overdue"}, TakedownsExport}},
      {"takedowns evidence", {{"--warc"}, {}, TakedownsEvidence, true}},
      {"takedowns regime", {{"--by"}, {}, TakedownsRegime, true}},
      {"takedowns deadline", {{"--check-every", "--by"}, {}, TakedownsDeadline, true}},
      {"templates check", {{}, {}, TemplatesCheck, true}},
      {"site set-contact", {{}, {"--clear"}, SiteSetContact, true}},
      {"site jurisdiction", {{}, {}, SiteJurisdiction, true}},
      {"subject situation", {{"--owns-copyright", "--region"}, {}, SubjectSituation, true}},
      {"subject update", {{"--name", "--email", "--phone", "--address"}, {}, SubjectUpdate, true}},
  };
  return kCommands;
}

}  // namespace tdm::cli
