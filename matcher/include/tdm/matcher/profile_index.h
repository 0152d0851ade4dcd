#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tdm/matcher/pdq.h"

namespace tdm::matcher {

// One registered photo of a subject, as its hashes only.
struct Profile {
  int64_t profile_id = 0;
  int64_t subject_id = 0;
  PdqHash pdq;
  int quality = 0;
  std::string sha256_hex;
};

// A crawled image that matched a subject.
struct Hit {
  int64_t subject_id = 0;
  int64_t profile_id = 0;
  std::string kind;  // "sha256" (identical bytes) or "pdq"
  int distance = 0;  // Hamming distance; 0 for sha256
};

struct MatchPolicy {
  int max_distance = 31;  // PDQ match threshold (Hamming, inclusive)
  int min_quality = 50;   // images and profiles below this are not PDQ-matched
};

// The in-memory set of profiles the matcher compares every image against:
// an exact linear scan, so it never misses a match within the threshold.
// Not thread-safe; Replace() swaps the whole set.
class ProfileIndex {
 public:
  void Replace(std::vector<Profile> profiles) { profiles_ = std::move(profiles); }
  size_t size() const { return profiles_.size(); }

  // The best hit per subject (identical bytes first, then lowest distance),
  // ordered by subject id.
  std::vector<Hit> Match(const std::string& sha256_hex, const PdqHash& pdq, int quality,
                         const MatchPolicy& policy) const;

 private:
  std::vector<Profile> profiles_;
};

}  // namespace tdm::matcher
