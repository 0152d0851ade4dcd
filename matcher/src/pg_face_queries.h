#pragma once

// Internal to tdm::matcher: the face half of PgMatchStore's SQL, on the
// caller's transaction (libpqxx 6.4; adapters only).

#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "tdm/matcher/match_store.h"

namespace tdm::matcher::pg {

std::vector<FaceProfile> LoadFaceProfiles(pqxx::work& tx);
ImageFaces StoredFaces(pqxx::work& tx, const std::string& sha256_hex);
// Stores (or renews) an image's faces and marks it checked.
void RecordFaces(pqxx::work& tx, int64_t image_id, const std::vector<FoundFace>& faces);
// One match per hit (unique per subject and sighting), always pending review.
// A sighting already matched by hash keeps its hash match and gains the face.
void InsertFaceMatches(pqxx::work& tx, int64_t sighting_id, const std::vector<FaceHit>& hits,
                       const char* found_by);

std::vector<FaceProfile> ClaimFaceRetroHunt(pqxx::work& tx, size_t max, int settle_seconds);
std::vector<StoredFace> FacesAfter(pqxx::work& tx, int64_t after_face_id, size_t limit);
void FinishFaceRetroHunt(pqxx::work& tx, const std::vector<int64_t>& ids, int matches);
int64_t PurgeFaces(pqxx::work& tx, int64_t retention_hours);

}  // namespace tdm::matcher::pg
