#include "takedown_settings.h"

#include <algorithm>

#include "stack_db.h"
#include "tdm/crawler/recrawl.h"
#include "tdm/notifier/draft.h"
#include "tdm/notifier/email.h"
#include "tdm/notifier/regimes.h"
#include "tdm/notifier/template.h"

namespace tdm::cli {
namespace {

// "us", "eu", "other"; "unknown" is stored as ''.
Result<std::string> Place(const std::string& value, const std::string& what) {
  if (value == "us" || value == "eu" || value == "other") return value;
  if (value == "unknown" || value.empty()) return std::string();
  return Status::InvalidArgument(what + " must be us, eu, other or unknown, not '" + value + "'");
}

std::string Shown(const std::string& place) { return place.empty() ? "unknown" : place; }

// The drafts whose text depends on what changed are prepared again.
void Unprepare(pqxx::work& tx, const std::string& where, int64_t id) {
  tx.exec_params("UPDATE takedowns SET prepared_at = NULL WHERE status = 'draft' AND " + where, id);
}

}  // namespace

Result<std::string> SetSiteContact(const Home& home, int64_t site_id, const std::string& email) {
  if (!email.empty() && !notifier::IsPlausibleEmailAddress(email)) {
    return Status::InvalidArgument("'" + email + "' is not an email address");
  }
  auto found = InStackDb(home, [&](pqxx::work& tx) {
    const bool ok = !tx.exec_params(
                           "UPDATE sites SET contact_email = NULLIF($2, '') WHERE id = $1"
                           " RETURNING id",
                           site_id, email)
                         .empty();
    if (ok) Unprepare(tx, "site_id = $1", site_id);
    return ok;
  });
  if (!found.ok()) return found.status();
  if (!*found) return Status::NotFound("site " + std::to_string(site_id));
  return "site " + std::to_string(site_id) + ": notices go to " +
         (email.empty() ? "the hosting provider's abuse contact (RDAP) or security.txt" : email) +
         "; open drafts will be redrafted";
}

Result<std::string> SetSiteJurisdiction(const Home& home, int64_t site_id,
                                        const std::string& jurisdiction) {
  auto place = Place(jurisdiction, "jurisdiction");
  if (!place.ok()) return place.status();
  auto found = InStackDb(home, [&](pqxx::work& tx) {
    const bool ok = !tx.exec_params("UPDATE sites SET jurisdiction = $2 WHERE id = $1 RETURNING id",
                                    site_id, *place)
                         .empty();
    if (ok) Unprepare(tx, "site_id = $1", site_id);
    return ok;
  });
  if (!found.ok()) return found.status();
  if (!*found) return Status::NotFound("site " + std::to_string(site_id));
  return "site " + std::to_string(site_id) + " operates in: " + Shown(*place);
}

Result<std::string> SetSubjectSituation(const Home& home, int64_t subject_id,
                                        const SubjectSituationChange& change) {
  std::optional<std::string> region;
  if (change.region) {
    auto r = Place(*change.region, "--region");
    if (!r.ok()) return r.status();
    region = *r;
  }
  std::optional<std::string> owns;  // "true", "false", "" (unknown)
  if (change.owns_copyright) {
    const std::string& v = *change.owns_copyright;
    if (v == "yes") {
      owns = "true";
    } else if (v == "no") {
      owns = "false";
    } else if (v == "unknown") {
      owns = "";
    } else {
      return Status::InvalidArgument("--owns-copyright must be yes, no or unknown");
    }
  }
  if (!owns && !region) return Status::InvalidArgument("give --owns-copyright or --region");
  auto row = InStackDb(home, [&](pqxx::work& tx) -> std::optional<std::string> {
    auto r = tx.exec_params(
        "UPDATE subjects SET"
        " owns_copyright = CASE WHEN $2::text IS NULL THEN owns_copyright"
        "   ELSE NULLIF($2, '')::boolean END,"
        " region = coalesce($3, region) WHERE id = $1"
        " RETURNING coalesce(owns_copyright::text, 'unknown'), region",
        subject_id, owns, region);
    if (r.empty()) return std::nullopt;
    Unprepare(tx, "subject_id = $1", subject_id);
    return "subject " + std::to_string(subject_id) +
           ": owns the copyright: " + r[0][0].as<std::string>() +
           ", lives in: " + Shown(r[0][1].as<std::string>());
  });
  if (!row.ok()) return row.status();
  if (!row->has_value()) return Status::NotFound("subject " + std::to_string(subject_id));
  return **row;
}

Result<std::string> SetSubjectDetails(const Home& home, int64_t subject_id,
                                      const SubjectDetailsChange& change) {
  if (!change.name && !change.email && !change.phone && !change.postal_address) {
    return Status::InvalidArgument("give --name, --email, --phone or --address");
  }
  if (change.name && (change.name->empty() || change.name->size() > 200)) {
    return Status::InvalidArgument("--name must be 1 to 200 characters");
  }
  if (change.email && !change.email->empty() && !notifier::IsPlausibleEmailAddress(*change.email)) {
    return Status::InvalidArgument("'" + *change.email + "' is not an email address");
  }
  auto found = InStackDb(home, [&](pqxx::work& tx) {
    const bool ok =
        !tx.exec_params(
               "UPDATE subjects SET name = coalesce($2, name),"
               " email = CASE WHEN $3::text IS NULL THEN email ELSE NULLIF($3, '') END,"
               " phone = CASE WHEN $4::text IS NULL THEN phone ELSE NULLIF($4, '') END,"
               " postal_address = CASE WHEN $5::text IS NULL THEN postal_address"
               "   ELSE NULLIF($5, '') END WHERE id = $1 RETURNING id",
               subject_id, change.name, change.email, change.phone, change.postal_address)
             .empty();
    if (ok) Unprepare(tx, "subject_id = $1", subject_id);
    return ok;
  });
  if (!found.ok()) return found.status();
  if (!*found) return Status::NotFound("subject " + std::to_string(subject_id));
  return "subject " + std::to_string(subject_id) +
         ": details updated; their open drafts will be redrafted";
}

Result<std::string> SetTakedownRegimes(const Home& home, int64_t id,
                                       const std::vector<std::string>& regimes,
                                       const std::string& actor) {
  const bool automatic = regimes.size() == 1 && regimes[0] == "auto";
  std::vector<std::string> chosen;
  if (!automatic) {
    for (const auto& r : regimes) {
      if (!notifier::IsKnownRegime(r)) {
        std::string known;
        for (const auto& k : notifier::KnownRegimes()) known += (known.empty() ? "" : ", ") + k;
        return Status::InvalidArgument("unknown regime '" + r + "' (known: " + known + ", auto)");
      }
      chosen.push_back(r);
    }
    if (chosen.empty()) return Status::InvalidArgument("give one or more regimes, or auto");
    std::sort(chosen.begin(), chosen.end());
    chosen.erase(std::unique(chosen.begin(), chosen.end()), chosen.end());
  }
  auto moved = InStackDb(home, [&](pqxx::work& tx) -> Result<std::string> {
    auto t = tx.exec_params("SELECT status FROM takedowns WHERE id = $1 FOR UPDATE", id);
    if (t.empty()) return Status::NotFound("takedown " + std::to_string(id));
    const std::string status = t[0][0].as<std::string>();
    if (status != "draft" && status != "approved") {
      return Status::InvalidArgument("takedown " + std::to_string(id) + " is " + status +
                                     ": regimes can change only before it is sent");
    }
    if (automatic) {
      tx.exec_params("UPDATE takedowns SET regimes_set_by = NULL, prepared_at = NULL WHERE id = $1",
                     id);
    } else {
      tx.exec_params(
          "UPDATE takedowns SET regimes = $2::text[], regimes_set_by = $3, prepared_at = NULL"
          " WHERE id = $1",
          id, PgTextArray(chosen), actor);
    }
    std::string what = automatic ? "chosen by tdm" : "";
    for (const auto& r : chosen) what += (what.empty() ? "" : "+") + r;
    if (status == "approved") {  // the approver approved other text
      tx.exec_params("UPDATE takedowns SET status = 'draft', updated_at = now() WHERE id = $1", id);
      tx.exec_params(
          "INSERT INTO takedown_events (takedown_id, from_status, to_status, actor, note)"
          " VALUES ($1, 'approved', 'draft', $2, $3)",
          id, actor, "regimes changed to " + what + ": to be approved again");
    }
    return "takedown " + std::to_string(id) + ": regimes " + what +
           (status == "approved" ? "; back to draft for approval" : "") +
           "; the notifier redrafts it";
  });
  if (!moved.ok()) return moved.status();
  return *moved;
}

Result<std::string> CheckTemplates(const std::optional<std::string>& dir, bool* all_complete) {
  const std::filesystem::path from =
      dir ? std::filesystem::path(*dir) : notifier::TemplateSet::DefaultDir();
  auto templates = notifier::TemplateSet::Load(from);
  if (!templates.ok()) return templates.status();
  notifier::DraftInput sample;  // every detail given: only template gaps show
  sample.subject.name = "Sample Person";
  sample.subject.email = "sample@example.org";
  sample.subject.phone = "+1 555 0100";
  sample.subject.postal_address = "1 Example Street, Springfield";
  sample.host = "leaks.example";
  sample.recipient_email = "abuse@hosting.example";
  sample.recipient_source = "RDAP abuse contact";
  sample.drafted_at_utc = "2026-01-01 00:00 UTC";
  sample.request_id = 1;
  for (int i = 1; i <= 2; ++i) {
    notifier::InfringingItem item;
    item.page_url = "https://leaks.example/t/" + std::to_string(i);
    item.image_url = "https://leaks.example/m/" + std::to_string(i) + ".jpg";
    item.first_seen_utc = "2026-01-01 00:00 UTC";
    item.sha256_hex = std::string(64, 'a');
    item.pdq_hex = std::string(64, 'b');
    item.by_face_only = i == 2;
    sample.items.push_back(item);
  }
  *all_complete = true;
  std::string out = "templates in " + from.string() + "\n";
  for (const std::string& file : templates->FileNames()) {
    std::vector<std::string> regimes;
    const std::string stem = file.substr(0, file.rfind(".txt"));
    for (size_t start = 0; start <= stem.size();) {
      const size_t end = std::min(stem.find('+', start), stem.size());
      regimes.push_back(stem.substr(start, end - start));
      start = end + 1;
    }
    sample.regimes = regimes;
    const notifier::Draft d = DraftTakedown(*templates, sample);
    std::string gaps;
    for (const auto& m : d.missing) gaps += (gaps.empty() ? "" : "; ") + m;
    if (!gaps.empty()) *all_complete = false;
    out += "  " + Pad(file, 34) + (gaps.empty() ? "complete" : "MISSING " + gaps) + "\n";
  }
  return out;
}

Result<std::string> ListRegimeSettings(const Home& home) {
  return InStackDb(home, [&](pqxx::work& tx) {
    std::string out = Pad("REGIME", 16) + Pad("DEADLINE", 10) + Pad("CHECK EVERY", 13) + "SET BY\n";
    for (const auto& r :
         tx.exec("SELECT regime, extract(epoch FROM deadline)::bigint,"
                 " extract(epoch FROM check_every)::bigint, updated_by FROM regime_settings"
                 " ORDER BY regime")) {
      out += Pad(r[0].as<std::string>(), 16) +
             Pad(crawler::FormatEvery(std::chrono::seconds(r[1].as<int64_t>())), 10) +
             Pad(crawler::FormatEvery(std::chrono::seconds(r[2].as<int64_t>())), 13) +
             r[3].as<std::string>() + "\n";
    }
    return out;
  });
}

Result<std::string> SetRegimeDeadline(const Home& home, const std::string& regime,
                                      const std::optional<std::string>& deadline,
                                      const std::optional<std::string>& check_every,
                                      const std::string& actor) {
  if (!notifier::IsKnownRegime(regime)) {
    return Status::InvalidArgument("unknown regime '" + regime + "'");
  }
  std::optional<int64_t> deadline_s, check_s;
  for (auto [text, out] : {std::pair{&deadline, &deadline_s}, std::pair{&check_every, &check_s}}) {
    if (!*text) continue;
    auto d = crawler::ParseEvery(**text);
    if (!d.ok()) return d.status();
    *out = d->count();
  }
  if (!deadline_s && !check_s) return ListRegimeSettings(home);
  auto done = InStackDb(home, [&](pqxx::work& tx) {
    tx.exec_params(
        "UPDATE regime_settings SET"
        " deadline = coalesce(make_interval(secs => $2::bigint), deadline),"
        " check_every = coalesce(make_interval(secs => $3::bigint), check_every),"
        " updated_by = $4, updated_at = now() WHERE regime = $1",
        regime, deadline_s, check_s, actor);
    return true;
  });
  if (!done.ok()) return done.status();
  return ListRegimeSettings(home);
}

}  // namespace tdm::cli
