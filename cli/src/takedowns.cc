#include "takedowns.h"

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "admin.h"
#include "stack_db.h"
#include "tdm/notifier/schedule_sql.h"

namespace tdm::cli {
namespace {

using nlohmann::json;
using notifier::TakedownStatus;

std::string NextMoves(TakedownStatus from) {
  std::string out;
  for (TakedownStatus s : notifier::NextStatuses(from)) {
    out += (out.empty() ? "" : ", ") + std::string(notifier::StatusName(s));
  }
  return out.empty() ? "none (final)" : out;
}

}  // namespace

std::string ActorName(const std::optional<std::string>& by) {
  if (by && !by->empty()) return *by;
  for (const char* var : {"SUDO_USER", "USER", "LOGNAME"}) {
    if (const char* v = std::getenv(var); v != nullptr && *v != '\0') return v;
  }
  return "cli";
}

Result<std::string> ListTakedowns(const Home& home, bool as_json, const TakedownFilter& filter) {
  return InStackDb(home, [&](pqxx::work& tx) {
    auto rows = tx.exec_params(
        "SELECT t.id, t.subject_id, t.host, t.status, count(i.id),"
        " to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
        " array_to_string(t.missing, ', '), array_to_json(t.regimes)::text,"
        " coalesce(json_agg(json_build_object('page', i.page_url, 'image', i.image_url,"
        "   'match', i.match_id, 'state', i.state, 'reason', i.state_reason) ORDER BY i.id)"
        "   FILTER (WHERE i.id IS NOT NULL), '[]')::text,"
        " coalesce(to_char(t.deadline_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
        "''),"
        " t.recipient_email, t.recipient_source, coalesce(t.message_id, ''),"
        " array_to_json(t.cites)::text, count(i.id) FILTER (WHERE i.state = 'removed'),"
        " coalesce(to_char(t.deadline_at AT TIME ZONE 'UTC', 'MM-DD HH24:MI'), '-')"
        " FROM takedowns t LEFT JOIN takedown_items i ON i.takedown_id = t.id"
        " WHERE ($1 = '' OR t.status = $1) AND ($2 = 0 OR t.subject_id = $2)"
        "   AND ($3 = 0 OR EXISTS (SELECT 1 FROM takedown_items x JOIN matches m ON m.id = "
        "x.match_id"
        "        JOIN sightings s ON s.id = m.sighting_id"
        "        WHERE x.takedown_id = t.id AND s.site_id = $3))"
        "   AND (NOT $4 OR t.status = 'overdue' OR (t.status IN ('sent', 'acknowledged')"
        "        AND t.deadline_at < now()))"
        " GROUP BY t.id ORDER BY t.id",
        filter.status ? notifier::StatusName(*filter.status) : "", filter.subject_id.value_or(0),
        filter.site_id.value_or(0), filter.overdue);
    if (as_json) {
      json out = json::array();
      for (const auto& r : rows) {
        out.push_back({{"id", r[0].as<int64_t>()},
                       {"subject", r[1].as<int64_t>()},
                       {"host", r[2].as<std::string>()},
                       {"status", r[3].as<std::string>()},
                       {"regimes", json::parse(r[7].as<std::string>())},
                       {"items", json::parse(r[8].as<std::string>())},
                       {"deadline", r[9].as<std::string>()},
                       {"recipient",
                        {{"email", r[10].as<std::string>()}, {"source", r[11].as<std::string>()}}},
                       {"message_id", r[12].as<std::string>()},
                       {"cites", json::parse(r[13].as<std::string>())},
                       {"created_at", r[5].as<std::string>()},
                       {"missing", r[6].as<std::string>()}});
      }
      return out.dump(2) + "\n";
    }
    std::string out = Pad("ID", 6) + Pad("SUBJECT", 9) + Pad("STATUS", 18) + Pad("GONE", 7) +
                      Pad("HOST", 22) + Pad("RECIPIENT", 28) + Pad("DUE (UTC)", 13) +
                      "STILL NEEDED\n";
    for (const auto& r : rows) {
      const std::string to = r[10].as<std::string>();
      out += Pad(r[0].as<std::string>(), 6) + Pad(r[1].as<std::string>(), 9) +
             Pad(r[3].as<std::string>(), 18) +
             Pad(r[14].as<std::string>() + "/" + r[4].as<std::string>(), 7) +
             Pad(r[2].as<std::string>(), 21) + " " + Pad(to.empty() ? "-" : to, 27) + " " +
             Pad(r[15].as<std::string>(), 13) + r[6].as<std::string>() + "\n";
    }
    out += std::to_string(rows.size()) + " takedown request(s)\n";
    return out;
  });
}

Result<std::string> ShowTakedown(const Home& home, int64_t id) {
  auto text = InStackDb(home, [&](pqxx::work& tx) -> std::optional<std::string> {
    auto t = tx.exec_params(
        "SELECT status, host, subject_line, body, array_to_string(missing, ', '),"
        " recipient_email, recipient_source, array_to_string(regimes, ', '),"
        " coalesce(regimes_set_by, ''), array_to_string(cites, ', '),"
        " coalesce(escalated_to, ''), coalesce(escalated_source, ''), escalation_body"
        " FROM takedowns WHERE id = $1",
        id);
    if (t.empty()) return std::nullopt;
    std::string out = "Takedown request " + std::to_string(id) + " (" + t[0][0].as<std::string>() +
                      ") to " + t[0][1].as<std::string>() + "\n";
    const std::string to = t[0][5].as<std::string>();
    out += "To: " + (to.empty() ? std::string("(no recipient yet)") : to) +
           (t[0][6].as<std::string>().empty() ? "" : "  [" + t[0][6].as<std::string>() + "]") +
           "\n";
    out += "Regimes: " + t[0][7].as<std::string>() +
           (t[0][8].as<std::string>().empty() ? " (chosen by tdm)"
                                              : " (set by " + t[0][8].as<std::string>() + ")") +
           "\n";
    if (!t[0][9].as<std::string>().empty()) {
      out += "Re-upload of the content of request(s): " + t[0][9].as<std::string>() + "\n";
    }
    if (!t[0][4].as<std::string>().empty()) {
      out += "Still needed before sending: " + t[0][4].as<std::string>() + "\n";
    }
    out += "Subject: " + t[0][2].as<std::string>() + "\n\n" + t[0][3].as<std::string>();
    if (!out.empty() && out.back() != '\n') out += "\n";
    if (const std::string escalation = t[0][12].as<std::string>(); !escalation.empty()) {
      const std::string to = t[0][10].as<std::string>();
      out += "\n========== Escalation to " + (to.empty() ? std::string("(no email)") : to) + "  [" +
             t[0][11].as<std::string>() + "]\n\n" + escalation;
      if (out.back() != '\n') out += "\n";
    }
    return out;
  });
  if (!text.ok()) return text.status();
  if (!text->has_value()) return Status::NotFound("takedown " + std::to_string(id));
  return **text;
}

Result<std::string> MoveTakedown(const Home& home, int64_t id, TakedownStatus to,
                                 const std::string& actor, const std::string& reason) {
  if (reason.empty()) return Status::InvalidArgument("--reason is required: every move says why");
  auto moved = InStackDb(home, [&](pqxx::work& tx) -> Result<std::string> {
    auto t = tx.exec_params(
        "SELECT status, array_to_string(missing, ', '), array_to_json(regimes)::text"
        " FROM takedowns WHERE id = $1 FOR UPDATE",
        id);
    if (t.empty()) return Status::NotFound("takedown " + std::to_string(id));
    const std::string from_name = t[0][0].as<std::string>();
    const auto from = notifier::ParseStatus(from_name);
    if (!from || !notifier::CanMove(*from, to)) {
      return Status::InvalidArgument(
          "takedown " + std::to_string(id) + " is " + from_name + ": it can move to " +
          (from ? NextMoves(*from) : std::string("nothing")) + ", not " + notifier::StatusName(to));
    }
    const std::string missing = t[0][1].as<std::string>();
    if (to == TakedownStatus::kApproved && !missing.empty()) {
      return Status::InvalidArgument("takedown " + std::to_string(id) +
                                     " cannot be approved: it still needs " + missing);
    }
    tx.exec_params("UPDATE takedowns SET status = $2, updated_at = now() WHERE id = $1", id,
                   notifier::StatusName(to));
    if (to == TakedownStatus::kRemoved) {  // watched for the content coming back
      tx.exec_params(std::string("UPDATE takedowns SET watch_until = now() + ") +
                         notifier::kWatchFor + ", next_check_at = now() + " +
                         notifier::kWatchEvery + " WHERE id = $1",
                     id);
    }
    std::string deadline;
    if (to == TakedownStatus::kSent) {  // sent outside tdm: the host's time starts now
      auto due = tx.exec_params1(
          std::string("UPDATE takedowns t SET sent_at = now(), deadline_at = now() + ") +
              notifier::kDeadlineSql + ", next_check_at = now() + " + notifier::kCheckEverySql +
              " WHERE id = $1"
              " RETURNING to_char(deadline_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI \"UTC\"')",
          id);
      deadline = "; removal due by " + due[0].as<std::string>();
    }
    tx.exec_params(
        "INSERT INTO takedown_events (takedown_id, from_status, to_status, actor, note)"
        " VALUES ($1, $2, $3, $4, $5)",
        id, from_name, notifier::StatusName(to), actor, reason);
    return "takedown " + std::to_string(id) + ": " + from_name + " -> " + notifier::StatusName(to) +
           " by " + actor + " (" + reason + ")" + deadline;
  });
  if (!moved.ok()) return moved.status();
  return *moved;
}

Result<std::string> TakedownHistory(const Home& home, int64_t id) {
  auto text = InStackDb(home, [&](pqxx::work& tx) -> std::optional<std::string> {
    if (tx.exec_params("SELECT 1 FROM takedowns WHERE id = $1", id).empty()) return std::nullopt;
    std::string out;
    for (const auto& r :
         tx.exec_params("SELECT to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
                        " coalesce(from_status, '-'), to_status, actor, note FROM takedown_events"
                        " WHERE takedown_id = $1 ORDER BY id",
                        id)) {
      out += r[0].as<std::string>() + "  " + Pad(r[1].as<std::string>(), 18) + "-> " +
             Pad(r[2].as<std::string>(), 18) + Pad(r[3].as<std::string>(), 12) +
             r[4].as<std::string>() + "\n";
    }
    return out;
  });
  if (!text.ok()) return text.status();
  if (!text->has_value()) return Status::NotFound("takedown " + std::to_string(id));
  return **text;
}

}  // namespace tdm::cli
