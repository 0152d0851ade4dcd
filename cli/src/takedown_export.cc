#include "takedown_export.h"

#include <fstream>
#include <nlohmann/json.hpp>

#include "stack_db.h"
#include "takedown_delivery.h"
#include "tdm/notifier/delivery.h"
#include "tdm/notifier/email.h"

namespace tdm::cli {
namespace {

using nlohmann::json;

// RFC 4180 quoting; a leading = + - @ (or tab / CR) would make a spreadsheet
// run the cell as a formula (CSV injection), so it gets a "'" first.
std::string Cell(const std::string& v) {
  std::string s = v;
  if (!s.empty() && std::string("=+-@\t\r").find(s[0]) != std::string::npos) s = "'" + s;
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// The requests the filter selects (same rules as `takedowns list`).
constexpr const char* kFilterSql =
    " WHERE ($1 = '' OR t.status = $1) AND ($2 = 0 OR t.subject_id = $2)"
    "   AND ($3 = 0 OR t.site_id = $3)"
    "   AND (NOT $4 OR t.status = 'overdue' OR (t.status IN ('sent', 'acknowledged')"
    "        AND t.deadline_at < now()))";

constexpr const char* kTime = "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'";

std::string Csv(pqxx::work& tx, const TakedownFilter& f) {
  std::string out =
      "request,status,host,regimes,recipient,recipient_source,sent_at,deadline,message_id,"
      "page_url,image_url,item_state,state_reason,checked_at,removed_at\n";
  const std::string t = std::string(" AT TIME ZONE 'UTC', ") + kTime + "), '')";
  for (const auto& r : tx.exec_params(
           "SELECT t.id, t.status, t.host, array_to_string(t.regimes, '+'), t.recipient_email,"
           " t.recipient_source, coalesce(to_char(t.sent_at" +
               t + ", coalesce(to_char(t.deadline_at" + t +
               ", coalesce(t.message_id, ''), i.page_url, i.image_url, i.state, i.state_reason,"
               " coalesce(to_char(i.checked_at" +
               t + ", coalesce(to_char(i.removed_at" + t +
               " FROM takedowns t JOIN takedown_items i ON i.takedown_id = t.id" + kFilterSql +
               " ORDER BY t.id, i.id",
           f.status ? notifier::StatusName(*f.status) : "", f.subject_id.value_or(0),
           f.site_id.value_or(0), f.overdue)) {
    for (int c = 0; c < 15; ++c) out += (c ? "," : "") + Cell(r[c].as<std::string>());
    out += "\n";
  }
  return out;
}

std::string LumenJson(pqxx::work& tx, const TakedownFilter& f) {
  json notices = json::array();
  for (const auto& r : tx.exec_params(
           std::string("SELECT t.id, t.subject_line, array_to_json(t.regimes)::text, t.host,"
                       " t.recipient_email, coalesce(to_char(t.sent_at AT TIME ZONE 'UTC', ") +
               kTime +
               "), ''), t.status,"
               " (SELECT json_agg(DISTINCT i.image_url) FROM takedown_items i"
               "  WHERE i.takedown_id = t.id)::text,"
               " (SELECT json_agg(DISTINCT i.page_url) FROM takedown_items i"
               "  WHERE i.takedown_id = t.id)::text"
               " FROM takedowns t" +
               kFilterSql + " AND t.sent_at IS NOT NULL ORDER BY t.id",
           f.status ? notifier::StatusName(*f.status) : "", f.subject_id.value_or(0),
           f.site_id.value_or(0), f.overdue)) {
    const auto regimes = json::parse(r[2].as<std::string>());
    bool dmca = false, eu = false;
    for (const auto& g : regimes) {
      dmca = dmca || g == "dmca-512c3";
      eu = eu || g == "eu-dsa-16";
    }
    json urls = json::array();
    for (const auto& u : json::parse(r[7].is_null() ? "[]" : r[7].as<std::string>())) {
      urls.push_back({{"url", u}});
    }
    for (const auto& u : json::parse(r[8].is_null() ? "[]" : r[8].as<std::string>())) {
      urls.push_back({{"url", u}});
    }
    std::string status = r[6].as<std::string>();
    notices.push_back(
        {{"notice",
          {{"title", r[1].as<std::string>()},
           {"type", dmca ? "DMCA" : "Other"},
           {"subject", "Non-consensual intimate imagery"},
           {"date_sent", r[5].as<std::string>()},
           {"source", "Email"},
           {"jurisdiction_list", eu ? (dmca ? "US, EU" : "EU") : "US"},
           {"action_taken", status == "removed"             ? "Yes"
                            : status == "partially_removed" ? "Partial"
                                                            : "Unspecified"},
           {"tag_list", "ncii, tdm, " + regimes.dump()},
           {"works_attributes",
            {{{"description", "Intimate images of a private individual published without consent"},
              {"kind", "photograph"},
              {"infringing_urls_attributes", urls}}}},
           {"entity_notice_roles_attributes",
            {{{"name", "recipient"},
              {"entity_attributes",
               {{"name", r[3].as<std::string>()},
                {"kind", "organization"},
                {"email", r[4].as<std::string>()}}}},
             {{"name", "sender"},
              {"entity_attributes",
               {{"name", "Private individual (redacted)"}, {"kind", "individual"}}}}}}}}});
  }
  return notices.dump(2) + "\n";
}

Result<std::string> Eml(const Home& home, const TakedownFilter& f,
                        const std::optional<std::filesystem::path>& out_dir) {
  auto smtp = LoadSmtpConfig(home);
  if (!smtp.ok()) return smtp.status();
  auto dsn = Dsn(home);
  if (!dsn.ok()) return dsn.status();
  auto ids = InStackDb(home, [&](pqxx::work& tx) {
    std::vector<int64_t> out;
    for (const auto& r : tx.exec_params(
             std::string("SELECT t.id FROM takedowns t") + kFilterSql +
                 " AND t.status NOT IN ('draft', 'withdrawn') AND t.recipient_email <> ''"
                 " ORDER BY t.id",
             f.status ? notifier::StatusName(*f.status) : "", f.subject_id.value_or(0),
             f.site_id.value_or(0), f.overdue)) {
      out.push_back(r[0].as<int64_t>());
    }
    return out;
  });
  if (!ids.ok()) return ids.status();
  const std::filesystem::path dir = out_dir.value_or("tdm-eml");
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::Unavailable("cannot create " + dir.string() + ": " + ec.message());
  auto store = notifier::MakePgDeliveryStore(*dsn);
  std::string out;
  for (int64_t id : *ids) {
    auto notice = store->BeginSend(id, smtp->from);  // fixes an approved one's Message-ID
    if (!notice.ok()) {
      // Already sent: the message as it went.
      auto sent = InStackDb(home, [&](pqxx::work& tx) {
        auto r = tx.exec_params1(
            "SELECT coalesce(sent_to, recipient_email), recipient_source, subject_line, body,"
            " coalesce(message_id, '') FROM takedowns WHERE id = $1",
            id);
        notifier::OutgoingNotice n;
        n.takedown_id = id;
        n.to = r[0].as<std::string>();
        n.to_source = r[1].as<std::string>();
        n.subject = r[2].as<std::string>();
        n.body = r[3].as<std::string>();
        n.message_id = r[4].as<std::string>();
        return n;
      });
      if (!sent.ok()) return sent.status();
      notice = *sent;
    }
    if (notice->message_id.empty()) {
      notice->message_id = notifier::MakeMessageId(id, smtp->from, static_cast<uint64_t>(id));
    }
    const auto path = dir / ("tdm-request-" + std::to_string(id) + ".eml");
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    file << notifier::FormatRfc5322(notifier::NoticeEmail(*notice, *smtp));
    if (!file) return Status::Unavailable("cannot write " + path.string());
    out += path.string() + "  to " + notice->to + "  Message-ID <" + notice->message_id + ">\n";
  }
  return out + std::to_string(ids->size()) + " message(s) written\n";
}

}  // namespace

Result<std::string> ExportTakedowns(const Home& home, const std::string& format,
                                    const TakedownFilter& filter,
                                    const std::optional<std::filesystem::path>& out_dir) {
  if (format == "eml") return Eml(home, filter, out_dir);
  if (format != "csv" && format != "lumen-json") {
    return Status::InvalidArgument("--format must be csv, lumen-json or eml");
  }
  auto text = InStackDb(home, [&](pqxx::work& tx) {
    return format == "csv" ? Csv(tx, filter) : LumenJson(tx, filter);
  });
  if (!text.ok()) return text.status();
  if (out_dir) {
    std::ofstream file(*out_dir, std::ios::binary | std::ios::trunc);
    file << *text;
    if (!file) return Status::Unavailable("cannot write " + out_dir->string());
    return "wrote " + out_dir->string() + "\n";
  }
  return *text;
}

}  // namespace tdm::cli
