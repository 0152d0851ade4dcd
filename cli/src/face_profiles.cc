#include "face_profiles.h"

#include <filesystem>

#include "stack_db.h"
#include "tdm/common/pg.h"
#include "tdm/matcher/faces.h"

namespace tdm::cli {

Result<ProfileReport> AddFaceProfiles(const Home& home, int64_t subject_id,
                                      const std::vector<std::string>& files) {
  if (files.empty()) return Status::InvalidArgument("give at least one photo file");
  if (Status s = RequireLiveSubject(home, subject_id); !s.ok()) return s;
  auto analyzer = matcher::FaceAnalyzer::Load(matcher::DefaultFaceModelPaths());
  if (!analyzer.ok()) return analyzer.status();

  ProfileReport report;
  for (const std::string& file : files) {
    auto read = ReadPhoto(file, report);
    if (!read) continue;
    std::string bytes = std::move(*read);
    auto face = (*analyzer)->FindOneFace(
        std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()), {});
    std::string().swap(bytes);  // the photo is dropped here; only the embedding goes on
    if (!face.ok()) {
      report.refused.push_back(file + ": " + face.status().message());
      continue;
    }
    const std::string label = std::filesystem::path(file).filename().string();
    auto inserted = InStackDb(home, [&](pqxx::work& tx) {
      return !tx.exec_params(
                    "INSERT INTO face_profiles (subject_id, embedding, label)"
                    " VALUES ($1, decode($2, 'hex'), $3) ON CONFLICT DO NOTHING RETURNING id",
                    subject_id, ToHex(matcher::EncodeEmbedding(face->embedding)), label)
                  .empty();
    });
    if (!inserted.ok()) return inserted.status();
    (*inserted ? report.added : report.already_known)++;
  }
  return report;
}

Status DeleteFaceProfile(const Home& home, int64_t face_profile_id) {
  return DeleteById(home, "face_profiles", face_profile_id, "face profile");
}

Result<SubjectErasure> DeleteSubject(const Home& home, int64_t subject_id) {
  auto erased = InStackDb(home, [&](pqxx::work& tx) -> std::optional<SubjectErasure> {
    auto counts = tx.exec_params(
        "SELECT (SELECT count(*) FROM hash_profiles WHERE subject_id = $1),"
        " (SELECT count(*) FROM face_profiles WHERE subject_id = $1),"
        " (SELECT count(*) FROM matches WHERE subject_id = $1),"
        " (SELECT count(*) FROM takedowns WHERE subject_id = $1)"
        " FROM subjects WHERE id = $1 FOR UPDATE",
        subject_id);
    if (counts.empty()) return std::nullopt;
    SubjectErasure e;
    e.hash_profiles = counts[0][0].as<int64_t>();
    e.face_profiles = counts[0][1].as<int64_t>();
    e.matches = counts[0][2].as<int64_t>();
    e.takedowns = counts[0][3].as<int64_t>();
    // The crawled faces that matched them are their face too.
    e.crawled_faces =
        tx.exec_params1(
              "WITH gone AS (DELETE FROM image_faces f USING matches m"
              " JOIN sightings s ON s.id = m.sighting_id"
              " WHERE m.subject_id = $1 AND m.face_box IS NOT NULL AND f.image_id = s.image_id"
              " AND ARRAY[f.x, f.y, f.width, f.height] = m.face_box RETURNING f.id)"
              " SELECT count(DISTINCT id) FROM gone",
              subject_id)[0]
            .as<int64_t>();
    // Cascades to profiles, matches, takedown requests and their items.
    tx.exec_params("DELETE FROM subjects WHERE id = $1", subject_id);
    return e;
  });
  if (!erased.ok()) return erased.status();
  if (!erased->has_value()) return Status::NotFound("subject " + std::to_string(subject_id));
  return **erased;
}

}  // namespace tdm::cli
