#include "takedown_delivery.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "stack_db.h"
#include "tdm/common/fetcher.h"
#include "tdm/notifier/delivery.h"
#include "tdm/notifier/escalation.h"
#include "tdm/notifier/lifecycle.h"
#include "tdm/notifier/warc.h"

namespace tdm::cli {
namespace {

using nlohmann::json;

std::string Trim(const std::string& s) {
  const size_t a = s.find_first_not_of(" \t\r");
  if (a == std::string::npos) return "";
  return s.substr(a, s.find_last_not_of(" \t\r") - a + 1);
}

}  // namespace

Result<notifier::SmtpConfig> LoadSmtpConfig(const Home& home) {
  notifier::SmtpConfig c;
  const auto path = home.root() / "smtp.conf";
  if (std::filesystem::exists(path)) {
    auto text = ReadSmallFile(path);
    if (!text.ok()) return text.status();
    std::istringstream lines(*text);
    std::string line;
    for (int n = 1; std::getline(lines, line); ++n) {
      line = Trim(line.substr(0, line.find('#')));
      if (line.empty()) continue;
      const size_t eq = line.find('=');
      if (eq == std::string::npos) {
        return Status::InvalidArgument(path.string() + ":" + std::to_string(n) +
                                       ": expected key = value");
      }
      const std::string key = Trim(line.substr(0, eq)), value = Trim(line.substr(eq + 1));
      if (key == "url") {
        c.url = value;
      } else if (key == "from") {
        c.from = value;
      } else if (key == "from_name") {
        c.from_name = value;
      } else if (key == "user") {
        c.username = value;
      } else if (key == "password") {
        c.password = value;
      } else if (key == "require_tls") {
        c.require_tls = value == "yes" || value == "true";
      } else {
        return Status::InvalidArgument(path.string() + ":" + std::to_string(n) + ": unknown key '" +
                                       key + "'");
      }
    }
  }
  c = notifier::SmtpConfig::FromEnv(c);
  if (Status s = c.Validate(); !s.ok()) {
    return Status::InvalidArgument(s.message() + " (set it in " + path.string() +
                                   " or TDM_SMTP_URL / TDM_SMTP_FROM)");
  }
  return c;
}

Result<std::string> SendTakedownNow(const Home& home, int64_t id, const std::string& actor) {
  auto smtp = LoadSmtpConfig(home);
  if (!smtp.ok()) return smtp.status();
  auto dsn = Dsn(home);
  if (!dsn.ok()) return dsn.status();
  auto store = notifier::MakePgDeliveryStore(*dsn);
  auto mailer = notifier::MakeCurlMailer(*smtp);
  return notifier::SendTakedown(*store, *mailer, *smtp, id, actor);
}

Result<std::string> VerifyTakedowns(const Home& home, std::optional<int64_t> id) {
  auto dsn = Dsn(home);
  if (!dsn.ok()) return dsn.status();
  auto store = notifier::MakePgDeliveryStore(*dsn);
  FetcherOptions options;
  if (const char* ua = std::getenv("TDM_USER_AGENT"); ua != nullptr && *ua != '\0') {
    options.user_agent = ua;
  }
  auto fetcher = MakeCurlFetcher(options);
  notifier::RemovalCheckOptions check_options;
  check_options.politeness = notifier::kNoticePoliteness;
  notifier::RemovalChecker checker(*fetcher, check_options);
  notifier::RemovalVerifier verifier(*store, checker);
  auto reports = verifier.Run(id, /*due_only=*/false, 1000);
  if (!reports.ok()) return reports.status();
  if (id && reports->empty()) {
    return Status::InvalidArgument("takedown " + std::to_string(*id) +
                                   " has nothing to check: a sent request's items not yet removed"
                                   " are checked, and a removed request's for 90 days");
  }
  std::string out;
  for (const auto& r : *reports) {
    out +=
        "takedown " + std::to_string(r.takedown_id) + ": " + r.outcome.status_before +
        (r.outcome.status_after != r.outcome.status_before ? " -> " + r.outcome.status_after : "") +
        " (" + std::to_string(r.outcome.removed) + " removed, " +
        std::to_string(r.outcome.present) + " still up, " + std::to_string(r.outcome.unknown) +
        " unknown)" +
        (r.outcome.reopened_as
             ? "; back online: listed again in request " + std::to_string(r.outcome.reopened_as)
             : std::string()) +
        "\n";
    for (const auto& line : r.lines) out += "  " + line + "\n";
  }
  out += std::to_string(reports->size()) + " request(s) checked\n";
  return out;
}

Result<std::string> EscalateTakedown(const Home& home, int64_t id, const std::string& target,
                                     const std::string& actor, const std::string& reason) {
  if (reason.empty()) return Status::InvalidArgument("--reason is required: every move says why");
  auto done = InStackDb(home, [&](pqxx::work& tx) -> Result<std::string> {
    auto t = tx.exec_params(
        "SELECT status, host, coalesce(sent_to, recipient_email),"
        " coalesce(to_char(sent_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI \"UTC\"'), ''),"
        " coalesce(to_char(deadline_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI \"UTC\"'), ''),"
        " recipients::text, subject_line, body FROM takedowns WHERE id = $1 FOR UPDATE",
        id);
    if (t.empty()) return Status::NotFound("takedown " + std::to_string(id));
    const std::string status = t[0][0].as<std::string>();
    const auto from = notifier::ParseStatus(status);
    if (!from || !notifier::CanMove(*from, notifier::TakedownStatus::kEscalated)) {
      return Status::InvalidArgument("takedown " + std::to_string(id) + " is " + status +
                                     ": only an overdue, rejected or partly removed request is "
                                     "escalated");
    }
    std::string email, source, kind = target;
    if (target == "search-engine") {
      source = "search-engine delisting (submit through the engines' forms: tdm takedowns export)";
    } else if (target.find('@') != std::string::npos) {
      email = target;
      kind = "other";
      source = "given by " + actor;
    } else {
      const json candidates = json::parse(t[0][5].as<std::string>(), nullptr, false);
      std::string kinds;
      for (const auto& c : candidates.is_array() ? candidates : json::array()) {
        if (!c.is_object()) continue;
        const std::string k = c.value("kind", "");
        kinds += (kinds.empty() ? "" : ", ") + k;
        if (k == target && email.empty()) {
          email = c.value("email", "");
          source = c.value("source", "");
        }
      }
      if (email.empty()) {
        return Status::InvalidArgument(
            "takedown " + std::to_string(id) + " has no " + target +
            " contact (found: " + (kinds.empty() ? std::string("none") : kinds) +
            "); give an address instead, or search-engine");
      }
    }
    notifier::EscalationInput in;
    in.request_id = id;
    in.kind = kind;
    in.host = t[0][1].as<std::string>();
    in.first_recipient = t[0][2].as<std::string>();
    in.sent_at = t[0][3].as<std::string>();
    in.deadline = t[0][4].as<std::string>();
    in.status = status;
    in.original_subject = t[0][6].as<std::string>();
    in.original_body = t[0][7].as<std::string>();
    for (const auto& r :
         tx.exec_params("SELECT DISTINCT image_url FROM takedown_items WHERE takedown_id = $1"
                        " AND state <> 'removed' ORDER BY 1",
                        id)) {
      in.still_up.push_back(r[0].as<std::string>());
    }
    const notifier::EscalationText text = notifier::DraftEscalation(in);
    // The new recipient's deadline starts when the escalation is sent.
    tx.exec_params(
        "UPDATE takedowns SET status = 'escalated', updated_at = now(), escalated_to = $2,"
        " escalated_source = $3, escalation_body = $4, escalation_message_id = NULL,"
        " escalation_sent_at = NULL, deadline_at = NULL WHERE id = $1",
        id, email, source, text.body);
    tx.exec_params(
        "INSERT INTO takedown_events (takedown_id, from_status, to_status, actor, note)"
        " VALUES ($1, $2, 'escalated', $3, $4)",
        id, status, actor,
        reason + " (to " + (email.empty() ? target : email) + ": " + source + ")");
    return "takedown " + std::to_string(id) + ": " + status + " -> escalated by " + actor +
           "; escalation drafted to " + (email.empty() ? target : email) + " (" + source + ")" +
           (email.empty() ? "" : "; send it with tdm takedowns send " + std::to_string(id));
  });
  if (!done.ok()) return done.status();
  return *done;
}

Result<std::string> TakedownEvidence(const Home& home, int64_t id,
                                     const std::optional<std::filesystem::path>& warc_out) {
  auto text = InStackDb(home, [&](pqxx::work& tx) -> Result<std::string> {
    if (tx.exec_params("SELECT 1 FROM takedowns WHERE id = $1", id).empty()) {
      return Status::NotFound("takedown " + std::to_string(id));
    }
    std::string out, warc;
    int records = 0;
    for (const auto& r : tx.exec_params(
             "SELECT to_char(captured_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
             " kind, http_status, url, image_url, verdict, reason, image_sha256, warc"
             " FROM evidence WHERE takedown_id = $1 ORDER BY id",
             id)) {
      out += r[0].as<std::string>() + "  " + Pad(r[1].as<std::string>(), 9) +
             Pad(std::to_string(r[2].as<int>()), 5) + Pad(r[5].as<std::string>(), 9) +
             r[3].as<std::string>() + "\n    image " + r[4].as<std::string>() + " sha256 " +
             r[7].as<std::string>().substr(0, 16) + "...  " + r[6].as<std::string>() + "\n";
      if (!r[8].is_null()) {
        warc += ByteaValue(r[8]);
        ++records;
      }
    }
    if (warc_out) {
      const std::string info = notifier::WarcInfoRecord(
          warc_out->filename().string(), std::chrono::system_clock::now(),
          {{"software", "tdm"},
           {"description", "evidence of tdm request #" + std::to_string(id)},
           {"format", "WARC File Format 1.1"}},
          notifier::NewWarcRecordId(std::random_device{}(), static_cast<uint64_t>(id)));
      std::ofstream f(*warc_out, std::ios::binary | std::ios::trunc);
      f << info << warc;
      if (!f) return Status::Unavailable("cannot write " + warc_out->string());
      out += "wrote " + std::to_string(records) + " page record(s) to " + warc_out->string() + "\n";
    }
    return out.empty() ? std::string("no evidence yet\n") : out;
  });
  if (!text.ok()) return text.status();
  return *text;
}

}  // namespace tdm::cli
