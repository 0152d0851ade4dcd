#include "matches.h"

#include <array>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "admin.h"
#include "stack_db.h"
#include "tdm/common/kafka.h"
#include "tdm/common/messages.h"

namespace tdm::cli {
namespace {

using nlohmann::json;

// "x,y,w,h" as PostgreSQL's array_to_string gives a face box.
std::array<int, 4> FaceBoxOf(const std::string& text) {
  std::array<int, 4> box{};
  std::sscanf(text.c_str(), "%d,%d,%d,%d", &box[0], &box[1], &box[2], &box[3]);
  return box;
}

std::string IdList(const std::vector<int64_t>& ids) {
  std::string out;
  for (int64_t id : ids) out += (out.empty() ? "" : ",") + std::to_string(id);
  return out;
}

}  // namespace

Result<std::string> ListMatches(const Home& home, int64_t subject_id, bool as_json,
                                const std::string& status_filter) {
  if (!status_filter.empty() && status_filter != "pending_review" && status_filter != "confirmed" &&
      status_filter != "rejected") {
    return Status::InvalidArgument("--status must be pending_review, confirmed or rejected");
  }
  return InStackDb(home, [&](pqxx::work& tx) {
    auto rows = tx.exec_params(
        "SELECT m.id, m.subject_id, s.page_url, s.image_url, m.kind, m.distance, m.status,"
        " m.band, m.variant, m.found_by,"
        " to_char(m.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
        " m.face_distance, array_to_string(m.face_box, ','), m.face_profile_id"
        " FROM matches m JOIN sightings s ON s.id = m.sighting_id"
        " WHERE ($1 = 0 OR m.subject_id = $1) AND ($2 = '' OR m.status = $2) ORDER BY m.id",
        subject_id, status_filter);
    if (as_json) {
      json out = json::array();
      for (const auto& r : rows) {
        out.push_back({{"id", r[0].as<int64_t>()},
                       {"subject", r[1].as<int64_t>()},
                       {"page_url", r[2].as<std::string>()},
                       {"image_url", r[3].as<std::string>()},
                       {"kind", r[4].as<std::string>()},
                       {"distance", r[5].as<int>()},
                       {"status", r[6].as<std::string>()},
                       {"band", r[7].as<std::string>()},
                       {"variant", r[8].as<std::string>()},
                       {"found_by", r[9].as<std::string>()},
                       {"created_at", r[10].as<std::string>()}});
        if (!r[11].is_null()) {
          json box = json::array();
          for (int v : FaceBoxOf(r[12].as<std::string>())) box.push_back(v);
          out.back()["face"] = {
              {"distance", r[11].as<double>()},
              {"box", box},
              {"face_profile", r[13].is_null() ? json() : json(r[13].as<int64_t>())}};
        }
      }
      return out.dump(2) + "\n";
    }
    std::string out = Pad("ID", 7) + Pad("SUBJECT", 9) + Pad("DIST", 6) + Pad("BAND", 12) +
                      Pad("STATUS", 16) + "PAGE URL  ->  IMAGE URL\n";
    for (const auto& r : rows) {
      const bool face_only = r[4].as<std::string>() == "face";
      std::string how =
          r[4].as<std::string>() == "pdq" || face_only ? "" : " (" + r[4].as<std::string>() + ")";
      if (!face_only && r[8].as<std::string>() != "orig")
        how += " [" + r[8].as<std::string>() + "]";
      if (!r[11].is_null()) {
        const auto box = FaceBoxOf(r[12].as<std::string>());
        char face[96];
        std::snprintf(face, sizeof(face), " (face %dx%d at %d,%d, distance %.3f)", box[2], box[3],
                      box[0], box[1], r[11].as<double>());
        how += face;
      }
      if (r[9].as<std::string>() == "retro-hunt") how += " {retro-hunt}";
      // A face-only match has no hash distance: its face distance is in `how`.
      out += Pad(r[0].as<std::string>(), 7) + Pad(r[1].as<std::string>(), 9) +
             Pad(face_only ? "-" : r[5].as<std::string>(), 6) + Pad(r[7].as<std::string>(), 12) +
             Pad(r[6].as<std::string>(), 16) + r[2].as<std::string>() + "  ->  " +
             r[3].as<std::string>() + how + "\n";
    }
    out += std::to_string(rows.size()) + " match(es)\n";
    return out;
  });
}

Result<int> ReviewMatches(const Home& home, const std::vector<int64_t>& ids, bool confirm) {
  if (ids.empty()) return Status::InvalidArgument("give at least one match id");
  auto changed = InStackDb(home, [&](pqxx::work& tx) -> Result<std::vector<MatchItem>> {
    auto known = tx.exec("SELECT id FROM matches WHERE id IN (" + IdList(ids) + ")");
    if (known.size() != std::set<int64_t>(ids.begin(), ids.end()).size()) {
      std::set<int64_t> found;
      for (const auto& r : known) found.insert(r[0].as<int64_t>());
      std::vector<int64_t> missing;
      for (int64_t id : ids) {
        if (!found.count(id)) missing.push_back(id);
      }
      return Status::NotFound("match " + IdList(missing));
    }
    std::vector<MatchItem> out;
    for (const auto& r : tx.exec(
             "UPDATE matches SET status = '" + std::string(confirm ? "confirmed" : "rejected") +
             "', reviewed_at = now() WHERE id IN (" + IdList(ids) + ") RETURNING id, subject_id")) {
      out.push_back({r[0].as<int64_t>(), r[1].as<int64_t>()});
    }
    return out;
  });
  if (!changed.ok()) return changed.status();
  if (!changed->ok()) return changed->status();
  if (confirm) {
    // The notifier's sweep drafts confirmed matches even if this is lost.
    auto endpoints = ResolveEndpoints(home, std::nullopt, std::nullopt);
    if (endpoints.ok()) {
      auto producer = MakeKafkaProducer({endpoints->kafka_bootstrap, "tdm-cli"});
      if (producer.ok()) {
        for (const MatchItem& m : **changed) {
          (void)(*producer)->Publish(kMatchesTopic, std::to_string(m.subject_id), m.Encode());
        }
        (void)(*producer)->Flush(std::chrono::seconds(10));
      }
    }
  }
  return static_cast<int>((*changed)->size());
}

Result<std::vector<int64_t>> PendingMatchIds(const Home& home, int64_t subject_id) {
  return InStackDb(home, [&](pqxx::work& tx) {
    std::vector<int64_t> out;
    for (const auto& r :
         tx.exec_params("SELECT id FROM matches WHERE subject_id = $1 AND status = 'pending_review'"
                        " ORDER BY id",
                        subject_id)) {
      out.push_back(r[0].as<int64_t>());
    }
    return out;
  });
}

Status WaitForDrafts(const Home& home, int64_t subject_id, double timeout_s) {
  auto dsn = Dsn(home);
  if (!dsn.ok()) return dsn.status();
  PgSession pg(*dsn);
  const auto until = std::chrono::steady_clock::now() +
                     std::chrono::milliseconds(static_cast<int>(timeout_s * 1000));
  while (true) {
    auto left = pg.Transact([&](pqxx::work& tx) {
      return tx
          .exec_params1(
              "SELECT (SELECT count(*) FROM matches m LEFT JOIN takedown_items i"
              "   ON i.match_id = m.id"
              "   WHERE m.subject_id = $1 AND m.status = 'confirmed' AND i.id IS NULL)"
              " + (SELECT count(*) FROM takedowns WHERE subject_id = $1 AND status = 'draft'"
              "   AND prepared_at IS NULL)",
              subject_id)[0]
          .as<int64_t>();
    });
    if (!left.ok()) return left.status();
    if (*left == 0) return Status::Ok();
    if (std::chrono::steady_clock::now() > until) {
      return Status::Unavailable(std::to_string(*left) +
                                 " confirmed match(es) or draft(s) not drafted and prepared yet;"
                                 " is the notifier running?");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

}  // namespace tdm::cli
