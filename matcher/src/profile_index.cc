#include "tdm/matcher/profile_index.h"

#include <map>

namespace tdm::matcher {
namespace {

int Rank(const std::string& kind) { return kind == "pdq" ? 1 : 0; }

// True when `a` is a better hit than `b` for the same subject.
bool Better(const Hit& a, const Hit& b) {
  if (Rank(a.kind) != Rank(b.kind)) return Rank(a.kind) < Rank(b.kind);
  if (a.distance != b.distance) return a.distance < b.distance;
  return a.variant == "orig" && b.variant != "orig";
}

}  // namespace

const char* BandName(Band band) {
  switch (band) {
    case Band::kExact:
      return "exact";
    case Band::kNearExact:
      return "near-exact";
    case Band::kStrong:
      return "strong";
    case Band::kWeak:
      return "weak";
  }
  return "weak";
}

Band BandOf(const std::string& kind, int distance) {
  if (kind != "pdq") return Band::kExact;
  if (distance <= 10) return Band::kNearExact;
  if (distance <= 20) return Band::kStrong;
  return Band::kWeak;
}

void ProfileIndex::Replace(std::vector<Profile> profiles) {
  profiles_ = std::move(profiles);
  entries_.clear();
  by_digest_.clear();
  std::vector<PdqHash> hashes;
  for (size_t p = 0; p < profiles_.size(); ++p) {
    const Profile& profile = profiles_[p];
    for (size_t h = 0; h < profile.hashes.size(); ++h) {
      entries_.push_back({p, h});
      hashes.push_back(profile.hashes[h].pdq);
    }
    if (!profile.sha256_hex.empty()) by_digest_.emplace("s:" + profile.sha256_hex, p);
    if (!profile.md5_hex.empty()) by_digest_.emplace("m:" + profile.md5_hex, p);
  }
  pdqs_.Build(std::move(hashes));
}

std::vector<Hit> ProfileIndex::Match(const ImageKey& image, const MatchPolicy& policy) const {
  std::map<int64_t, Hit> best;
  auto offer = [&best](const Hit& hit) {
    auto [it, inserted] = best.emplace(hit.subject_id, hit);
    if (!inserted && Better(hit, it->second)) it->second = hit;
  };
  for (const auto& [prefix, digest] :
       {std::pair<const char*, const std::string*>{"s:", &image.sha256_hex},
        {"m:", &image.md5_hex}}) {
    if (digest->empty()) continue;
    auto range = by_digest_.equal_range(prefix + *digest);
    for (auto it = range.first; it != range.second; ++it) {
      const Profile& p = profiles_[it->second];
      offer({p.subject_id, p.profile_id, prefix[0] == 's' ? "sha256" : "md5", 0, "orig"});
    }
  }
  if (image.quality >= policy.min_quality) {
    for (const PdqIndex::Hit& hit : pdqs_.Search(image.pdq, policy.max_distance)) {
      const Profile& p = profiles_[entries_[hit.id].profile];
      const VariantHash& v = p.hashes[entries_[hit.id].hash];
      if (v.quality < policy.min_quality) continue;
      offer({p.subject_id, p.profile_id, "pdq", hit.distance, v.variant});
    }
  }
  std::vector<Hit> out;
  out.reserve(best.size());
  for (auto& [subject, hit] : best) out.push_back(hit);
  return out;
}

}  // namespace tdm::matcher
