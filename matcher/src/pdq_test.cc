#include "tdm/matcher/pdq.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "tdm/matcher/image_signal.h"

namespace tdm::matcher {
namespace {

const std::string kVectorDir = TDM_SHARED_DIR "/pdq-vectors/";

struct Vector {
  std::string file;
  std::string hex;
  int quality = 0;
};

std::vector<Vector> LoadVectors() {
  std::ifstream csv(kVectorDir + "expected.csv");
  std::vector<Vector> rows;
  std::string line;
  std::getline(csv, line);  // header
  while (std::getline(csv, line)) {
    std::stringstream fields(line);
    Vector v;
    std::string quality;
    std::getline(fields, v.file, ',');
    std::getline(fields, v.hex, ',');
    std::getline(fields, quality, ',');
    if (v.file.empty()) continue;
    v.quality = std::stoi(quality);
    rows.push_back(v);
  }
  return rows;
}

std::vector<uint8_t> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

PdqHash Hex(const std::string& hex) {
  auto h = PdqHash::FromHex(hex);
  EXPECT_TRUE(h.ok()) << hex;
  return h.ok() ? *h : PdqHash{};
}

// Luma as the reference tool sees it: no EXIF rotation, nearest-neighbour
// 512x512 when larger.
std::vector<float> ReferenceLuma(const std::string& path, int& width, int& height) {
  cv::Mat bgr = cv::imread(path, cv::IMREAD_COLOR | cv::IMREAD_IGNORE_ORIENTATION);
  EXPECT_FALSE(bgr.empty()) << path;
  if (bgr.cols > 512 || bgr.rows > 512) {
    cv::resize(bgr, bgr, cv::Size(512, 512), 0, 0, cv::INTER_NEAREST);
  }
  width = bgr.cols;
  height = bgr.rows;
  std::vector<float> luma;
  for (int y = 0; y < bgr.rows; ++y) {
    for (int x = 0; x < bgr.cols; ++x) {
      const cv::Vec3b p = bgr.at<cv::Vec3b>(y, x);
      luma.push_back(0.299f * p[2] + 0.587f * p[1] + 0.114f * p[0]);
    }
  }
  return luma;
}

// Hashes every reference vector through ComputeImageSignal and returns how
// many match exactly; prints the distance of each.
int CheckVectors(JpegLuma jpeg_luma) {
  const std::vector<Vector> vectors = LoadVectors();
  EXPECT_EQ(vectors.size(), 26u);
  int exact = 0;
  for (const Vector& v : vectors) {
    const std::vector<uint8_t> bytes = ReadFile(kVectorDir + v.file);
    EXPECT_FALSE(bytes.empty()) << v.file;
    auto signal = ComputeImageSignal(bytes, {}, jpeg_luma);
    EXPECT_TRUE(signal.ok()) << v.file << ": " << signal.status().ToString();
    if (!signal.ok()) continue;
    const int distance = HammingDistance(signal->pdq, Hex(v.hex));
    std::printf("  %-40s distance %3d  quality %3d (expected %3d)\n", v.file.c_str(), distance,
                signal->quality, v.quality);
    if (distance == 0) ++exact;
    if (v.quality >= 80) {
      EXPECT_LE(distance, 10) << v.file << " got " << signal->pdq.ToHex();
      EXPECT_GE(signal->quality, 80) << v.file;
    }
    if (v.file.find("misc-images__small.jpg") != std::string::npos) {
      EXPECT_LT(signal->quality, 50);
    }
  }
  std::printf("  %d of %zu vectors exact\n", exact, vectors.size());
  return exact;
}

TEST(PdqVectorsTest, EveryReferenceVectorMatchesThreatExchange) {
  // Decoding to RGB like the reference tool reproduces its hashes exactly.
  EXPECT_EQ(CheckVectors(JpegLuma::kFromRgb), 26);
}

TEST(PdqVectorsTest, JpegLumaFromYStaysWithinTenBitsOfThreatExchange) {
  EXPECT_GE(CheckVectors(JpegLuma::kFromY), 13);  // most exact, all within 10
}

TEST(PdqVectorsTest, DihedralHashesOfTheOriginalMatchTheTransformedFiles) {
  std::map<std::string, std::string> expected;
  for (const Vector& v : LoadVectors()) expected[v.file] = v.hex;
  int width = 0, height = 0;
  const std::vector<float> luma =
      ReferenceLuma(kVectorDir + "images/dih__bridge-1-original.jpg", width, height);
  int quality = -1;
  const std::array<PdqHash, 8> hashes = PdqDihedralFromLuma(luma.data(), width, height, &quality);
  EXPECT_EQ(quality, 100);
  const char* files[8] = {"1-original", "2-rotate-90", "3-rotate-180",  "4-rotate-270",
                          "5-flipx",    "6-flipy",     "7-flip-plus-1", "8-flip-minus-1"};
  // Derived from one DCT, a variant is not bit-identical to hashing the
  // transformed file (the nearest-neighbour 512x512 step and the filter's
  // half-sample asymmetry do not commute with rotation), but it must match it
  // at tdm's threshold and be closer to it than to any other variant.
  std::array<PdqHash, 8> files_hashes;
  for (int i = 0; i < 8; ++i) {
    const std::string file = std::string("images/dih__bridge-") + files[i] + ".jpg";
    ASSERT_TRUE(expected.count(file)) << file;
    files_hashes[i] = Hex(expected[file]);
  }
  for (int i = 0; i < 8; ++i) {
    const int distance = HammingDistance(hashes[i], files_hashes[i]);
    std::printf("  dihedral %-16s distance %3d to its file\n", files[i], distance);
    EXPECT_LE(distance, 31) << files[i];
    for (int j = 0; j < 8; ++j) {
      if (j != i) {
        EXPECT_LT(distance, HammingDistance(hashes[i], files_hashes[j])) << files[i];
      }
    }
  }
  EXPECT_EQ(hashes[kPdqOriginal], PdqFromLuma(luma.data(), width, height).hash);
}

TEST(PdqDihedralTest, EachVariantMatchesHashingTheTransformedImage) {
  cv::Mat img(300, 400, CV_32FC1);
  cv::RNG rng(7);
  rng.fill(img, cv::RNG::UNIFORM, 0, 255);
  cv::GaussianBlur(img, img, cv::Size(0, 0), 12);
  const auto variants = PdqDihedralFromLuma(img.ptr<float>(), img.cols, img.rows);
  auto transformed = [&](auto apply) {
    cv::Mat out;
    apply(img, out);
    out = out.clone();  // continuous
    return PdqFromLuma(out.ptr<float>(), out.cols, out.rows).hash;
  };
  std::array<PdqHash, 8> direct = {
      transformed([](const cv::Mat& in, cv::Mat& out) { out = in; }),
      transformed([](const cv::Mat& in, cv::Mat& out) {
        cv::rotate(in, out, cv::ROTATE_90_COUNTERCLOCKWISE);
      }),
      transformed([](const cv::Mat& in, cv::Mat& out) { cv::rotate(in, out, cv::ROTATE_180); }),
      transformed(
          [](const cv::Mat& in, cv::Mat& out) { cv::rotate(in, out, cv::ROTATE_90_CLOCKWISE); }),
      transformed([](const cv::Mat& in, cv::Mat& out) { cv::flip(in, out, 0); }),
      transformed([](const cv::Mat& in, cv::Mat& out) { cv::flip(in, out, 1); }),
      transformed([](const cv::Mat& in, cv::Mat& out) { cv::transpose(in, out); }),
      transformed([](const cv::Mat& in, cv::Mat& out) {
        cv::transpose(in, out);
        cv::rotate(out, out, cv::ROTATE_180);
      }),
  };
  // Not bit-exact: the box filter's window is half a sample off-centre, so a
  // mirrored image blurs slightly differently. Close, and closest to its own.
  for (int i = 0; i < 8; ++i) {
    const int own = HammingDistance(variants[i], direct[i]);
    EXPECT_LE(own, 16) << "variant " << i;
    for (int j = 0; j < 8; ++j) {
      if (j != i) {
        EXPECT_LT(own + 40, HammingDistance(variants[i], direct[j])) << i << " vs " << j;
      }
    }
  }
}

// A deliberately plain, scalar PDQ, written the way the reference is, to pin
// the optimised filter (lanes, row blocks, sampled last pass) on odd sizes.
PdqResult NaivePdq(std::vector<float> a, int w, int h) {
  std::vector<float> b(a.size());
  auto box = [](const float* in, float* out, int n, int stride, int window) {
    const int half = (window + 2) / 2;
    float sum = 0;
    int count = 0, ri = 0, li = 0, oi = 0;
    for (int i = 0; i < half - 1; ++i, ++count) sum += in[(ri++) * stride];
    for (int i = 0; i < window - half + 1; ++i) {
      sum += in[(ri++) * stride];
      out[(oi++) * stride] = sum / ++count;
    }
    for (int i = 0; i < n - window; ++i) {
      sum += in[(ri++) * stride];
      sum -= in[(li++) * stride];
      out[(oi++) * stride] = sum / count;
    }
    for (int i = 0; i < half - 1; ++i) {
      sum -= in[(li++) * stride];
      out[(oi++) * stride] = sum / --count;
    }
  };
  const int rw = (w + 127) / 128, cw = (h + 127) / 128;
  for (int pass = 0; pass < 2; ++pass) {
    for (int r = 0; r < h; ++r) box(&a[r * w], &b[r * w], w, 1, rw);
    for (int c = 0; c < w; ++c) box(&b[c], &a[c], h, w, cw);
  }
  float g[64][64];
  for (int i = 0; i < 64; ++i) {
    for (int j = 0; j < 64; ++j) {
      g[i][j] = a[static_cast<int>((i + 0.5) * h / 64) * w + static_cast<int>((j + 0.5) * w / 64)];
    }
  }
  PdqResult r;
  int grad = 0;
  for (int i = 0; i < 64; ++i) {
    for (int j = 0; j < 64; ++j) {
      if (i < 63) grad += std::abs(static_cast<int>((g[i][j] - g[i + 1][j]) * 100 / 255));
      if (j < 63) grad += std::abs(static_cast<int>((g[i][j] - g[i][j + 1]) * 100 / 255));
    }
  }
  r.quality = std::min(grad / 90, 100);
  float d[16][64], t[16][64], c[256];
  for (int i = 0; i < 16; ++i) {
    for (int j = 0; j < 64; ++j) {
      d[i][j] = static_cast<float>(static_cast<float>(std::sqrt(2.0 / 64)) *
                                   std::cos(3.14159265358979323846 / 128 * (i + 1) * (2 * j + 1)));
    }
  }
  for (int i = 0; i < 16; ++i) {
    for (int j = 0; j < 64; ++j) {
      float sum = 0;
      for (int k = 0; k < 64; ++k) sum += d[i][k] * g[k][j];
      t[i][j] = sum;
    }
  }
  for (int i = 0; i < 16; ++i) {
    for (int j = 0; j < 16; ++j) {
      float sum = 0;
      for (int k = 0; k < 64; ++k) sum += t[i][k] * d[j][k];
      c[i * 16 + j] = sum;
    }
  }
  std::vector<float> sorted(c, c + 256);
  std::sort(sorted.begin(), sorted.end());
  for (int k = 0; k < 256; ++k) {
    if (c[k] > sorted[127]) r.hash.SetBit(k);
  }
  return r;
}

TEST(PdqFromLumaTest, OptimisedFilterEqualsAPlainOneOnOddSizes) {
  cv::RNG rng(11);
  for (const cv::Size size :
       {cv::Size(5, 5), cv::Size(7, 13), cv::Size(13, 7), cv::Size(63, 65), cv::Size(100, 37),
        cv::Size(129, 250), cv::Size(333, 512), cv::Size(512, 71), cv::Size(1000, 700)}) {
    cv::Mat img(size, CV_32FC1);
    rng.fill(img, cv::RNG::UNIFORM, 0, 255);
    cv::GaussianBlur(img, img, cv::Size(0, 0), 1 + size.width / 40.0);
    std::vector<float> luma(img.begin<float>(), img.end<float>());
    const PdqResult fast = PdqFromLuma(luma.data(), size.width, size.height);
    const PdqResult plain = NaivePdq(luma, size.width, size.height);
    EXPECT_EQ(fast.hash.ToHex(), plain.hash.ToHex()) << size;
    EXPECT_EQ(fast.quality, plain.quality) << size;
  }
}

TEST(PdqHashTest, HexRoundTripsAndUsesThreatExchangeBitOrder) {
  const std::string hex = "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22";
  auto hash = PdqHash::FromHex(hex);
  ASSERT_TRUE(hash.ok());
  EXPECT_EQ(hash->ToHex(), hex);
  EXPECT_EQ(
      PdqHash::FromHex("D8F8F0CEE0F4A84F0637022A078F67F0B36E2ED596621E1D33E6339C4E9C9B22")->ToHex(),
      hex);
  // Bit k = 16 * row + col of the DCT; bit 0 is the last hex digit's low bit,
  // as in ThreatExchange's Hash256 (word 0 printed last).
  PdqHash bit0;
  bit0.SetBit(0);
  EXPECT_EQ(bit0.ToHex(), std::string(63, '0') + "1");
  PdqHash bit255;
  bit255.SetBit(255);
  EXPECT_EQ(bit255.ToHex(), "8" + std::string(63, '0'));
  PdqHash bit17;
  bit17.SetBit(17);  // second 16-bit word, bit 1
  EXPECT_EQ(bit17.ToHex(), std::string(56, '0') + "00020000");
  EXPECT_TRUE(PdqHash::FromHex(bit17.ToHex())->GetBit(17));
}

TEST(PdqHashTest, FromHexRejectsMalformedText) {
  EXPECT_FALSE(PdqHash::FromHex("").ok());
  EXPECT_FALSE(PdqHash::FromHex(std::string(63, '0')).ok());
  EXPECT_FALSE(PdqHash::FromHex(std::string(65, '0')).ok());
  EXPECT_FALSE(PdqHash::FromHex(std::string(63, '0') + "g").ok());
  EXPECT_EQ(PdqHash::FromHex(std::string(63, '0') + "g").status().code(),
            Status::Code::kInvalidArgument);
}

TEST(PdqHashTest, HammingDistanceCountsDifferingBits) {
  const PdqHash zero;
  PdqHash ones;
  ones.words = {~0ull, ~0ull, ~0ull, ~0ull};
  EXPECT_EQ(HammingDistance(zero, zero), 0);
  EXPECT_EQ(HammingDistance(zero, ones), 256);
  // Two of the reference vectors (bridge original vs its "sharpen a lot").
  EXPECT_EQ(
      HammingDistance(Hex("d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22"),
                      Hex("d0f8f0cec0f4a84f0e370a22238f67f0b36a2ef596231e1d73e6a39c4e9c9b22")),
      14);
  PdqHash a;
  a.SetBit(3);
  a.SetBit(200);
  PdqHash b;
  b.SetBit(200);
  EXPECT_EQ(HammingDistance(a, b), 1);
}

TEST(PdqFromLumaTest, TooSmallOrFlatImagesHaveZeroQuality) {
  std::vector<float> tiny(4 * 4, 128.0f);
  const PdqResult too_small = PdqFromLuma(tiny.data(), 4, 4);
  EXPECT_EQ(too_small.quality, 0);
  EXPECT_EQ(too_small.hash, PdqHash{});
  std::vector<float> flat(100 * 80, 90.0f);
  EXPECT_EQ(PdqFromLuma(flat.data(), 100, 80).quality, 0);
}

TEST(PdqFromLumaTest, HalfBrightHalfDarkSetsHalfTheBits) {
  std::vector<float> luma(128 * 128);
  for (int y = 0; y < 128; ++y) {
    for (int x = 0; x < 128; ++x) luma[y * 128 + x] = x < 64 ? 20.0f : 230.0f;
  }
  const PdqResult r = PdqFromLuma(luma.data(), 128, 128);
  int set = 0;
  for (int k = 0; k < 256; ++k) set += r.hash.GetBit(k);
  EXPECT_LE(set, 128);
  EXPECT_GT(r.quality, 0);
}

}  // namespace
}  // namespace tdm::matcher
