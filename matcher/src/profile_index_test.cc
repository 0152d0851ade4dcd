#include "tdm/matcher/profile_index.h"

#include <gtest/gtest.h>

#include <random>

namespace tdm::matcher {
namespace {

PdqHash RandomHash(std::mt19937_64& rng) {
  PdqHash h;
  for (auto& w : h.words) w = rng();
  return h;
}

PdqHash FlipBits(PdqHash h, int n) {
  for (int k = 0; k < n; ++k) h.words[k / 64] ^= uint64_t{1} << (k % 64);
  return h;
}

TEST(ProfileIndex, MatchesAtThresholdInclusiveAndNotBeyond) {
  std::mt19937_64 rng(42);
  PdqHash base = RandomHash(rng);
  ProfileIndex index;
  index.Replace({{1, 10, base, 100, "aa"}});
  MatchPolicy policy;
  auto at = index.Match("", FlipBits(base, 31), 100, policy);
  ASSERT_EQ(at.size(), 1u);
  EXPECT_EQ(at[0].distance, 31);
  EXPECT_EQ(at[0].kind, "pdq");
  EXPECT_TRUE(index.Match("", FlipBits(base, 32), 100, policy).empty());
  policy.max_distance = 10;
  EXPECT_TRUE(index.Match("", FlipBits(base, 11), 100, policy).empty());
}

TEST(ProfileIndex, BestHitPerSubjectAndExactBytesWin) {
  std::mt19937_64 rng(7);
  PdqHash a = RandomHash(rng);
  ProfileIndex index;
  index.Replace({{1, 10, FlipBits(a, 20), 100, "x1"},
                 {2, 10, FlipBits(a, 5), 100, "x2"},
                 {3, 11, FlipBits(a, 30), 100, "x3"},
                 {4, 12, RandomHash(rng), 100, "same-bytes"}});
  auto hits = index.Match("same-bytes", a, 100, MatchPolicy{});
  ASSERT_EQ(hits.size(), 3u);
  EXPECT_EQ(hits[0].subject_id, 10);
  EXPECT_EQ(hits[0].profile_id, 2);
  EXPECT_EQ(hits[0].distance, 5);
  EXPECT_EQ(hits[1].subject_id, 11);
  EXPECT_EQ(hits[2].subject_id, 12);
  EXPECT_EQ(hits[2].kind, "sha256");
}

TEST(ProfileIndex, LowQualityIsNotPdqMatched) {
  std::mt19937_64 rng(3);
  PdqHash a = RandomHash(rng);
  ProfileIndex index;
  index.Replace({{1, 10, a, 100, "p"}, {2, 11, a, 20, "q"}});
  EXPECT_TRUE(index.Match("", a, 49, MatchPolicy{}).empty());
  auto hits = index.Match("", a, 80, MatchPolicy{});
  ASSERT_EQ(hits.size(), 1u);  // the quality-20 profile is ignored
  EXPECT_EQ(hits[0].subject_id, 10);
}

TEST(ProfileIndex, UnrelatedRandomHashesDoNotMatch) {
  std::mt19937_64 rng(11);
  std::vector<Profile> profiles;
  for (int i = 0; i < 1000; ++i) profiles.push_back({i + 1, i + 1, RandomHash(rng), 100, ""});
  ProfileIndex index;
  index.Replace(std::move(profiles));
  for (int q = 0; q < 200; ++q) {
    EXPECT_TRUE(index.Match("", RandomHash(rng), 100, MatchPolicy{}).empty());
  }
}

}  // namespace
}  // namespace tdm::matcher
