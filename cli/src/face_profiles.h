#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "admin.h"
#include "tdm/common/home.h"
#include "tdm/common/status.h"

namespace tdm::cli {

// Finds the one face in each photo and stores only its embedding; the photo
// is dropped in memory. A photo with no face, several faces, or that is not
// an image is refused by name in `refused`, and the rest still stored.
// Errors: NotFound for an unknown or withdrawn subject, or for missing face
// models (before any photo is read).
Result<ProfileReport> AddFaceProfiles(const Home& home, int64_t subject_id,
                                      const std::vector<std::string>& files);

// Deletes one registered face; a running matcher drops it within seconds.
Status DeleteFaceProfile(const Home& home, int64_t face_profile_id);

// Deletes a subject and everything tdm holds about them at once: hash and
// face profiles, matches, takedown requests, and the stored embeddings of
// crawled faces that matched them.
struct SubjectErasure {
  int64_t hash_profiles = 0, face_profiles = 0, matches = 0, takedowns = 0, crawled_faces = 0;
};
Result<SubjectErasure> DeleteSubject(const Home& home, int64_t subject_id);

}  // namespace tdm::cli
