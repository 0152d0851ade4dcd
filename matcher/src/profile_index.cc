#include "tdm/matcher/profile_index.h"

#include <map>

namespace tdm::matcher {

std::vector<Hit> ProfileIndex::Match(const std::string& sha256_hex, const PdqHash& pdq, int quality,
                                     const MatchPolicy& policy) const {
  std::map<int64_t, Hit> best;
  const bool pdq_usable = quality >= policy.min_quality;
  for (const Profile& p : profiles_) {
    Hit hit;
    if (!sha256_hex.empty() && p.sha256_hex == sha256_hex) {
      hit = {p.subject_id, p.profile_id, "sha256", 0};
    } else if (pdq_usable && p.quality >= policy.min_quality) {
      int d = HammingDistance(p.pdq, pdq);
      if (d > policy.max_distance) continue;
      hit = {p.subject_id, p.profile_id, "pdq", d};
    } else {
      continue;
    }
    auto [it, inserted] = best.emplace(p.subject_id, hit);
    if (inserted) continue;
    const bool better = (hit.kind == "sha256" && it->second.kind != "sha256") ||
                        (hit.kind == it->second.kind && hit.distance < it->second.distance);
    if (better) it->second = hit;
  }
  std::vector<Hit> out;
  out.reserve(best.size());
  for (auto& [subject, hit] : best) out.push_back(hit);
  return out;
}

}  // namespace tdm::matcher
