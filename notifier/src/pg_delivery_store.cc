#include <nlohmann/json.hpp>
#include <random>

#include "pg_drafting.h"
#include "tdm/common/pg_adapter.h"
#include "tdm/notifier/delivery_store.h"
#include "tdm/notifier/email.h"
#include "tdm/notifier/lifecycle.h"
#include "tdm/notifier/regimes.h"
#include "tdm/notifier/schedule_sql.h"

namespace tdm::notifier {
namespace {

using nlohmann::json;

// The statuses whose content is checked: sent and not yet settled.
constexpr const char* kCheckedStatuses =
    "('sent', 'acknowledged', 'overdue', 'escalated', 'partially_removed')";

json CandidatesJson(const std::vector<Recipient>& candidates) {
  json out = json::array();
  for (const auto& c : candidates) {
    out.push_back({{"email", c.email}, {"source", c.source}, {"kind", c.kind}});
  }
  return out;
}

std::vector<Recipient> CandidatesFrom(const std::string& text) {
  std::vector<Recipient> out;
  const json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_array()) return out;
  for (const auto& c : j) {
    if (!c.is_object()) continue;
    Recipient r;
    r.email = c.value("email", "");
    r.source = c.value("source", "");
    r.kind = c.value("kind", "");
    out.push_back(std::move(r));
  }
  return out;
}

ItemToCheck ItemFrom(const pqxx::row& r, int first) {
  ItemToCheck item;
  item.page_url = r[first].as<std::string>();
  item.image_url = r[first + 1].as<std::string>();
  item.sha256_hex = r[first + 2].as<std::string>();
  item.pdq_hex = r[first + 3].as<std::string>();
  item.allow_private = r[first + 4].as<bool>();
  item.private_host = r[first + 5].as<std::string>();
  const json headers = json::parse(r[first + 6].as<std::string>(), nullptr, false);
  if (headers.is_array()) {
    for (const auto& h : headers) {
      if (h.is_string()) item.session_headers.push_back(h.get<std::string>());
    }
  }
  item.session_cookie = r[first + 7].as<std::string>();
  return item;
}

// Columns ItemFrom reads, for items joined to their match, sighting, image
// and site (aliases i, s, img, site).
constexpr const char* kItemColumns =
    " i.page_url, i.image_url, encode(img.sha256, 'hex'), encode(img.pdq, 'hex'),"
    " coalesce(site.allow_private, false),"
    " coalesce(substring(site.seed_url from '^[a-zA-Z]+://([^/:?#]+)'), ''),"
    " coalesce(array_to_json(sec.headers)::text, '[]'), coalesce(sec.cookie, '')";
constexpr const char* kItemJoins =
    " JOIN matches m ON m.id = i.match_id JOIN sightings s ON s.id = m.sighting_id"
    " JOIN images img ON img.id = s.image_id LEFT JOIN sites site ON site.id = s.site_id"
    " LEFT JOIN site_secrets sec ON sec.site_id = site.id";

void InsertEvidence(pqxx::work& tx, const EvidenceRecord& e) {
  tx.exec_params(
      "INSERT INTO evidence (takedown_id, item_id, kind, url, final_url, http_status, headers,"
      " image_url, image_sha256, image_pdq, verdict, reason, warc)"
      " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, NULLIF($13::bytea, ''))",
      e.takedown_id, e.item_id, e.kind, e.url, e.final_url, e.http_status, e.headers, e.image_url,
      e.image_sha256, e.image_pdq, e.verdict, e.reason, ByteaParam(tx, e.warc));
}

class PgDeliveryStore final : public DeliveryStore {
 public:
  explicit PgDeliveryStore(std::string dsn) : pg_(std::move(dsn)) {}

  Result<std::vector<PrepareJob>> Unprepared(size_t limit) override {
    return pg_.Transact([&](pqxx::work& tx) {
      std::vector<PrepareJob> out;
      for (const auto& r : tx.exec_params(
               "SELECT t.id, coalesce((SELECT substring(i.page_url from '^[a-zA-Z]+://[^/?#]+')"
               "   FROM takedown_items i WHERE i.takedown_id = t.id ORDER BY i.id LIMIT 1), ''),"
               " coalesce(site.contact_email, ''), coalesce(site.allow_private, false)"
               " FROM takedowns t LEFT JOIN sites site ON site.id = t.site_id"
               " WHERE t.prepared_at IS NULL AND t.status = 'draft' ORDER BY t.id LIMIT $1",
               static_cast<int64_t>(limit))) {
        PrepareJob job;
        job.takedown_id = r[0].as<int64_t>();
        job.origin = r[1].as<std::string>();
        job.site_contact = r[2].as<std::string>();
        job.allow_private = r[3].as<bool>();
        out.push_back(std::move(job));
      }
      return out;
    });
  }

  Result<std::optional<RecipientResolution>> CachedRecipients(const std::string& origin) override {
    return pg_.Transact([&](pqxx::work& tx) -> std::optional<RecipientResolution> {
      auto r = tx.exec_params(
          "SELECT candidates::text, array_to_json(problems)::text FROM recipient_cache"
          " WHERE origin = $1 AND expires_at > now()",
          origin);
      if (r.empty()) return std::nullopt;
      RecipientResolution found;
      found.candidates = CandidatesFrom(r[0][0].as<std::string>());
      const json problems = json::parse(r[0][1].as<std::string>(), nullptr, false);
      if (problems.is_array()) {
        for (const auto& p : problems) {
          if (p.is_string()) found.problems.push_back(p.get<std::string>());
        }
      }
      return found;
    });
  }

  Status CacheRecipients(const std::string& origin, const RecipientResolution& found,
                         std::chrono::seconds ttl) override {
    return pg_
        .Transact([&](pqxx::work& tx) {
          tx.exec_params(
              "INSERT INTO recipient_cache (origin, candidates, problems, resolved_at, expires_at)"
              " VALUES ($1, $2::jsonb, $3::text[], now(), now() + make_interval(secs => $4))"
              " ON CONFLICT (origin) DO UPDATE SET candidates = EXCLUDED.candidates,"
              " problems = EXCLUDED.problems, resolved_at = now(),"
              " expires_at = EXCLUDED.expires_at",
              origin, CandidatesJson(found.candidates).dump(), PgTextArray(found.problems),
              static_cast<double>(ttl.count()));
          return true;
        })
        .status();
  }

  Status Prepare(const PrepareJob& job, const RecipientResolution& found,
                 const std::function<Draft(const DraftInput&)>& draft) override {
    return pg_
        .Transact([&](pqxx::work& tx) {
          auto t = tx.exec_params(
              "SELECT t.regimes_set_by IS NULL, coalesce(s.owns_copyright::text, ''), s.region,"
              " coalesce(site.jurisdiction, ''),"
              " NOT EXISTS (SELECT 1 FROM takedown_items i JOIN matches m ON m.id = i.match_id"
              "   WHERE i.takedown_id = t.id AND m.kind <> 'face')"
              " FROM takedowns t JOIN subjects s ON s.id = t.subject_id"
              " LEFT JOIN sites site ON site.id = t.site_id"
              " WHERE t.id = $1 AND t.status = 'draft' FOR UPDATE OF t",
              job.takedown_id);
          if (t.empty()) return false;
          const std::vector<Recipient>& candidates = found.candidates;
          const Recipient first = candidates.empty() ? Recipient() : candidates.front();
          tx.exec_params(
              "UPDATE takedowns SET recipient_email = $2, recipient_source = $3,"
              " recipients = $4::jsonb, prepared_at = now() WHERE id = $1",
              job.takedown_id, first.email, first.source, CandidatesJson(candidates).dump());
          if (t[0][0].as<bool>()) {
            SubjectSituation subject;
            const std::string owns = t[0][1].as<std::string>();
            if (!owns.empty()) subject.owns_copyright = owns == "true";
            subject.region = t[0][2].as<std::string>();
            HostSituation host;
            host.jurisdiction = t[0][3].as<std::string>();
            tx.exec_params("UPDATE takedowns SET regimes = $2::text[] WHERE id = $1",
                           job.takedown_id,
                           PgTextArray(ChooseRegimes(subject, host, t[0][4].as<bool>())));
          }
          RedraftInTx(tx, job.takedown_id, draft);
          return true;
        })
        .status();
  }

  Result<int> UnprepareDrafts() override {
    return pg_.Transact([](pqxx::work& tx) {
      return static_cast<int>(
          tx.exec("UPDATE takedowns SET prepared_at = NULL WHERE status = 'draft'")
              .affected_rows());
    });
  }

  Status Redraft(int64_t id, const std::function<Draft(const DraftInput&)>& draft) override {
    return pg_
        .Transact([&](pqxx::work& tx) {
          if (tx.exec_params("SELECT 1 FROM takedowns WHERE id = $1 FOR UPDATE", id).empty()) {
            return false;
          }
          RedraftInTx(tx, id, draft);
          return true;
        })
        .status();
  }

  Result<std::vector<EvidenceJob>> ItemsWithoutEvidence(size_t limit) override {
    return pg_.Transact([&](pqxx::work& tx) {
      std::vector<EvidenceJob> out;
      for (const auto& r : tx.exec_params(
               std::string("SELECT i.takedown_id, i.id, m.kind,") + kItemColumns +
                   " FROM takedown_items i JOIN takedowns t ON t.id = i.takedown_id" + kItemJoins +
                   " WHERE t.status <> 'withdrawn' AND NOT EXISTS (SELECT 1 FROM evidence e"
                   "   WHERE e.item_id = i.id AND e.kind = 'sighting')"
                   " ORDER BY i.id LIMIT $1",
               static_cast<int64_t>(limit))) {
        EvidenceJob job;
        job.takedown_id = r[0].as<int64_t>();
        job.item_id = r[1].as<int64_t>();
        job.match_kind = r[2].as<std::string>();
        job.item = ItemFrom(r, 3);
        out.push_back(std::move(job));
      }
      return out;
    });
  }

  Status RecordEvidence(const std::vector<EvidenceRecord>& records) override {
    return pg_
        .Transact([&](pqxx::work& tx) {
          for (const auto& e : records) InsertEvidence(tx, e);
          return true;
        })
        .status();
  }

  Result<std::vector<CheckJob>> ChecksDue(std::optional<int64_t> only, bool due_only,
                                          size_t limit) override {
    return pg_.Transact([&](pqxx::work& tx) {
      std::vector<CheckJob> out;
      auto requests = tx.exec_params(
          std::string("SELECT t.id, t.status FROM takedowns t WHERE (t.status IN ") +
              kCheckedStatuses + " OR (t.status = 'removed' AND t.watch_until > now()))" +
              " AND ($1 = 0 OR t.id = $1) AND (NOT $2 OR coalesce(t.next_check_at, now()) <= now())"
              " ORDER BY coalesce(t.next_check_at, now()), t.id LIMIT $3",
          only.value_or(0), due_only, static_cast<int64_t>(limit));
      for (const auto& req : requests) {
        CheckJob job;
        job.takedown_id = req[0].as<int64_t>();
        job.status = req[1].as<std::string>();
        for (const auto& r : tx.exec_params(std::string("SELECT i.id,") + kItemColumns +
                                                " FROM takedown_items i" + kItemJoins +
                                                " WHERE i.takedown_id = $1"
                                                " AND (i.state <> 'removed' OR $2 = 'removed')"
                                                " ORDER BY i.id",
                                            job.takedown_id, job.status)) {
          job.item_ids.push_back(r[0].as<int64_t>());
          job.items.push_back(ItemFrom(r, 1));
        }
        out.push_back(std::move(job));
      }
      return out;
    });
  }

  Result<CheckOutcome> RecordChecks(const CheckJob& job,
                                    const std::vector<CheckedItem>& checked) override {
    return pg_.Transact([&](pqxx::work& tx) {
      CheckOutcome out;
      auto t =
          tx.exec_params("SELECT status FROM takedowns WHERE id = $1 FOR UPDATE", job.takedown_id);
      if (t.empty()) return out;
      out.status_before = out.status_after = t[0][0].as<std::string>();
      // A removed request is only watched: its items keep their outcome, and
      // content back at one of its URLs goes to a new draft.
      const bool watching = out.status_before == "removed";
      std::vector<int64_t> back;
      std::string reasons;
      for (const auto& c : checked) {
        const ItemVerdict& v = c.verdict;
        if (watching) {
          ++(v.state == ItemState::kRemoved   ? out.removed
             : v.state == ItemState::kPresent ? out.present
                                              : out.unknown);
          if (v.state == ItemState::kPresent) back.push_back(c.item_id);
        } else {
          tx.exec_params(
              "UPDATE takedown_items SET state = $2, state_reason = $3, checked_at = now(),"
              " checks = checks + 1,"
              " removed_at = CASE WHEN $2 = 'removed' THEN coalesce(removed_at, now()) END"
              " WHERE id = $1",
              c.item_id, ItemStateName(v.state), v.reason);
        }
        EvidenceRecord e;
        e.takedown_id = job.takedown_id;
        e.item_id = c.item_id;
        e.kind = "check";
        for (size_t k = 0; k < job.item_ids.size(); ++k) {
          if (job.item_ids[k] != c.item_id) continue;
          e.url = job.items[k].page_url;
          e.image_url = job.items[k].image_url;
          e.image_sha256 = job.items[k].sha256_hex;
          e.image_pdq = job.items[k].pdq_hex;
        }
        e.final_url = v.page_final_url;
        e.http_status = v.page_status;
        if (v.page_capture) e.headers = v.page_capture->http_headers;
        e.verdict = ItemStateName(v.state);
        e.reason = v.reason;
        e.warc = c.warc;
        InsertEvidence(tx, e);
        if (v.state == ItemState::kRemoved && reasons.size() < 400) {
          reasons += (reasons.empty() ? "" : "; ") + v.reason;
        }
      }
      if (watching) {
        if (!back.empty()) out.reopened_as = ReopenRemoved(tx, job.takedown_id, back);
        tx.exec_params(std::string("UPDATE takedowns SET next_check_at = now() + ") + kWatchEvery +
                           " WHERE id = $1",
                       job.takedown_id);
        return out;
      }
      auto counts = tx.exec_params1(
          "SELECT count(*) FILTER (WHERE state = 'removed'), count(*) FILTER (WHERE state ="
          " 'present'), count(*) FILTER (WHERE state NOT IN ('removed', 'present')), count(*)"
          " FROM takedown_items WHERE takedown_id = $1",
          job.takedown_id);
      out.removed = counts[0].as<int>();
      out.present = counts[1].as<int>();
      out.unknown = counts[2].as<int>();
      const auto from = ParseStatus(out.status_before);
      std::optional<TakedownStatus> to;
      std::string note;
      if (out.removed == counts[3].as<int>() && out.removed > 0) {
        to = TakedownStatus::kRemoved;
        note = "all " + std::to_string(out.removed) + " item(s) verified removed: " + reasons;
      } else if (out.removed > 0 && out.status_before == "overdue") {
        to = TakedownStatus::kPartiallyRemoved;
        note = std::to_string(out.removed) + " of " + counts[3].as<std::string>() +
               " item(s) verified removed after the deadline: " + reasons;
      }
      if (to && from && CanMove(*from, *to)) {
        out.status_after = StatusName(*to);
        tx.exec_params(std::string("UPDATE takedowns SET status = $2, updated_at = now(),"
                                   " next_check_at = CASE WHEN $2 = 'removed' THEN now() + ") +
                           kWatchEvery +
                           " END, watch_until = CASE WHEN $2 = 'removed' THEN now() + " +
                           kWatchFor + " END WHERE id = $1",
                       job.takedown_id, out.status_after);
        tx.exec_params(
            "INSERT INTO takedown_events (takedown_id, from_status, to_status, actor, note)"
            " VALUES ($1, $2, $3, 'tdm', $4)",
            job.takedown_id, out.status_before, out.status_after, note);
      }
      if (out.status_after != "removed") {
        tx.exec_params(std::string("UPDATE takedowns t SET next_check_at = now() + ") +
                           kCheckEverySql + " WHERE id = $1",
                       job.takedown_id);
      }
      return out;
    });
  }

  Result<OutgoingNotice> BeginSend(int64_t id, const std::string& from_address) override {
    auto r = pg_.Transact([&](pqxx::work& tx) -> Result<OutgoingNotice> {
      auto t = tx.exec_params(
          "SELECT status, recipient_email, recipient_source, subject_line, body,"
          " coalesce(message_id, ''), array_to_string(missing, ', '),"
          " coalesce(escalated_to, ''), coalesce(escalated_source, ''), escalation_body,"
          " coalesce(escalation_message_id, ''), escalation_sent_at IS NOT NULL"
          " FROM takedowns WHERE id = $1 FOR UPDATE",
          id);
      if (t.empty()) return Status::NotFound("takedown " + std::to_string(id));
      const auto& row = t[0];
      const std::string status = row[0].as<std::string>();
      OutgoingNotice n;
      n.takedown_id = id;
      std::random_device seed;
      const uint64_t nonce = (static_cast<uint64_t>(seed()) << 32) | seed();
      if (status == "approved") {
        if (!row[6].as<std::string>().empty()) {
          return Status::InvalidArgument("takedown " + std::to_string(id) + " still needs " +
                                         row[6].as<std::string>());
        }
        n.to = row[1].as<std::string>();
        n.to_source = row[2].as<std::string>();
        n.subject = row[3].as<std::string>();
        n.body = row[4].as<std::string>();
        n.message_id = row[5].as<std::string>();
        if (n.message_id.empty()) {
          n.message_id = MakeMessageId(id, from_address, nonce);
          tx.exec_params("UPDATE takedowns SET message_id = $2 WHERE id = $1", id, n.message_id);
        }
      } else if (status == "escalated" && !row[11].as<bool>() &&
                 !row[7].as<std::string>().empty()) {
        n.escalation = true;
        n.to = row[7].as<std::string>();
        n.to_source = row[8].as<std::string>();
        n.subject = "Escalation: " + row[3].as<std::string>();
        n.body = row[9].as<std::string>();
        n.references = row[5].as<std::string>();
        n.message_id = row[10].as<std::string>();
        if (n.message_id.empty()) {
          n.message_id = MakeMessageId(id, from_address, nonce);
          tx.exec_params("UPDATE takedowns SET escalation_message_id = $2 WHERE id = $1", id,
                         n.message_id);
        }
      } else {
        return Status::InvalidArgument(
            "takedown " + std::to_string(id) + " is " + status +
            (status == "draft"       ? ": approve it first (tdm takedowns approve)"
             : status == "escalated" ? ": its escalation was sent already, or has no recipient"
                                     : ": only an approved request, or an escalation, is sent"));
      }
      if (n.to.empty()) {
        return Status::InvalidArgument("takedown " + std::to_string(id) + " has no recipient");
      }
      return n;
    });
    if (!r.ok()) return r.status();
    return *r;
  }

  Result<std::string> FinishSend(const OutgoingNotice& n, const std::string& actor,
                                 const std::string& via) override {
    return pg_.Transact([&](pqxx::work& tx) {
      const std::string from = n.escalation ? "escalated" : "approved";
      const std::string to = n.escalation ? "escalated" : "sent";
      // The escalation keeps the first notice's sent_at / sent_to.
      auto due =
          tx.exec_params1(std::string("UPDATE takedowns t SET status = $2, updated_at = now(),") +
                              (n.escalation ? " escalation_sent_at = now(), escalated_to = $3,"
                                            : " sent_at = now(), sent_to = $3,") +
                              " sent_via = $4, deadline_at = now() + " + kDeadlineSql +
                              ", next_check_at = now() + " + kCheckEverySql +
                              " WHERE id = $1 RETURNING to_char(deadline_at AT TIME ZONE 'UTC',"
                              " 'YYYY-MM-DD HH24:MI \"UTC\"')",
                          n.takedown_id, to, n.to, via);
      const std::string note = std::string(n.escalation ? "escalation sent to " : "sent to ") +
                               n.to + " (" + n.to_source + ") via " + via + ", Message-ID <" +
                               n.message_id + ">; removal due by " + due[0].as<std::string>();
      tx.exec_params(
          "INSERT INTO takedown_events (takedown_id, from_status, to_status, actor, note)"
          " VALUES ($1, $2, $3, $4, $5)",
          n.takedown_id, from, to, actor, note);
      return "takedown " + std::to_string(n.takedown_id) + ": " + note;
    });
  }

  Status SendFailed(const OutgoingNotice& n, const std::string& actor,
                    const std::string& error) override {
    return pg_
        .Transact([&](pqxx::work& tx) {
          const std::string status = n.escalation ? "escalated" : "approved";
          tx.exec_params(
              "INSERT INTO takedown_events (takedown_id, from_status, to_status, actor, note)"
              " VALUES ($1, $2, $2, $3, $4)",
              n.takedown_id, status, actor, "sending to " + n.to + " failed: " + error);
          return true;
        })
        .status();
  }

 private:
  PgSession pg_;
};

}  // namespace

std::unique_ptr<DeliveryStore> MakePgDeliveryStore(const std::string& dsn) {
  return std::make_unique<PgDeliveryStore>(dsn);
}

}  // namespace tdm::notifier
