#include "tdm/matcher/pdq_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

namespace tdm::matcher {
namespace {

using Hits = std::vector<PdqIndex::Hit>;

PdqHash RandomHash(std::mt19937_64& rng) {
  PdqHash h;
  for (auto& w : h.words) w = rng();
  return h;
}

// `base` with exactly `bits` distinct bits flipped.
PdqHash FlipBits(PdqHash base, int bits, std::mt19937_64& rng) {
  std::vector<int> order(256);
  for (int i = 0; i < 256; ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), rng);
  for (int i = 0; i < bits; ++i) base.words[order[i] >> 6] ^= uint64_t{1} << (order[i] & 63);
  return base;
}

Hits BruteForce(const std::vector<PdqHash>& hashes, const PdqHash& query, int radius) {
  Hits hits;
  for (size_t i = 0; i < hashes.size(); ++i) {
    const int d = HammingDistance(hashes[i], query);
    if (d <= radius) hits.push_back({static_cast<uint32_t>(i), d});
  }
  std::sort(hits.begin(), hits.end(), [](const PdqIndex::Hit& a, const PdqIndex::Hit& b) {
    return a.distance != b.distance ? a.distance < b.distance : a.id < b.id;
  });
  return hits;
}

// Random hashes plus clusters of near-duplicates (0..20 bits off a centre).
std::vector<PdqHash> MixedHashes(std::mt19937_64& rng) {
  std::vector<PdqHash> hashes;
  for (int i = 0; i < 10000; ++i) hashes.push_back(RandomHash(rng));
  for (int c = 0; c < 200; ++c) {
    const PdqHash centre = RandomHash(rng);
    for (int m = 0; m < 50; ++m) hashes.push_back(FlipBits(centre, rng() % 21, rng));
  }
  return hashes;
}

TEST(PdqIndexTest, MatchesBruteForceAtEveryDistance) {
  std::mt19937_64 rng(20240611);
  const std::vector<PdqHash> hashes = MixedHashes(rng);
  PdqIndex index;
  index.Build(hashes);
  ASSERT_EQ(index.size(), hashes.size());
  size_t total_hits = 0;
  for (int distance = 0; distance <= 40; ++distance) {
    for (int i = 0; i < 8; ++i) {
      const PdqHash query = FlipBits(hashes[rng() % hashes.size()], distance, rng);
      for (int radius : {31, 32, distance, 15, 16}) {
        const Hits want = BruteForce(hashes, query, radius);
        ASSERT_EQ(index.Search(query, radius), want) << "distance " << distance << " r " << radius;
        total_hits += want.size();
      }
    }
  }
  EXPECT_GT(total_hits, 1000u);  // the clusters make the comparison non-trivial
}

TEST(PdqIndexTest, FindsHashesAtExactly31NotAt32) {
  std::mt19937_64 rng(7);
  std::vector<PdqHash> hashes;
  for (int i = 0; i < 1000; ++i) hashes.push_back(RandomHash(rng));
  const PdqHash query = RandomHash(rng);
  hashes.push_back(FlipBits(query, 31, rng));
  hashes.push_back(FlipBits(query, 32, rng));
  PdqIndex index;
  index.Build(hashes);
  EXPECT_EQ(index.Search(query, 31), (Hits{{1000, 31}}));
  EXPECT_EQ(index.Search(query, 32), (Hits{{1000, 31}, {1001, 32}}));
}

TEST(PdqIndexTest, EmptyIndexAndNegativeRadius) {
  PdqIndex index;
  EXPECT_TRUE(index.Search(PdqHash{}, 31).empty());
  index.Build({});
  EXPECT_EQ(index.size(), 0u);
  EXPECT_TRUE(index.Search(PdqHash{}, 256).empty());
  index.Build({PdqHash{}});
  EXPECT_TRUE(index.Search(PdqHash{}, -1).empty());
  EXPECT_EQ(index.Search(PdqHash{}, 0), (Hits{{0, 0}}));
}

TEST(PdqIndexTest, DuplicatesAreSeparateIdsReportedOnce) {
  std::mt19937_64 rng(11);
  const PdqHash h = RandomHash(rng);
  const PdqHash near = FlipBits(h, 3, rng);
  PdqIndex index;
  index.Build({h, RandomHash(rng), h, near, h});
  EXPECT_EQ(index.Search(h, 0), (Hits{{0, 0}, {2, 0}, {4, 0}}));
  EXPECT_EQ(index.Search(h, 31), (Hits{{0, 0}, {2, 0}, {4, 0}, {3, 3}}));
}

TEST(PdqIndexTest, RadiusZeroIsExactMatch) {
  std::mt19937_64 rng(3);
  std::vector<PdqHash> hashes;
  for (int i = 0; i < 2000; ++i) hashes.push_back(RandomHash(rng));
  PdqIndex index;
  index.Build(hashes);
  EXPECT_EQ(index.Search(hashes[1234], 0), (Hits{{1234, 0}}));
  EXPECT_TRUE(index.Search(FlipBits(hashes[1234], 1, rng), 0).empty());
}

TEST(PdqIndexTest, HugeBucketOfNearIdenticalHashesStaysExact) {
  // 5000 hashes that share most chunk values (e.g. near-blank images): every
  // probe of those chunks lands in one big bucket.
  std::mt19937_64 rng(5);
  const PdqHash centre = RandomHash(rng);
  std::vector<PdqHash> hashes;
  for (int i = 0; i < 5000; ++i) hashes.push_back(FlipBits(centre, rng() % 6, rng));
  for (int i = 0; i < 3000; ++i) hashes.push_back(RandomHash(rng));
  PdqIndex index;
  index.Build(hashes);
  for (int distance : {0, 10, 25, 31, 32, 36, 60}) {
    const PdqHash query = FlipBits(centre, distance, rng);
    for (int radius : {0, 8, 31}) {
      ASSERT_EQ(index.Search(query, radius), BruteForce(hashes, query, radius))
          << "distance " << distance << " radius " << radius;
    }
  }
  EXPECT_EQ(index.Search(centre, 31).size(), BruteForce(hashes, centre, 31).size());
  EXPECT_GE(index.Search(centre, 31).size(), 5000u);
}

TEST(PdqIndexTest, LargeRadiusFallsBackToScan) {
  std::mt19937_64 rng(9);
  std::vector<PdqHash> hashes;
  for (int i = 0; i < 500; ++i) hashes.push_back(RandomHash(rng));
  PdqIndex index;
  index.Build(hashes);
  const PdqHash query = RandomHash(rng);
  EXPECT_EQ(index.Search(query, 120), BruteForce(hashes, query, 120));
  EXPECT_EQ(index.Search(query, 256).size(), hashes.size());
}

TEST(PdqIndexTest, RebuildReplacesContentsAndReportsMemory) {
  std::mt19937_64 rng(13);
  std::vector<PdqHash> hashes;
  for (int i = 0; i < 100; ++i) hashes.push_back(RandomHash(rng));
  PdqIndex index;
  index.Build(hashes);
  const size_t small = index.MemoryBytes();
  // 32-byte hashes + 16 chunks x (3-byte ids + 65537 offsets).
  EXPECT_GE(small, 100 * (32 + 16 * 3) + 16 * 65537 * 4u);
  index.Build({hashes[5]});
  EXPECT_EQ(index.size(), 1u);
  EXPECT_EQ(index.Search(hashes[5], 31), (Hits{{0, 0}}));
  EXPECT_TRUE(index.Search(hashes[6], 31).empty());
}

}  // namespace
}  // namespace tdm::matcher
