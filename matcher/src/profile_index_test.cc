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

Profile P(int64_t id, int64_t subject, PdqHash pdq, int quality = 100, std::string sha = "",
          std::string md5 = "") {
  return {id, subject, std::move(sha), std::move(md5), {{"orig", pdq, quality}}};
}

ImageKey Key(PdqHash pdq, int quality = 100, std::string sha = "", std::string md5 = "") {
  return {std::move(sha), std::move(md5), pdq, quality};
}

TEST(ProfileIndex, MatchesAtThresholdInclusiveAndNotBeyond) {
  std::mt19937_64 rng(42);
  PdqHash base = RandomHash(rng);
  ProfileIndex index;
  index.Replace({P(1, 10, base)});
  MatchPolicy policy;
  auto at = index.Match(Key(FlipBits(base, 31)), policy);
  ASSERT_EQ(at.size(), 1u);
  EXPECT_EQ(at[0].distance, 31);
  EXPECT_EQ(at[0].kind, "pdq");
  EXPECT_TRUE(index.Match(Key(FlipBits(base, 32)), policy).empty());
  policy.max_distance = 10;
  EXPECT_TRUE(index.Match(Key(FlipBits(base, 11)), policy).empty());
}

TEST(ProfileIndex, BestHitPerSubjectAndExactBytesWin) {
  std::mt19937_64 rng(7);
  PdqHash a = RandomHash(rng);
  ProfileIndex index;
  index.Replace({P(1, 10, FlipBits(a, 20)), P(2, 10, FlipBits(a, 5)), P(3, 11, FlipBits(a, 30)),
                 P(4, 12, RandomHash(rng), 100, "same-bytes"),
                 P(5, 13, RandomHash(rng), 100, "", "same-md5")});
  auto hits = index.Match(Key(a, 100, "same-bytes", "same-md5"), MatchPolicy{});
  ASSERT_EQ(hits.size(), 4u);
  EXPECT_EQ(hits[0].subject_id, 10);
  EXPECT_EQ(hits[0].profile_id, 2);
  EXPECT_EQ(hits[0].distance, 5);
  EXPECT_EQ(hits[1].subject_id, 11);
  EXPECT_EQ(hits[2].subject_id, 12);
  EXPECT_EQ(hits[2].kind, "sha256");
  EXPECT_EQ(hits[3].subject_id, 13);
  EXPECT_EQ(hits[3].kind, "md5");
}

TEST(ProfileIndex, VariantsMatchAndTheOriginalWinsATie) {
  std::mt19937_64 rng(5);
  PdqHash orig = RandomHash(rng), rotated = RandomHash(rng);
  ProfileIndex index;
  index.Replace({{1, 10, "", "", {{"orig", orig, 100}, {"rot90", rotated, 100}}}});
  auto hits = index.Match(Key(FlipBits(rotated, 4)), MatchPolicy{});
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].variant, "rot90");
  EXPECT_EQ(hits[0].distance, 4);
  EXPECT_EQ(index.hash_count(), 2u);
}

TEST(ProfileIndex, LowQualityIsNotPdqMatched) {
  std::mt19937_64 rng(3);
  PdqHash a = RandomHash(rng);
  ProfileIndex index;
  index.Replace({P(1, 10, a), P(2, 11, a, 20)});
  EXPECT_TRUE(index.Match(Key(a, 49), MatchPolicy{}).empty());
  auto hits = index.Match(Key(a, 80), MatchPolicy{});
  ASSERT_EQ(hits.size(), 1u);  // the quality-20 profile is ignored
  EXPECT_EQ(hits[0].subject_id, 10);
  MatchPolicy lenient;
  lenient.min_quality = 10;
  EXPECT_EQ(index.Match(Key(a, 30), lenient).size(), 2u);
}

TEST(ProfileIndex, UnrelatedRandomHashesDoNotMatch) {
  std::mt19937_64 rng(11);
  std::vector<Profile> profiles;
  for (int i = 0; i < 1000; ++i) profiles.push_back(P(i + 1, i + 1, RandomHash(rng)));
  ProfileIndex index;
  index.Replace(std::move(profiles));
  for (int q = 0; q < 200; ++q) {
    EXPECT_TRUE(index.Match(Key(RandomHash(rng)), MatchPolicy{}).empty());
  }
}

TEST(Band, ByKindAndDistance) {
  EXPECT_STREQ(BandName(BandOf("sha256", 0)), "exact");
  EXPECT_STREQ(BandName(BandOf("md5", 0)), "exact");
  EXPECT_STREQ(BandName(BandOf("pdq", 0)), "near-exact");
  EXPECT_STREQ(BandName(BandOf("pdq", 10)), "near-exact");
  EXPECT_STREQ(BandName(BandOf("pdq", 11)), "strong");
  EXPECT_STREQ(BandName(BandOf("pdq", 21)), "weak");
}

}  // namespace
}  // namespace tdm::matcher
