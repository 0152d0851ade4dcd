#include "tdm/matcher/face_index.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace tdm::matcher {
namespace {

typedef float Lanes __attribute__((vector_size(32)));  // 8 floats

// Squared distances from `query` to `count` rows of kFaceDims floats. Built
// twice, for AVX2 and the x86-64 baseline; the loader picks one per CPU.
__attribute__((target_clones("avx2", "default"))) void SquaredDistances(const float* query,
                                                                        const float* rows,
                                                                        size_t count, float* out) {
  Lanes q[kFaceDims / 8];
  for (int i = 0; i < kFaceDims / 8; ++i) __builtin_memcpy(&q[i], query + 8 * i, sizeof(Lanes));
  for (size_t r = 0; r < count; ++r) {
    const float* row = rows + r * kFaceDims;
    Lanes sum0 = {}, sum1 = {};
    for (int i = 0; i < kFaceDims / 8; i += 2) {
      Lanes a, b;
      __builtin_memcpy(&a, row + 8 * i, sizeof(Lanes));
      __builtin_memcpy(&b, row + 8 * i + 8, sizeof(Lanes));
      const Lanes da = a - q[i], db = b - q[i + 1];
      sum0 += da * da;
      sum1 += db * db;
    }
    const Lanes sum = sum0 + sum1;
    float total = 0;
    for (int l = 0; l < 8; ++l) total += sum[l];
    out[r] = total;
  }
}

}  // namespace

void FaceIndex::Add(int64_t id, const FaceEmbedding& embedding) {
  ids_.push_back(id);
  values_.insert(values_.end(), embedding.begin(), embedding.end());
}

void FaceIndex::Clear() {
  ids_.clear();
  values_.clear();
}

void FaceIndex::Reserve(size_t count) {
  ids_.reserve(count);
  values_.reserve(count * kFaceDims);
}

std::vector<FaceIndex::Hit> FaceIndex::Search(const FaceEmbedding& query,
                                              float max_distance) const {
  std::vector<Hit> hits;
  const float limit = max_distance * max_distance;
  constexpr size_t kBlock = 256;
  float squared[kBlock];
  for (size_t start = 0; start < ids_.size(); start += kBlock) {
    const size_t count = std::min(kBlock, ids_.size() - start);
    SquaredDistances(query.data(), values_.data() + start * kFaceDims, count, squared);
    for (size_t i = 0; i < count; ++i) {
      if (squared[i] < limit) hits.push_back({ids_[start + i], std::sqrt(squared[i])});
    }
  }
  std::sort(hits.begin(), hits.end(), [](const Hit& a, const Hit& b) {
    return a.distance < b.distance || (a.distance == b.distance && a.id < b.id);
  });
  return hits;
}

const char* FaceBandName(const FaceHit& hit) { return hit.review_only ? "face-review" : "face"; }

void FaceProfileIndex::Replace(std::vector<FaceProfile> profiles) {
  profiles_ = std::move(profiles);
  index_.Clear();
  index_.Reserve(profiles_.size());
  for (size_t i = 0; i < profiles_.size(); ++i) {
    index_.Add(static_cast<int64_t>(i), profiles_[i].embedding);
  }
}

std::vector<FaceHit> FaceProfileIndex::Match(const std::vector<FoundFace>& faces,
                                             const FaceMatchPolicy& policy) const {
  std::map<int64_t, FaceHit> best;  // by subject
  for (const FoundFace& face : faces) {
    for (const FaceIndex::Hit& h : index_.Search(face.embedding, policy.review_distance)) {
      const FaceProfile& p = profiles_[static_cast<size_t>(h.id)];
      auto [it, fresh] = best.try_emplace(p.subject_id);
      if (fresh || h.distance < it->second.distance) {
        it->second = {p.subject_id, p.face_profile_id, h.distance, face.box,
                      h.distance >= policy.match_distance};
      }
    }
  }
  std::vector<FaceHit> out;
  for (auto& [subject, hit] : best) out.push_back(hit);
  return out;
}

}  // namespace tdm::matcher
