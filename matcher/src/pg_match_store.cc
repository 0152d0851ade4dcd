#include "tdm/common/pg.h"
#include "tdm/common/pg_adapter.h"
#include "tdm/common/url.h"
#include "tdm/matcher/match_store.h"

namespace tdm::matcher {
namespace {

std::string PdqBytes(const PdqHash& h) {
  // Stored as the 32 bytes of the ThreatExchange hex, so SQL tools print the
  // same digits (encode(pdq, 'hex')).
  return *FromHex(h.ToHex());
}

PdqHash PdqFromBytes(const std::string& bytes) {
  auto h = PdqHash::FromHex(ToHex(bytes));
  return h.ok() ? *h : PdqHash{};
}

class PgMatchStore final : public MatchStore {
 public:
  explicit PgMatchStore(std::string dsn) : pg_(std::move(dsn)) {}

  Result<std::string> ProfilesVersion() override {
    return pg_.Transact([](pqxx::work& tx) {
      auto r = tx.exec1(
          "SELECT count(*) || ':' || coalesce(max(p.id), 0) || ':' ||"
          " count(*) FILTER (WHERE s.withdrawn_at IS NOT NULL)"
          " FROM hash_profiles p JOIN subjects s ON s.id = p.subject_id");
      return r[0].as<std::string>();
    });
  }

  Result<std::vector<Profile>> LoadProfiles() override {
    return pg_.Transact([](pqxx::work& tx) {
      std::vector<Profile> out;
      auto rows = tx.exec(
          "SELECT p.id, p.subject_id, p.pdq, p.quality, encode(p.sha256, 'hex')"
          " FROM hash_profiles p JOIN subjects s ON s.id = p.subject_id"
          " WHERE s.withdrawn_at IS NULL ORDER BY p.id");
      for (const auto& row : rows) {
        out.push_back({row[0].as<int64_t>(), row[1].as<int64_t>(), PdqFromBytes(ByteaValue(row[2])),
                       row[3].as<int>(), row[4].as<std::string>()});
      }
      return out;
    });
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
                                             int http_status,
                                             const std::vector<Hit>& hits) override {
    return pg_.Transact([&](pqxx::work& tx) {
      const int64_t image_id =
          tx.exec_params1(
                "INSERT INTO images (sha256, md5, pdq, quality, width, height, format)"
                " VALUES (decode($1, 'hex'), decode($2, 'hex'), $3, $4, $5, $6, $7)"
                " ON CONFLICT (sha256) DO UPDATE SET sha256 = EXCLUDED.sha256 RETURNING id",
                s.sha256_hex, s.md5_hex, ByteaParam(tx, PdqBytes(s.pdq)), s.quality, s.width,
                s.height, s.format)[0]
              .as<int64_t>();
      auto page = Url::Parse(item.page_url);
      const std::string host = page.ok() ? page->host() : std::string();
      const int64_t sighting_id =
          tx.exec_params1(
                "INSERT INTO sightings (image_id, page_url, image_url, host, site_id, crawl_id,"
                " http_status) VALUES ($1, $2, $3, $4, $5, $6, $7)"
                " ON CONFLICT (page_url, image_url) DO UPDATE SET image_id = EXCLUDED.image_id,"
                " last_seen = now(), crawl_id = EXCLUDED.crawl_id, http_status = "
                "EXCLUDED.http_status"
                " RETURNING id",
                image_id, item.page_url, item.image_url, host, item.site_id, item.crawl_id,
                http_status)[0]
              .as<int64_t>();
      for (const Hit& h : hits) {
        tx.exec_params(
            "INSERT INTO matches (subject_id, profile_id, sighting_id, kind, distance)"
            " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (subject_id, sighting_id) DO UPDATE"
            " SET distance = LEAST(matches.distance, EXCLUDED.distance)",
            h.subject_id, h.profile_id, sighting_id, h.kind, h.distance);
      }
      tx.exec_params(
          "INSERT INTO image_refs (crawl_id, page_url, image_url, state, image_id, http_status)"
          " VALUES ($1, $2, $3, 'done', $4, $5) ON CONFLICT (crawl_id, page_url, image_url)"
          " DO UPDATE SET state = 'done', image_id = $4, http_status = $5, error = NULL,"
          " updated_at = now()",
          item.crawl_id, item.page_url, item.image_url, image_id, http_status);
      std::vector<MatchItem> out;
      auto rows = tx.exec_params(
          "SELECT id, subject_id FROM matches WHERE sighting_id = $1 AND status = 'confirmed'"
          " ORDER BY id",
          sighting_id);
      for (const auto& row : rows) out.push_back({row[0].as<int64_t>(), row[1].as<int64_t>()});
      return out;
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

 private:
  PgSession pg_;
};

}  // namespace

std::unique_ptr<MatchStore> MakePgMatchStore(const std::string& dsn) {
  return std::make_unique<PgMatchStore>(dsn);
}

}  // namespace tdm::matcher
