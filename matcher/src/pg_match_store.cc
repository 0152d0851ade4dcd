#include <map>

#include "pg_face_queries.h"
#include "tdm/common/pg.h"
#include "tdm/common/pg_adapter.h"
#include "tdm/common/url.h"
#include "tdm/matcher/match_store.h"

namespace tdm::matcher {
namespace {

PdqHash PdqFromBytes(const std::string& bytes) {
  auto h = PdqHash::FromHex(ToHex(bytes));
  return h.ok() ? *h : PdqHash{};
}

// Inserts (or keeps) one match per hit for a sighting. The subject's policy
// decides whether it is confirmed now; a person's decision is never undone.
void InsertMatches(pqxx::work& tx, int64_t sighting_id, const std::vector<Hit>& hits,
                   const char* found_by) {
  for (const Hit& h : hits) {
    tx.exec_params(
        "INSERT INTO matches (subject_id, profile_id, sighting_id, kind, distance, variant, band,"
        " found_by, status)"
        " SELECT $1, $2, $3, $4, $5, $6, $7, $8,"
        "  CASE WHEN s.auto_confirm_distance >= 0 AND $5 <= s.auto_confirm_distance"
        "   THEN 'confirmed' ELSE 'pending_review' END FROM subjects s WHERE s.id = $1"
        // A hash match outranks a face match of the same sighting: the row
        // becomes a hash match and keeps the face's box and distance.
        " ON CONFLICT (subject_id, sighting_id) DO UPDATE SET"
        "  profile_id = CASE WHEN matches.kind = 'face' THEN EXCLUDED.profile_id"
        "   ELSE matches.profile_id END,"
        "  variant = CASE WHEN matches.kind = 'face' THEN EXCLUDED.variant ELSE matches.variant "
        "END,"
        "  band = CASE WHEN matches.kind = 'face' THEN EXCLUDED.band ELSE matches.band END,"
        "  distance = CASE WHEN matches.kind = 'face' THEN EXCLUDED.distance"
        "   ELSE LEAST(matches.distance, EXCLUDED.distance) END,"
        "  kind = CASE WHEN matches.kind = 'face' THEN EXCLUDED.kind ELSE matches.kind END,"
        "  status = CASE WHEN matches.status = 'pending_review' AND matches.reviewed_at IS NULL"
        "   THEN EXCLUDED.status ELSE matches.status END",
        h.subject_id, h.profile_id, sighting_id, h.kind, h.distance, h.variant,
        BandName(BandOf(h.kind, h.distance)), found_by);
  }
}

std::vector<MatchItem> ConfirmedMatchesOf(pqxx::work& tx, const std::string& where, int64_t id) {
  std::vector<MatchItem> out;
  for (const auto& row : tx.exec_params("SELECT m.id, m.subject_id FROM matches m " + where +
                                            " AND m.status = 'confirmed' ORDER BY m.id",
                                        id)) {
    out.push_back({row[0].as<int64_t>(), row[1].as<int64_t>()});
  }
  return out;
}

// Profiles with their variant hashes, from a query returning
// (profile id, subject id, sha256 hex, md5 hex, variant, pdq, quality) ordered by profile.
std::vector<Profile> ProfilesFrom(const pqxx::result& rows) {
  std::vector<Profile> out;
  for (const auto& row : rows) {
    const int64_t id = row[0].as<int64_t>();
    if (out.empty() || out.back().profile_id != id) {
      out.push_back(
          {id, row[1].as<int64_t>(), row[2].as<std::string>(""), row[3].as<std::string>(""), {}});
    }
    out.back().hashes.push_back(
        {row[4].as<std::string>(), PdqFromBytes(ByteaValue(row[5])), row[6].as<int>()});
  }
  return out;
}

constexpr const char* kProfileColumns =
    "SELECT p.id, p.subject_id, encode(p.sha256, 'hex'), encode(p.md5, 'hex'), h.variant, h.pdq,"
    " h.quality FROM hash_profiles p JOIN subjects s ON s.id = p.subject_id"
    " JOIN profile_hashes h ON h.profile_id = p.id ";

// Listens on the tdm_profiles channel on a connection of its own.
class ProfileListener final : public pqxx::notification_receiver {
 public:
  explicit ProfileListener(pqxx::connection_base& c)
      : pqxx::notification_receiver(c, "tdm_profiles") {}
  void operator()(const std::string&, int) override { fired = true; }
  bool fired = false;
};

class PgMatchStore final : public MatchStore {
 public:
  explicit PgMatchStore(std::string dsn) : dsn_(dsn), pg_(std::move(dsn)) {}
  ~PgMatchStore() override {
    listener_.reset();  // before its connection
    listen_conn_.reset();
  }

  Result<bool> ProfilesChanged() override {
    try {
      if (!listen_conn_ || !listen_conn_->is_open()) {
        listener_.reset();
        listen_conn_ = std::make_unique<pqxx::connection>(dsn_);
        listener_ = std::make_unique<ProfileListener>(*listen_conn_);
        return true;  // anything announced while not listening was missed
      }
      listen_conn_->get_notifs();
      const bool fired = listener_->fired;
      listener_->fired = false;
      return fired;
    } catch (const std::exception& e) {
      listener_.reset();
      listen_conn_.reset();
      return Status::Unavailable(std::string("postgres listen: ") + e.what());
    }
  }

  Result<std::string> ProfilesVersion() override {
    return pg_.Transact([](pqxx::work& tx) {
      auto r = tx.exec1(
          "SELECT count(*) || ':' || coalesce(max(p.id), 0) || ':' ||"
          " count(*) FILTER (WHERE s.withdrawn_at IS NOT NULL) || ':' ||"
          " (SELECT count(*) || ':' || coalesce(max(id), 0) FROM profile_hashes) || ':' ||"
          " (SELECT count(*) || ':' || coalesce(max(f.id), 0) || ':' ||"
          "  count(*) FILTER (WHERE fs.withdrawn_at IS NOT NULL)"
          "  FROM face_profiles f JOIN subjects fs ON fs.id = f.subject_id)"
          " FROM hash_profiles p JOIN subjects s ON s.id = p.subject_id");
      return r[0].as<std::string>();
    });
  }

  Result<std::vector<Profile>> LoadProfiles() override {
    return pg_.Transact([](pqxx::work& tx) {
      return ProfilesFrom(tx.exec(std::string(kProfileColumns) +
                                  "WHERE s.withdrawn_at IS NULL ORDER BY p.id, h.id"));
    });
  }

  Result<std::vector<FaceProfile>> LoadFaceProfiles() override {
    return pg_.Transact([](pqxx::work& tx) { return pg::LoadFaceProfiles(tx); });
  }

  Result<ImageFaces> StoredFaces(const std::string& sha256_hex) override {
    return pg_.Transact([&](pqxx::work& tx) { return pg::StoredFaces(tx, sha256_hex); });
  }

  Result<RefState> Lookup(const ImageItem& item) override {
    return pg_.Transact([&](pqxx::work& tx) {
      RefState st;
      auto ref = tx.exec_params(
          "SELECT state FROM image_refs WHERE crawl_id = $1 AND page_url = $2 AND image_url = $3",
          item.crawl_id, item.page_url, item.image_url);
      st.done = !ref.empty() && ref[0][0].as<std::string>() != "queued";
      if (st.done) return st;
      auto img = tx.exec_params(
          "SELECT encode(i.sha256, 'hex'), encode(i.md5, 'hex'), i.pdq, i.quality, i.width,"
          " i.height, i.format FROM image_refs r JOIN images i ON i.id = r.image_id"
          " WHERE r.crawl_id = $1 AND r.image_url = $2 LIMIT 1",
          item.crawl_id, item.image_url);
      if (!img.empty()) {
        ImageSignal s;
        s.sha256_hex = img[0][0].as<std::string>();
        s.md5_hex = img[0][1].as<std::string>();
        s.pdq = PdqFromBytes(ByteaValue(img[0][2]));
        s.quality = img[0][3].as<int>();
        s.width = img[0][4].as<int>();
        s.height = img[0][5].as<int>();
        s.format = img[0][6].as<std::string>();
        st.cached = s;
      }
      return st;
    });
  }

  Result<std::vector<MatchItem>> RecordImage(const ImageItem& item, const ImageSignal& s,
                                             int http_status, const std::vector<Hit>& hits,
                                             const ImageFaces& faces,
                                             const std::vector<FaceHit>& face_hits) override {
    return pg_.Transact([&](pqxx::work& tx) {
      const int64_t image_id =
          tx.exec_params1(
                "INSERT INTO images (sha256, md5, pdq, quality, width, height, format)"
                " VALUES (decode($1, 'hex'), decode($2, 'hex'), decode($3, 'hex'), $4, $5, $6,"
                " $7) ON CONFLICT (sha256) DO UPDATE SET sha256 = EXCLUDED.sha256 RETURNING id",
                s.sha256_hex, s.md5_hex, s.pdq.ToHex(), s.quality, s.width, s.height, s.format)[0]
              .as<int64_t>();
      auto page = Url::Parse(item.page_url);
      const std::string host = page.ok() ? page->host() : std::string();
      const int64_t sighting_id =
          tx.exec_params1(
                "INSERT INTO sightings (image_id, page_url, image_url, host, site_id, crawl_id,"
                " http_status) VALUES ($1, $2, $3, $4, $5, $6, $7)"
                " ON CONFLICT (page_url, image_url) DO UPDATE SET image_id = EXCLUDED.image_id,"
                " last_seen = now(), crawl_id = EXCLUDED.crawl_id,"
                " http_status = EXCLUDED.http_status RETURNING id",
                image_id, item.page_url, item.image_url, host, item.site_id, item.crawl_id,
                http_status)[0]
              .as<int64_t>();
      if (faces) pg::RecordFaces(tx, image_id, *faces);
      InsertMatches(tx, sighting_id, hits, "crawl");
      pg::InsertFaceMatches(tx, sighting_id, face_hits, "crawl");
      tx.exec_params(
          "INSERT INTO image_refs (crawl_id, page_url, image_url, state, image_id, http_status)"
          " VALUES ($1, $2, $3, 'done', $4, $5) ON CONFLICT (crawl_id, page_url, image_url)"
          " DO UPDATE SET state = 'done', image_id = $4, http_status = $5, error = NULL,"
          " updated_at = now()",
          item.crawl_id, item.page_url, item.image_url, image_id, http_status);
      return ConfirmedMatchesOf(tx, "WHERE m.sighting_id = $1", sighting_id);
    });
  }

  Status RecordFailure(const ImageItem& item, int http_status, const std::string& error) override {
    auto r = pg_.Transact([&](pqxx::work& tx) {
      tx.exec_params(
          "INSERT INTO image_refs (crawl_id, page_url, image_url, state, http_status, error)"
          " VALUES ($1, $2, $3, 'failed', NULLIF($4, 0), $5)"
          " ON CONFLICT (crawl_id, page_url, image_url) DO UPDATE SET state = 'failed',"
          " http_status = NULLIF($4, 0), error = $5, updated_at = now()",
          item.crawl_id, item.page_url, item.image_url, http_status, error);
      return 0;
    });
    return r.ok() ? Status::Ok() : r.status();
  }

  Result<std::vector<Profile>> ClaimRetroHunt(size_t max, int settle_seconds) override {
    return pg_.Transact([&](pqxx::work& tx) {
      auto ids = tx.exec_params(
          "UPDATE hash_profiles SET retro_state = 'running', retro_claimed_at = now()"
          " WHERE id IN (SELECT id FROM hash_profiles"
          "  WHERE (retro_state = 'pending' AND created_at < now() - make_interval(secs => $2))"
          "     OR (retro_state = 'running' AND retro_claimed_at < now() - interval '10 minutes')"
          "  ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED) RETURNING id",
          static_cast<int64_t>(max), settle_seconds);
      if (ids.empty()) return std::vector<Profile>{};
      std::string list;
      for (const auto& row : ids) list += (list.empty() ? "" : ",") + row[0].as<std::string>();
      return ProfilesFrom(tx.exec(std::string(kProfileColumns) + "WHERE p.id IN (" + list +
                                  ") AND s.withdrawn_at IS NULL ORDER BY p.id, h.id"));
    });
  }

  Result<std::vector<StoredImage>> ImagesAfter(int64_t after_id, size_t limit) override {
    return pg_.Transact([&](pqxx::work& tx) {
      std::vector<StoredImage> out;
      for (const auto& row : tx.exec_params(
               "SELECT id, encode(sha256, 'hex'), encode(md5, 'hex'), pdq, quality FROM images"
               " WHERE id > $1 ORDER BY id LIMIT $2",
               after_id, static_cast<int64_t>(limit))) {
        out.push_back({row[0].as<int64_t>(),
                       {row[1].as<std::string>(), row[2].as<std::string>(),
                        PdqFromBytes(ByteaValue(row[3])), row[4].as<int>()}});
      }
      return out;
    });
  }

  Result<std::vector<MatchItem>> RecordRetroHits(int64_t image_id,
                                                 const std::vector<Hit>& hits) override {
    return pg_.Transact([&](pqxx::work& tx) {
      for (const auto& row :
           tx.exec_params("SELECT id FROM sightings WHERE image_id = $1", image_id)) {
        InsertMatches(tx, row[0].as<int64_t>(), hits, "retro-hunt");
      }
      return ConfirmedMatchesOf(
          tx, "JOIN sightings s ON s.id = m.sighting_id WHERE s.image_id = $1", image_id);
    });
  }

  Status FinishRetroHunt(const std::vector<int64_t>& profile_ids, int matches) override {
    auto r = pg_.Transact([&](pqxx::work& tx) {
      for (int64_t id : profile_ids) {
        tx.exec_params(
            "UPDATE hash_profiles SET retro_state = 'done', retro_matches = $2 WHERE id = $1", id,
            matches);
      }
      return 0;
    });
    return r.ok() ? Status::Ok() : r.status();
  }

  Result<std::vector<FaceProfile>> ClaimFaceRetroHunt(size_t max, int settle_seconds) override {
    return pg_.Transact(
        [&](pqxx::work& tx) { return pg::ClaimFaceRetroHunt(tx, max, settle_seconds); });
  }

  Result<std::vector<StoredFace>> FacesAfter(int64_t after_face_id, size_t limit) override {
    return pg_.Transact([&](pqxx::work& tx) { return pg::FacesAfter(tx, after_face_id, limit); });
  }

  Result<std::vector<MatchItem>> RecordRetroFaceHits(int64_t image_id,
                                                     const std::vector<FaceHit>& hits) override {
    return pg_.Transact([&](pqxx::work& tx) {
      for (const auto& row :
           tx.exec_params("SELECT id FROM sightings WHERE image_id = $1", image_id)) {
        pg::InsertFaceMatches(tx, row[0].as<int64_t>(), hits, "retro-hunt");
      }
      return ConfirmedMatchesOf(
          tx, "JOIN sightings s ON s.id = m.sighting_id WHERE s.image_id = $1", image_id);
    });
  }

  Status FinishFaceRetroHunt(const std::vector<int64_t>& ids, int matches) override {
    auto r = pg_.Transact([&](pqxx::work& tx) {
      pg::FinishFaceRetroHunt(tx, ids, matches);
      return 0;
    });
    return r.ok() ? Status::Ok() : r.status();
  }

  Result<int64_t> PurgeFaces(std::chrono::hours retention) override {
    return pg_.Transact([&](pqxx::work& tx) {
      return pg::PurgeFaces(tx, static_cast<int64_t>(retention.count()));
    });
  }

 private:
  std::string dsn_;
  PgSession pg_;
  std::unique_ptr<pqxx::connection> listen_conn_;
  std::unique_ptr<ProfileListener> listener_;
};

}  // namespace

std::unique_ptr<MatchStore> MakePgMatchStore(const std::string& dsn) {
  return std::make_unique<PgMatchStore>(dsn);
}

}  // namespace tdm::matcher
