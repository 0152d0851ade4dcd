#include "pg_face_queries.h"

#include "tdm/common/pg.h"
#include "tdm/common/pg_adapter.h"

namespace tdm::matcher::pg {
namespace {

FaceEmbedding EmbeddingOf(const pqxx::field& f) {
  auto e = DecodeEmbedding(ByteaValue(f));
  return e.ok() ? *e : FaceEmbedding{};  // the column's CHECK keeps it 512 bytes
}

std::vector<FaceProfile> FaceProfilesFrom(const pqxx::result& rows) {
  std::vector<FaceProfile> out;
  for (const auto& row : rows) {
    out.push_back({row[0].as<int64_t>(), row[1].as<int64_t>(), EmbeddingOf(row[2])});
  }
  return out;
}

FoundFace FaceFrom(const pqxx::row& row, int first) {
  FoundFace face;
  face.box = {row[first].as<int>(), row[first + 1].as<int>(), row[first + 2].as<int>(),
              row[first + 3].as<int>()};
  face.score = row[first + 4].as<float>();
  face.embedding = EmbeddingOf(row[first + 5]);
  return face;
}

std::string BoxLiteral(const FaceBox& b) {
  return "{" + std::to_string(b.x) + "," + std::to_string(b.y) + "," + std::to_string(b.width) +
         "," + std::to_string(b.height) + "}";
}

}  // namespace

std::vector<FaceProfile> LoadFaceProfiles(pqxx::work& tx) {
  return FaceProfilesFrom(tx.exec(
      "SELECT f.id, f.subject_id, f.embedding FROM face_profiles f"
      " JOIN subjects s ON s.id = f.subject_id WHERE s.withdrawn_at IS NULL ORDER BY f.id"));
}

ImageFaces StoredFaces(pqxx::work& tx, const std::string& sha256_hex) {
  auto image = tx.exec_params(
      "SELECT id FROM images WHERE sha256 = decode($1, 'hex') AND faces_checked_at IS NOT NULL",
      sha256_hex);
  if (image.empty()) return std::nullopt;
  std::vector<FoundFace> faces;
  for (const auto& row : tx.exec_params(
           "SELECT x, y, width, height, score, embedding FROM image_faces WHERE image_id = $1"
           " ORDER BY score DESC, id",
           image[0][0].as<int64_t>())) {
    faces.push_back(FaceFrom(row, 0));
  }
  return faces;
}

void RecordFaces(pqxx::work& tx, int64_t image_id, const std::vector<FoundFace>& faces) {
  for (const FoundFace& f : faces) {
    tx.exec_params(
        "INSERT INTO image_faces (image_id, x, y, width, height, score, embedding)"
        " VALUES ($1, $2, $3, $4, $5, $6, decode($7, 'hex'))"
        " ON CONFLICT (image_id, x, y, width, height) DO NOTHING",
        image_id, f.box.x, f.box.y, f.box.width, f.box.height, f.score,
        ToHex(EncodeEmbedding(f.embedding)));
  }
  // Seen again: the faces stay for another retention window.
  tx.exec_params("UPDATE image_faces SET found_at = now() WHERE image_id = $1", image_id);
  tx.exec_params("UPDATE images SET faces_checked_at = now() WHERE id = $1", image_id);
}

void InsertFaceMatches(pqxx::work& tx, int64_t sighting_id, const std::vector<FaceHit>& hits,
                       const char* found_by) {
  for (const FaceHit& h : hits) {
    tx.exec_params(
        "INSERT INTO matches (subject_id, face_profile_id, sighting_id, kind, distance, band,"
        " found_by, status, face_box, face_distance)"
        " SELECT $1, $2, $3, 'face', 0, $4, $5, 'pending_review', $6::integer[], $7"
        " FROM subjects WHERE id = $1"
        " ON CONFLICT (subject_id, sighting_id) DO UPDATE SET"
        "  face_profile_id = EXCLUDED.face_profile_id, face_box = EXCLUDED.face_box,"
        "  face_distance = EXCLUDED.face_distance,"
        "  band = CASE WHEN matches.kind = 'face' THEN EXCLUDED.band ELSE matches.band END"
        " WHERE matches.face_distance IS NULL OR EXCLUDED.face_distance < matches.face_distance",
        h.subject_id, h.face_profile_id, sighting_id, FaceBandName(h), found_by, BoxLiteral(h.box),
        h.distance);
  }
}

std::vector<FaceProfile> ClaimFaceRetroHunt(pqxx::work& tx, size_t max, int settle_seconds) {
  return FaceProfilesFrom(tx.exec_params(
      "WITH claimed AS (UPDATE face_profiles SET retro_state = 'running', retro_claimed_at = now()"
      " WHERE id IN (SELECT id FROM face_profiles"
      "  WHERE (retro_state = 'pending' AND created_at < now() - make_interval(secs => $2))"
      "     OR (retro_state = 'running' AND retro_claimed_at < now() - interval '10 minutes')"
      "  ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED) RETURNING id, subject_id, embedding)"
      " SELECT c.id, c.subject_id, c.embedding FROM claimed c"
      " JOIN subjects s ON s.id = c.subject_id WHERE s.withdrawn_at IS NULL ORDER BY c.id",
      static_cast<int64_t>(max), settle_seconds));
}

std::vector<StoredFace> FacesAfter(pqxx::work& tx, int64_t after_face_id, size_t limit) {
  std::vector<StoredFace> out;
  for (const auto& row :
       tx.exec_params("SELECT id, image_id, x, y, width, height, score, embedding FROM image_faces"
                      " WHERE id > $1 ORDER BY id LIMIT $2",
                      after_face_id, static_cast<int64_t>(limit))) {
    out.push_back({row[0].as<int64_t>(), row[1].as<int64_t>(), FaceFrom(row, 2)});
  }
  return out;
}

void FinishFaceRetroHunt(pqxx::work& tx, const std::vector<int64_t>& ids, int matches) {
  for (int64_t id : ids) {
    tx.exec_params(
        "UPDATE face_profiles SET retro_state = 'done', retro_matches = $2 WHERE id = $1", id,
        matches);
  }
}

int64_t PurgeFaces(pqxx::work& tx, int64_t retention_hours) {
  return tx
      .exec_params1(
          "WITH gone AS (DELETE FROM image_faces"
          " WHERE found_at < now() - $1 * interval '1 hour' RETURNING 1)"
          " SELECT count(*) FROM gone",
          retention_hours)[0]
      .as<int64_t>();
}

}  // namespace tdm::matcher::pg
