#include "pg_drafting.h"

#include <nlohmann/json.hpp>
#include <string>

namespace tdm::notifier {

void RedraftInTx(pqxx::work& tx, int64_t id, const DraftFn& draft) {
  auto t = tx.exec_params1(
      "SELECT t.host, s.name, coalesce(s.email, ''), coalesce(s.phone, ''),"
      " coalesce(s.postal_address, ''),"
      " to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI \"UTC\"'),"
      " t.recipient_email, t.recipient_source, array_to_json(t.regimes)::text,"
      " t.prepared_at IS NOT NULL"
      " FROM takedowns t JOIN subjects s ON s.id = t.subject_id WHERE t.id = $1",
      id);
  DraftInput in;
  in.request_id = id;
  in.host = t[0].as<std::string>();
  in.subject.name = t[1].as<std::string>();
  in.subject.email = t[2].as<std::string>();
  in.subject.phone = t[3].as<std::string>();
  in.subject.postal_address = t[4].as<std::string>();
  in.drafted_at_utc = t[5].as<std::string>();
  in.recipient_email = t[6].as<std::string>();
  in.recipient_source = t[7].as<std::string>();
  for (const auto& r : tx.exec_params("SELECT unnest(regimes) FROM takedowns WHERE id = $1", id)) {
    in.regimes.push_back(r[0].as<std::string>());
  }
  const bool prepared = t[9].as<bool>();
  for (const auto& row : tx.exec_params(
           "SELECT i.page_url, i.image_url, m.distance,"
           " to_char(s.first_seen AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI \"UTC\"'),"
           " m.kind = 'face', encode(img.sha256, 'hex'), encode(img.pdq, 'hex')"
           " FROM takedown_items i JOIN matches m ON m.id = i.match_id"
           " JOIN sightings s ON s.id = m.sighting_id JOIN images img ON img.id = s.image_id"
           " WHERE i.takedown_id = $1 ORDER BY i.id",
           id)) {
    InfringingItem item;
    item.page_url = row[0].as<std::string>();
    item.image_url = row[1].as<std::string>();
    item.distance = row[2].as<int>();
    item.first_seen_utc = row[3].as<std::string>();
    item.by_face_only = row[4].as<bool>();
    item.sha256_hex = row[5].as<std::string>();
    item.pdq_hex = row[6].as<std::string>();
    in.items.push_back(std::move(item));
  }
  for (const auto& row : tx.exec_params(
           "SELECT c.id, c.host,"
           " coalesce(to_char(c.sent_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), ''),"
           " coalesce((SELECT array_to_json(array_agg(DISTINCT i.image_url)) FROM takedown_items i"
           "           WHERE i.takedown_id = c.id), '[]')::text"
           " FROM takedowns t JOIN takedowns c ON c.id = ANY(t.cites) WHERE t.id = $1"
           " ORDER BY c.id",
           id)) {
    CitedRequest cited;
    cited.request_id = row[0].as<int64_t>();
    cited.host = row[1].as<std::string>();
    cited.sent_at_utc = row[2].as<std::string>();
    const auto urls = nlohmann::json::parse(row[3].as<std::string>(), nullptr, false);
    if (urls.is_array()) {
      for (const auto& u : urls) {
        if (u.is_string()) cited.urls.push_back(u.get<std::string>());
      }
    }
    in.cites.push_back(std::move(cited));
  }
  Draft d = draft(in);
  if (in.recipient_email.empty()) {
    d.missing.push_back(prepared ? "recipient (none found: set one with tdm site set-contact)"
                                 : "recipient (being looked up)");
  }
  tx.exec_params(
      "UPDATE takedowns SET subject_line = $2, body = $3, missing = $4::text[],"
      " updated_at = now() WHERE id = $1",
      id, d.subject_line, d.body, PgTextArray(d.missing));
}

void LockDrafting(pqxx::work& tx, int64_t subject_id, const std::string& host) {
  tx.exec_params("SELECT pg_advisory_xact_lock($1, hashtext($2))",
                 static_cast<int>(subject_id & 0x7fffffff), host);
}

int64_t OpenDraft(pqxx::work& tx, int64_t subject_id, const std::string& host,
                  std::optional<int64_t> site_id, const std::string& note, bool* opened) {
  auto open = tx.exec_params(
      "SELECT id FROM takedowns WHERE subject_id = $1 AND host = $2 AND status = 'draft'",
      subject_id, host);
  *opened = open.empty();
  if (!open.empty()) return open[0][0].as<int64_t>();
  const int64_t id = tx.exec_params1(
                           "INSERT INTO takedowns (subject_id, host, site_id) VALUES ($1, $2, $3)"
                           " RETURNING id",
                           subject_id, host, site_id)[0]
                         .as<int64_t>();
  tx.exec_params(
      "INSERT INTO takedown_events (takedown_id, from_status, to_status, note)"
      " VALUES ($1, NULL, 'draft', $2)",
      id, note);
  return id;
}

int64_t ReopenRemoved(pqxx::work& tx, int64_t removed_id, const std::vector<int64_t>& item_ids) {
  auto t =
      tx.exec_params1("SELECT subject_id, host, site_id FROM takedowns WHERE id = $1", removed_id);
  const int64_t subject_id = t[0].as<int64_t>();
  const std::string host = t[1].as<std::string>();
  LockDrafting(tx, subject_id, host);
  bool opened = false;
  const int64_t draft = OpenDraft(
      tx, subject_id, host,
      t[2].is_null() ? std::optional<int64_t>() : std::optional<int64_t>(t[2].as<int64_t>()),
      "the content of removed request " + std::to_string(removed_id) + " is back online", &opened);
  std::string urls;
  for (const auto& r :
       tx.exec_params("INSERT INTO takedown_items (takedown_id, match_id, page_url, image_url)"
                      " SELECT $1, match_id, page_url, image_url FROM takedown_items"
                      " WHERE id = ANY($2::bigint[]) ON CONFLICT (takedown_id, match_id) DO NOTHING"
                      " RETURNING image_url",
                      draft, PgNumberArray(item_ids))) {
    urls += (urls.empty() ? "" : " ") + r[0].as<std::string>();
  }
  tx.exec_params(
      "UPDATE takedowns SET cites = ARRAY(SELECT DISTINCT unnest(cites || ARRAY[$2::bigint])"
      " ORDER BY 1), prepared_at = NULL, updated_at = now() WHERE id = $1",
      draft, removed_id);
  if (!urls.empty()) {
    tx.exec_params(
        "INSERT INTO takedown_events (takedown_id, from_status, to_status, actor, note)"
        " VALUES ($1, 'removed', 'removed', 'tdm', $2)",
        removed_id,
        "back online at " + urls + ": listed again in request " + std::to_string(draft));
  }
  return draft;
}

std::vector<int64_t> EarlierRemovedRequests(pqxx::work& tx, int64_t match_id) {
  std::vector<int64_t> out;
  for (const auto& r : tx.exec_params(
           "SELECT DISTINCT t.id FROM matches m JOIN sightings s ON s.id = m.sighting_id,"
           " takedowns t JOIN takedown_items i ON i.takedown_id = t.id"
           " JOIN matches om ON om.id = i.match_id JOIN sightings os ON os.id = om.sighting_id"
           " WHERE m.id = $1 AND t.subject_id = m.subject_id"
           "   AND t.status IN ('removed', 'partially_removed')"
           "   AND (i.state = 'removed' OR t.status = 'removed')"
           "   AND (os.image_id = s.image_id OR om.profile_id = m.profile_id"
           "        OR om.face_profile_id = m.face_profile_id)"
           " ORDER BY t.id",
           match_id)) {
    out.push_back(r[0].as<int64_t>());
  }
  return out;
}

}  // namespace tdm::notifier
