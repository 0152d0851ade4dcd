#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "tdm/matcher/pdq.h"
#include "tdm/matcher/pdq_index.h"

namespace tdm::matcher {

// One PDQ hash a registered photo contributes: its own ("orig") or one
// computed from it in memory (a rotation, mirror or crop).
struct VariantHash {
  std::string variant = "orig";
  PdqHash pdq;
  int quality = 0;
};

// One registered photo of a subject, as hashes only (or one hash imported
// from a shared list, with no digests).
struct Profile {
  int64_t profile_id = 0;
  int64_t subject_id = 0;
  std::string sha256_hex;  // empty for imported hashes
  std::string md5_hex;
  std::vector<VariantHash> hashes;
};

// How sure a match is. Digests are exact; PDQ bands by distance.
enum class Band { kExact, kNearExact, kStrong, kWeak };
const char* BandName(Band band);  // "exact", "near-exact", "strong", "weak"
Band BandOf(const std::string& kind, int distance);

// A crawled image that matched a subject.
struct Hit {
  int64_t subject_id = 0;
  int64_t profile_id = 0;
  std::string kind;  // "sha256", "md5" (identical bytes) or "pdq"
  int distance = 0;  // Hamming distance; 0 for digests
  std::string variant = "orig";
};

struct MatchPolicy {
  int max_distance = 31;  // PDQ match threshold (Hamming, inclusive)
  int min_quality = 50;   // images and profile hashes below this are not PDQ-matched
};

// The signals of one crawled image that matching looks at.
struct ImageKey {
  std::string sha256_hex;
  std::string md5_hex;
  PdqHash pdq;
  int quality = 0;
};

// The in-memory set of profiles the matcher compares every image against:
// every variant hash of every profile in a multi-index (PdqIndex), so a query
// costs well under a millisecond even with millions of hashes. Exact: it never
// misses a hash within the threshold. Not thread-safe; Replace() swaps the
// whole set.
class ProfileIndex {
 public:
  void Replace(std::vector<Profile> profiles);
  size_t size() const { return profiles_.size(); }
  size_t hash_count() const { return entries_.size(); }

  // The best hit per subject (identical bytes first, then lowest distance,
  // then the original hash before variants), ordered by subject id.
  std::vector<Hit> Match(const ImageKey& image, const MatchPolicy& policy) const;

 private:
  struct Entry {
    size_t profile;  // index into profiles_
    size_t hash;     // index into profiles_[profile].hashes
  };
  std::vector<Profile> profiles_;
  std::vector<Entry> entries_;
  PdqIndex pdqs_;  // ids are positions in entries_
  std::unordered_multimap<std::string, size_t> by_digest_;
};

}  // namespace tdm::matcher
