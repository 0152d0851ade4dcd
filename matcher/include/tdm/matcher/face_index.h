#pragma once

#include <cstdint>
#include <vector>

#include "tdm/matcher/faces.h"

namespace tdm::matcher {

// The registered face profiles the matcher compares every crawled face with
// (and, for a retro-hunt, the crawled faces a new profile is compared with).
// An exact brute-force scan: 128 floats per entry in one contiguous array,
// compared eight lanes at a time (AVX2 when the CPU has it, chosen at load
// time). bench/faces measures it: a search over a million entries reads
// 512 MB. Not thread-safe for writes; const methods may run concurrently.
class FaceIndex {
 public:
  struct Hit {
    int64_t id = 0;
    float distance = 0;
  };

  void Add(int64_t id, const FaceEmbedding& embedding);
  void Clear();
  void Reserve(size_t count);
  size_t size() const { return ids_.size(); }

  // Every entry closer than `max_distance` (Euclidean, exclusive), nearest
  // first.
  std::vector<Hit> Search(const FaceEmbedding& query, float max_distance) const;

 private:
  std::vector<int64_t> ids_;
  std::vector<float> values_;  // size() rows of kFaceDims
};

// A subject's registered face: the embedding only, never the photo.
struct FaceProfile {
  int64_t face_profile_id = 0;
  int64_t subject_id = 0;
  FaceEmbedding embedding{};
};

// A face in a crawled image that resembles a subject's registered face.
struct FaceHit {
  int64_t subject_id = 0;
  int64_t face_profile_id = 0;
  float distance = 0;
  FaceBox box;
  bool review_only = false;  // in the review band: not below the match distance
};
const char* FaceBandName(const FaceHit& hit);  // "face" or "face-review"

// The registered faces the matcher compares every crawled face with.
// Not thread-safe; Replace() swaps the whole set.
class FaceProfileIndex {
 public:
  void Replace(std::vector<FaceProfile> profiles);
  size_t size() const { return index_.size(); }

  // For each subject, the closest pair of one of `faces` and one of their
  // profiles, when nearer than the review distance; ordered by subject id.
  std::vector<FaceHit> Match(const std::vector<FoundFace>& faces,
                             const FaceMatchPolicy& policy) const;

 private:
  std::vector<FaceProfile> profiles_;
  FaceIndex index_;  // ids are positions in profiles_
};

}  // namespace tdm::matcher
