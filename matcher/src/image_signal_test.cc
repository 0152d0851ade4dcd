#include "tdm/matcher/image_signal.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <string>
#include <vector>

#include "tdm/matcher/testing/images.h"

namespace tdm::matcher {
namespace {

using tdm::matcher::testing::SyntheticPhoto;

using Bytes = std::vector<uint8_t>;

Bytes Encode(const cv::Mat& img, const std::string& ext, std::vector<int> params = {}) {
  Bytes out;
  EXPECT_TRUE(cv::imencode(ext, img, out, params)) << ext;
  return out;
}

ImageSignal MustSignal(const Bytes& bytes) {
  auto signal = ComputeImageSignal(bytes);
  EXPECT_TRUE(signal.ok()) << signal.status().ToString();
  return signal.ok() ? *signal : ImageSignal{};
}

bool StartsWith(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

void PutBe32(Bytes& b, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) b.push_back(static_cast<uint8_t>(v >> shift));
}
void PutLe(Bytes& b, uint32_t v, int n) {
  for (int i = 0; i < n; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void PutText(Bytes& b, const std::string& s) { b.insert(b.end(), s.begin(), s.end()); }

// Signature and IHDR of a PNG, nothing after it.
Bytes PngHeaderOnly(uint32_t width, uint32_t height) {
  Bytes b = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  PutBe32(b, 13);
  PutText(b, "IHDR");
  PutBe32(b, width);
  PutBe32(b, height);
  b.insert(b.end(), {8, 2, 0, 0, 0, 0, 0, 0, 0});  // depth, RGB, ..., CRC
  return b;
}

TEST(ProbeImageHeaderTest, ReadsDimensionsOfEncodedImages) {
  const cv::Mat img = SyntheticPhoto(1, 123, 77);
  struct Case {
    std::string ext, format;
    std::vector<int> params;
  };
  std::vector<Case> cases = {{".jpg", "jpeg", {}}, {".png", "png", {}}, {".bmp", "bmp", {}}};
  if (cv::haveImageWriter(".webp")) {
    cases.push_back({".webp", "webp", {cv::IMWRITE_WEBP_QUALITY, 80}});   // VP8
    cases.push_back({".webp", "webp", {cv::IMWRITE_WEBP_QUALITY, 101}});  // VP8L
  }
  for (const Case& c : cases) {
    auto header = ProbeImageHeader(Encode(img, c.ext, c.params));
    ASSERT_TRUE(header.ok()) << c.ext << ": " << header.status().ToString();
    EXPECT_EQ(header->format, c.format);
    EXPECT_EQ(header->width, 123) << c.ext;
    EXPECT_EQ(header->height, 77) << c.ext;
  }
}

TEST(ProbeImageHeaderTest, ReadsHandBuiltGifWebpXAndTopDownBmpHeaders) {
  Bytes gif;
  PutText(gif, "GIF89a");
  PutLe(gif, 300, 2);
  PutLe(gif, 200, 2);
  gif.push_back(0);
  auto g = ProbeImageHeader(gif);
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->format, "gif");
  EXPECT_EQ(g->width, 300);
  EXPECT_EQ(g->height, 200);
  // A header alone is not a GIF: refused as corrupt, without a crash.
  EXPECT_EQ(ComputeImageSignal(gif).status().message().rfind("image does not decode", 0), 0u);

  Bytes webp;
  PutText(webp, "RIFF");
  PutLe(webp, 22, 4);
  PutText(webp, "WEBPVP8X");
  PutLe(webp, 10, 4);
  PutLe(webp, 0, 4);
  PutLe(webp, 19999, 3);
  PutLe(webp, 29999, 3);
  auto w = ProbeImageHeader(webp);
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  EXPECT_EQ(w->width, 20000);
  EXPECT_EQ(w->height, 30000);
  EXPECT_EQ(ComputeImageSignal(webp).status().code(), Status::Code::kTooLarge);

  Bytes bmp;
  PutText(bmp, "BM");
  PutLe(bmp, 0, 12);
  PutLe(bmp, 40, 4);
  PutLe(bmp, 640, 4);
  PutLe(bmp, static_cast<uint32_t>(-480), 4);  // top-down
  auto b = ProbeImageHeader(bmp);
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(b->width, 640);
  EXPECT_EQ(b->height, 480);
}

TEST(ProbeImageHeaderTest, RefusesAHugePngBeforeDecoding) {
  // Header only: a decoder would fail on it, so TooLarge proves the refusal
  // came from the header check, before any decode or allocation.
  const Bytes png = PngHeaderOnly(100000, 100000);
  auto header = ProbeImageHeader(png);
  ASSERT_TRUE(header.ok());
  EXPECT_EQ(header->width, 100000);
  auto signal = ComputeImageSignal(png);
  ASSERT_FALSE(signal.ok());
  EXPECT_EQ(signal.status().code(), Status::Code::kTooLarge);
  EXPECT_NE(signal.status().message().find("100000x100000"), std::string::npos);
}

TEST(ProbeImageHeaderTest, RefusesAJpegFrameClaimingHugeSides) {
  Bytes jpeg = Encode(SyntheticPhoto(2, 64, 64), ".jpg");
  for (size_t i = 2; i + 9 < jpeg.size(); ++i) {
    if (jpeg[i] == 0xFF && jpeg[i + 1] == 0xC0) {  // SOF0: len, precision, h, w
      jpeg[i + 5] = jpeg[i + 6] = jpeg[i + 7] = jpeg[i + 8] = 0xFF;
      break;
    }
  }
  auto signal = ComputeImageSignal(jpeg);
  EXPECT_EQ(signal.status().code(), Status::Code::kTooLarge);
  EXPECT_NE(signal.status().message().find("65535x65535"), std::string::npos);
}

TEST(ComputeImageSignalTest, EmptyGarbageAndTruncatedInputsAreInvalid) {
  EXPECT_EQ(ComputeImageSignal({}).status().message(), "empty file");
  EXPECT_EQ(ProbeImageHeader({}).status().message(), "empty file");

  cv::RNG rng(42);
  Bytes garbage(4096);
  for (auto& byte : garbage) byte = static_cast<uint8_t>(rng.uniform(0, 256));
  garbage[0] = 0x00;
  EXPECT_EQ(ComputeImageSignal(garbage).status().message(), "not an image (unrecognised format)");

  const Bytes jpeg = Encode(SyntheticPhoto(3), ".jpg");
  const Bytes png = Encode(SyntheticPhoto(3), ".png");
  for (const Bytes& cut :
       {Bytes(jpeg.begin(), jpeg.begin() + jpeg.size() * 6 / 10),
        Bytes(jpeg.begin(), jpeg.begin() + 40), Bytes(png.begin(), png.begin() + png.size() / 2),
        Bytes(png.begin(), png.begin() + 20)}) {
    auto signal = ComputeImageSignal(cut);
    ASSERT_FALSE(signal.ok()) << cut.size();
    EXPECT_EQ(signal.status().code(), Status::Code::kInvalidArgument);
    EXPECT_TRUE(
        StartsWith(signal.status().message(), "image does not decode (truncated or corrupt)"))
        << signal.status().message();
  }
}

TEST(ComputeImageSignalTest, LimitsAreEnforced) {
  const Bytes png = Encode(SyntheticPhoto(4, 100, 60), ".png");
  EXPECT_EQ(ComputeImageSignal(png, {.max_bytes = 100}).status().code(), Status::Code::kTooLarge);
  EXPECT_EQ(ComputeImageSignal(png, {.max_pixels = 5999}).status().code(), Status::Code::kTooLarge);
  EXPECT_EQ(ComputeImageSignal(png, {.min_side = 61}).status().code(),
            Status::Code::kInvalidArgument);
  EXPECT_TRUE(ComputeImageSignal(png, {.max_pixels = 6000, .min_side = 60}).ok());
}

TEST(ComputeImageSignalTest, DigestsAreOfTheRawBytes) {
  std::ifstream in(TDM_SHARED_DIR "/pdq-vectors/images/bridge-mods__aaa-orig.jpg",
                   std::ios::binary);
  const Bytes bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  const ImageSignal s = MustSignal(bytes);
  EXPECT_EQ(s.sha256_hex, "b5b0799616df52d475a3968dc7e54f1d0724c912244ffa6175bc786375dd7298");
  EXPECT_EQ(s.md5_hex, "d35c785545392755e7e4164457657269");
  EXPECT_EQ(s.format, "jpeg");
}

TEST(ComputeImageSignalTest, ReportsOriginalDimensionsOfLargeImages) {
  const ImageSignal s = MustSignal(Encode(SyntheticPhoto(5, 900, 700), ".png"));
  EXPECT_EQ(s.width, 900);
  EXPECT_EQ(s.height, 700);
  EXPECT_EQ(s.format, "png");
  EXPECT_GE(s.quality, 50);
}

TEST(ComputeImageSignalTest, SixteenBitGreyRgbaAndTinyImagesHash) {
  const cv::Mat photo = SyntheticPhoto(6);
  const ImageSignal base = MustSignal(Encode(photo, ".png"));

  cv::Mat deep;
  photo.convertTo(deep, CV_16UC3, 257.0);
  const ImageSignal sixteen = MustSignal(Encode(deep, ".png"));
  EXPECT_LE(HammingDistance(base.pdq, sixteen.pdq), 4);

  cv::Mat rgba;
  cv::cvtColor(photo, rgba, cv::COLOR_BGR2BGRA);
  EXPECT_EQ(MustSignal(Encode(rgba, ".png")).pdq, base.pdq);  // opaque alpha

  cv::Mat grey;
  cv::cvtColor(photo, grey, cv::COLOR_BGR2GRAY);
  const ImageSignal grey_jpeg = MustSignal(Encode(grey, ".jpg", {cv::IMWRITE_JPEG_QUALITY, 95}));
  EXPECT_LE(HammingDistance(base.pdq, grey_jpeg.pdq), 16);

  const ImageSignal tiny = MustSignal(Encode(SyntheticPhoto(7, 8, 8), ".png"));
  EXPECT_EQ(tiny.width, 8);
  EXPECT_EQ(tiny.height, 8);
  EXPECT_NE(tiny.pdq, PdqHash{});
}

TEST(ComputeImageSignalTest, WebpDecodesAndHashesLikeThePng) {
  ASSERT_TRUE(cv::haveImageWriter(".webp")) << "Debian's OpenCV is built with libwebp";
  const cv::Mat photo = SyntheticPhoto(9);
  const ImageSignal png = MustSignal(Encode(photo, ".png"));
  for (int quality : {75, 101}) {  // lossy VP8 and lossless VP8L
    const ImageSignal webp =
        MustSignal(Encode(photo, ".webp", {cv::IMWRITE_WEBP_QUALITY, quality}));
    EXPECT_EQ(webp.format, "webp");
    EXPECT_EQ(webp.width, photo.cols);
    EXPECT_LE(HammingDistance(png.pdq, webp.pdq), quality > 100 ? 0 : 12) << quality;
  }
}

TEST(ComputeImageSignalTest, HashSurvivesEverydayEditsButSeparatesDifferentImages) {
  const cv::Mat photo = SyntheticPhoto(8);
  const ImageSignal original = MustSignal(Encode(photo, ".png"));
  EXPECT_GE(original.quality, 80);

  cv::Mat half, twice, marked = photo.clone();
  cv::resize(photo, half, cv::Size(), 0.5, 0.5, cv::INTER_AREA);
  cv::resize(photo, twice, cv::Size(), 2.0, 2.0, cv::INTER_LINEAR);
  cv::putText(marked, "leaks.example", cv::Point(photo.cols - 190, photo.rows - 12),
              cv::FONT_HERSHEY_SIMPLEX, 0.6, cv::Scalar(255, 255, 255), 2);
  const struct {
    const char* name;
    Bytes bytes;
  } edits[] = {
      {"jpeg q40", Encode(photo, ".jpg", {cv::IMWRITE_JPEG_QUALITY, 40})},
      {"0.5x", Encode(half, ".png")},
      {"2x", Encode(twice, ".jpg", {cv::IMWRITE_JPEG_QUALITY, 90})},
      {"watermark", Encode(marked, ".jpg", {cv::IMWRITE_JPEG_QUALITY, 85})},
  };
  for (const auto& edit : edits) {
    const int d = HammingDistance(original.pdq, MustSignal(edit.bytes).pdq);
    std::printf("  %-10s distance %d\n", edit.name, d);
    EXPECT_LE(d, 31) << edit.name;
  }

  const ImageSignal other = MustSignal(Encode(SyntheticPhoto(9), ".png"));
  const int apart = HammingDistance(original.pdq, other.pdq);
  std::printf("  different image distance %d\n", apart);
  EXPECT_GT(apart, 31);
}

// Speed lives in bench/pdq; here only what each JPEG path computes.
TEST(ComputeImageSignalTest, ReducedJpegDecodeStaysCloseToTheExactHash) {
  for (auto [w, h] : {std::pair{1024, 768}, {2600, 1900}, {700, 500}}) {
    const Bytes jpeg = Encode(SyntheticPhoto(10 + w, w, h), ".jpg", {cv::IMWRITE_JPEG_QUALITY, 90});
    auto exact = ComputeImageSignal(jpeg, {}, JpegLuma::kFromRgb);
    auto luma = ComputeImageSignal(jpeg, {}, JpegLuma::kFromY);
    auto reduced = ComputeImageSignal(jpeg, {}, JpegLuma::kReducedY);
    ASSERT_TRUE(exact.ok() && luma.ok() && reduced.ok());
    EXPECT_LE(HammingDistance(exact->pdq, luma->pdq), 6) << w;
    EXPECT_LE(HammingDistance(exact->pdq, reduced->pdq), 12) << w;
    EXPECT_EQ(reduced->width, w);  // the original size, not the decode scale
    EXPECT_EQ(reduced->height, h);
    EXPECT_EQ(reduced->sha256_hex, exact->sha256_hex);
    if (w < 1024) {
      EXPECT_EQ(reduced->pdq, luma->pdq) << "small images are not reduced";
    }
  }
}

}  // namespace
}  // namespace tdm::matcher
