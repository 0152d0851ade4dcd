#include "tdm/matcher/profile_hashes.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <set>
#include <string>
#include <vector>

#include "tdm/matcher/image_signal.h"
#include "tdm/matcher/testing/images.h"

namespace tdm::matcher {
namespace {

using tdm::matcher::testing::Crop;
using tdm::matcher::testing::SyntheticPhoto;

using Bytes = std::vector<uint8_t>;

Bytes Jpeg(const cv::Mat& img) {
  Bytes out;
  EXPECT_TRUE(cv::imencode(".jpg", img, out, {cv::IMWRITE_JPEG_QUALITY, 85}));
  return out;
}

std::vector<ProfileHash> MustProfile(const Bytes& bytes) {
  auto hashes = ComputeProfileHashes(bytes);
  EXPECT_TRUE(hashes.ok()) << hashes.status().ToString();
  return hashes.ok() ? *hashes : std::vector<ProfileHash>{};
}

// Smallest distance from the crawled hash of `repost` to a usable variant.
int BestDistance(const std::vector<ProfileHash>& profile, const Bytes& repost) {
  auto signal = ComputeImageSignal(repost);
  EXPECT_TRUE(signal.ok()) << signal.status().ToString();
  EXPECT_GE(signal->quality, 50);
  int best = 256;
  for (const ProfileHash& h : profile) {
    if (h.quality >= 50) best = std::min(best, HammingDistance(h.pdq, signal->pdq));
  }
  return best;
}

cv::Mat Flipped(const cv::Mat& img) {
  cv::Mat out;
  cv::flip(img, out, 1);
  return out;
}

cv::Mat Rotated90(const cv::Mat& img) {
  cv::Mat out;
  cv::rotate(img, out, cv::ROTATE_90_CLOCKWISE);
  return out;
}

void ExpectEditsMatch(const cv::Mat& photo, const std::string& what) {
  const std::vector<ProfileHash> profile = MustProfile(Jpeg(photo));
  const double area80 = 1 - std::sqrt(0.8);  // total trim per axis for 80% area
  const struct {
    const char* name;
    cv::Mat image;
  } edits[] = {
      {"crop 5% per side", Crop(photo, .05, .05, .05, .05)},
      {"crop 10% per side", Crop(photo, .1, .1, .1, .1)},
      {"crop 10% left only", Crop(photo, .1, 0, 0, 0)},
      {"crop 80% area, centred", Crop(photo, area80 / 2, area80 / 2, area80 / 2, area80 / 2)},
      {"crop 80% area, top-left", Crop(photo, 0, 0, area80, area80)},
      {"rotate 90", Rotated90(photo)},
      {"mirror", Flipped(photo)},
  };
  for (const auto& edit : edits) {
    EXPECT_LE(BestDistance(profile, Jpeg(edit.image)), 31) << what << ": " << edit.name;
  }
  // Each side trimmed independently by 0..10%, as reposters do (seeded).
  cv::RNG rng(97);
  for (int i = 0; i < 8; ++i) {
    const double l = rng.uniform(0.0, 0.1), t = rng.uniform(0.0, 0.1);
    const double r = rng.uniform(0.0, 0.1), b = rng.uniform(0.0, 0.1);
    EXPECT_LE(BestDistance(profile, Jpeg(Crop(photo, l, t, r, b))), 31)
        << what << ": crop " << l << "," << t << "," << r << "," << b;
  }
}

TEST(ProfileHashesTest, OrigIsTheImageSignalHashAndNamesAreUnique) {
  const Bytes bytes = Jpeg(SyntheticPhoto(1));
  const std::vector<ProfileHash> profile = MustProfile(bytes);
  ASSERT_FALSE(profile.empty());
  EXPECT_EQ(profile[0].variant, "orig");
  EXPECT_EQ(profile[0].pdq, ComputeImageSignal(bytes)->pdq);
  EXPECT_LE(profile.size(), 2000u);
  std::set<std::string> names;
  for (const ProfileHash& h : profile) EXPECT_TRUE(names.insert(h.variant).second) << h.variant;
  EXPECT_TRUE(names.count("rot90") && names.count("flipy") && names.count("crop:5,5,5,5"));
}

TEST(ProfileHashesTest, OptionsSelectVariants) {
  const Bytes bytes = Jpeg(SyntheticPhoto(2));
  ProfileHashOptions options;
  options.dihedral = false;
  options.crops = false;
  auto plain = ComputeProfileHashes(bytes, options);
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->size(), 1u);
  options.dihedral = true;
  auto dihedral = ComputeProfileHashes(bytes, options);
  ASSERT_TRUE(dihedral.ok());
  EXPECT_EQ(dihedral->size(), 8u);
}

TEST(ProfileHashesTest, RejectsWhatImageSignalRejects) {
  EXPECT_FALSE(ComputeProfileHashes(Bytes{}).ok());
  const Bytes garbage = {'n', 'o', 't', ' ', 'a', 'n', ' ', 'i', 'm', 'a', 'g', 'e'};
  EXPECT_EQ(ComputeProfileHashes(garbage).status().code(), Status::Code::kInvalidArgument);
}

TEST(ProfileHashesTest, CroppedRotatedAndMirroredSyntheticPhotosMatch) {
  for (uint64_t seed : {11, 12})
    ExpectEditsMatch(SyntheticPhoto(seed), "seed " + std::to_string(seed));
}

TEST(ProfileHashesTest, CroppedRotatedAndMirroredBridgeMatches) {
  const cv::Mat bridge =
      cv::imread(std::string(TDM_SHARED_DIR) + "/pdq-vectors/images/bridge-mods__aaa-orig.jpg");
  ASSERT_FALSE(bridge.empty());
  ExpectEditsMatch(bridge, "bridge");
}

TEST(ProfileHashesTest, UnrelatedPhotosMatchNoVariant) {
  std::vector<std::vector<ProfileHash>> profiles;
  for (uint64_t seed : {11, 12}) profiles.push_back(MustProfile(Jpeg(SyntheticPhoto(seed))));
  for (uint64_t seed = 100; seed < 120; ++seed) {
    const Bytes other = Jpeg(SyntheticPhoto(seed));
    for (const auto& profile : profiles) EXPECT_GT(BestDistance(profile, other), 31) << seed;
  }
}

}  // namespace
}  // namespace tdm::matcher
