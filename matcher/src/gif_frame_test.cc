#include <gif_lib.h>
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "tdm/matcher/image_signal.h"
#include "tdm/matcher/profile_hashes.h"
#include "tdm/matcher/testing/images.h"

namespace tdm::matcher {
namespace {

using tdm::matcher::testing::SyntheticPhoto;

using Bytes = std::vector<uint8_t>;

int Append(GifFileType* gif, const GifByteType* data, int n) {
  auto* out = static_cast<Bytes*>(gif->UserData);
  out->insert(out->end(), data, data + n);
  return n;
}

// 3-3-2 bit palette index of a BGR pixel, and the colour it stands for.
int Index(const cv::Vec3b& p) { return (p[2] >> 5) << 5 | (p[1] >> 5) << 2 | (p[0] >> 6); }
cv::Vec3b Colour(int i) {
  return {static_cast<uint8_t>((i & 3) << 6), static_cast<uint8_t>(((i >> 2) & 7) << 5),
          static_cast<uint8_t>((i >> 5) << 5)};
}

cv::Mat Quantised(const cv::Mat& img) {
  cv::Mat out(img.size(), CV_8UC3);
  for (int y = 0; y < img.rows; ++y) {
    for (int x = 0; x < img.cols; ++x)
      out.at<cv::Vec3b>(y, x) = Colour(Index(img.at<cv::Vec3b>(y, x)));
  }
  return out;
}

// An animated GIF with the given frames, built with giflib's encoder.
Bytes AnimatedGif(const std::vector<cv::Mat>& frames, bool interlace) {
  Bytes out;
  int error = 0;
  GifFileType* gif = EGifOpen(&out, Append, &error);
  std::vector<GifColorType> colours(256);
  for (int i = 0; i < 256; ++i) {
    const cv::Vec3b c = Colour(i);
    colours[i] = {c[2], c[1], c[0]};
  }
  ColorMapObject* map = GifMakeMapObject(256, colours.data());
  const int w = frames[0].cols, h = frames[0].rows;
  EGifPutScreenDesc(gif, w, h, 8, 0, map);
  EGifSetGifVersion(gif, true);
  for (const cv::Mat& frame : frames) {
    GraphicsControlBlock gcb{};
    gcb.DelayTime = 10;
    gcb.TransparentColor = NO_TRANSPARENT_COLOR;
    GifByteType ext[4];
    const size_t len = EGifGCBToExtension(&gcb, ext);
    EGifPutExtension(gif, GRAPHICS_EXT_FUNC_CODE, static_cast<int>(len), ext);
    EGifPutImageDesc(gif, 0, 0, w, h, interlace, nullptr);
    std::vector<int> rows;
    if (interlace) {
      for (auto [start, step] : {std::pair{0, 8}, {4, 8}, {2, 4}, {1, 2}}) {
        for (int y = start; y < h; y += step) rows.push_back(y);
      }
    } else {
      for (int y = 0; y < h; ++y) rows.push_back(y);
    }
    std::vector<GifPixelType> line(w);
    for (int y : rows) {
      for (int x = 0; x < w; ++x)
        line[x] = static_cast<GifPixelType>(Index(frame.at<cv::Vec3b>(y, x)));
      EGifPutLine(gif, line.data(), w);
    }
  }
  EGifCloseFile(gif, &error);
  GifFreeMapObject(map);
  return out;
}

ImageSignal Signal(const Bytes& b) {
  auto s = ComputeImageSignal(b);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? *s : ImageSignal{};
}

TEST(GifFrame, AnimatedGifIsHashedByItsFirstFrame) {
  const cv::Mat first = Quantised(SyntheticPhoto(1, 320, 240));
  const cv::Mat second = Quantised(SyntheticPhoto(2, 320, 240));
  for (bool interlace : {false, true}) {
    const ImageSignal gif = Signal(AnimatedGif({first, second}, interlace));
    Bytes png;
    cv::imencode(".png", first, png);
    const ImageSignal same = Signal(png);
    cv::imencode(".png", second, png);
    const ImageSignal other = Signal(png);
    EXPECT_EQ(gif.format, "gif");
    EXPECT_EQ(gif.width, 320);
    EXPECT_EQ(gif.height, 240);
    EXPECT_EQ(HammingDistance(gif.pdq, same.pdq), 0) << "interlace " << interlace;
    EXPECT_GT(HammingDistance(gif.pdq, other.pdq), 31);
  }
}

TEST(GifFrame, AGifPhotoCanBeRegistered) {
  const Bytes gif = AnimatedGif({Quantised(SyntheticPhoto(4, 320, 240))}, false);
  auto variants = ComputeProfileHashes(gif);
  ASSERT_TRUE(variants.ok()) << variants.status().ToString();
  ASSERT_GT(variants->size(), 8u);
  EXPECT_EQ((*variants)[0].variant, "orig");
  EXPECT_EQ((*variants)[0].pdq, Signal(gif).pdq);
}

TEST(GifFrame, TruncatedGifIsRefusedNotCrashed) {
  const Bytes gif = AnimatedGif({Quantised(SyntheticPhoto(3, 200, 100))}, false);
  for (size_t cut : {size_t{13}, size_t{40}, gif.size() / 2}) {
    auto s = ComputeImageSignal(std::span<const uint8_t>(gif.data(), cut));
    EXPECT_FALSE(s.ok()) << cut;
    EXPECT_NE(s.status().message().find("does not decode"), std::string::npos)
        << s.status().message();
  }
}

}  // namespace
}  // namespace tdm::matcher
