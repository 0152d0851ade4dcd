#include "tdm/matcher/face_index.h"

#include <gtest/gtest.h>

#include <random>

namespace tdm::matcher {
namespace {

FaceEmbedding RandomEmbedding(std::mt19937& rng) {
  std::normal_distribution<float> noise(0, 0.09f);  // like the recogniser's: norm ~1
  FaceEmbedding e;
  for (float& v : e) v = noise(rng);
  return e;
}

TEST(FaceIndex, FindsEveryEntryWithinTheDistanceNearestFirst) {
  std::mt19937 rng(42);
  FaceIndex index;
  std::vector<FaceEmbedding> stored;
  for (int i = 0; i < 1000; ++i) {  // not a multiple of the scan's block
    stored.push_back(RandomEmbedding(rng));
    index.Add(100 + i, stored.back());
  }
  ASSERT_EQ(index.size(), 1000u);
  for (int q = 0; q < 20; ++q) {
    FaceEmbedding query = stored[q * 37];
    std::normal_distribution<float> jitter(0, 0.02f);
    for (float& v : query) v += jitter(rng);
    const float max_distance = 1.3f;
    std::vector<FaceIndex::Hit> expected;
    for (size_t i = 0; i < stored.size(); ++i) {
      const float d = FaceDistance(query, stored[i]);
      if (d < max_distance) expected.push_back({static_cast<int64_t>(100 + i), d});
    }
    const auto hits = index.Search(query, max_distance);
    ASSERT_EQ(hits.size(), expected.size());
    ASSERT_FALSE(hits.empty());
    EXPECT_EQ(hits.front().id, 100 + q * 37);
    for (size_t i = 1; i < hits.size(); ++i) EXPECT_LE(hits[i - 1].distance, hits[i].distance);
    for (const auto& hit : hits) {
      EXPECT_NEAR(hit.distance, FaceDistance(query, stored[hit.id - 100]), 1e-4);
    }
  }
}

TEST(FaceIndex, EmptyAndCleared) {
  FaceIndex index;
  std::mt19937 rng(1);
  const FaceEmbedding e = RandomEmbedding(rng);
  EXPECT_TRUE(index.Search(e, 10).empty());
  index.Add(7, e);
  ASSERT_EQ(index.Search(e, 0.01f).size(), 1u);
  EXPECT_FLOAT_EQ(index.Search(e, 0.01f)[0].distance, 0);
  EXPECT_TRUE(index.Search(e, 0).empty()) << "the bound is exclusive";
  index.Clear();
  EXPECT_EQ(index.size(), 0u);
  EXPECT_TRUE(index.Search(e, 10).empty());
}

}  // namespace
}  // namespace tdm::matcher
