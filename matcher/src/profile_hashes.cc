#include "tdm/matcher/profile_hashes.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <opencv2/core.hpp>
#include <set>
#include <tuple>
#include <utility>

#include "decode.h"

namespace tdm::matcher {
namespace {

// As ComputeImageSignal: larger images are first scaled to this square.
constexpr int kHashSide = 512;

constexpr const char* kDihedralNames[8] = {"orig",  "rot90", "rot180", "rot270",
                                           "flipx", "flipy", "flip+1", "flip-1"};

// Luma of `pixels` sampled the way ComputeImageSignal samples a decoded image
// (nearest neighbour, source index floor(i * old / new), CImg's resize).
std::vector<float> HashingLuma(const PixelView& pixels, int& out_width, int& out_height) {
  const bool shrink = pixels.width > kHashSide || pixels.height > kHashSide;
  out_width = shrink ? kHashSide : pixels.width;
  out_height = shrink ? kHashSide : pixels.height;
  std::vector<int> source_col(out_width);
  for (int x = 0; x < out_width; ++x) {
    source_col[x] = static_cast<int>(int64_t{x} * pixels.width / out_width);
  }
  constexpr float kR = 0.299f, kG = 0.587f, kB = 0.114f;
  std::vector<float> luma(static_cast<size_t>(out_width) * out_height);
  float* out = luma.data();
  for (int y = 0; y < out_height; ++y) {
    const int source_row = static_cast<int>(int64_t{y} * pixels.height / out_height);
    const uint8_t* row = pixels.data + source_row * pixels.stride;
    if (pixels.channels == 1) {
      for (int x = 0; x < out_width; ++x) *out++ = row[source_col[x]];
      continue;
    }
    for (int x = 0; x < out_width; ++x) {
      const uint8_t* p = row + 3 * source_col[x];
      *out++ = kR * p[2] + kG * p[1] + kB * p[0];
    }
  }
  return luma;
}

// Percent trimmed off each side, left, top, right, bottom.
struct Crop {
  double left, top, right, bottom;
};

std::string Percent(double p) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%g", std::round(p * 100) / 100);
  return buffer;
}

std::string CropName(const Crop& c) {
  return "crop:" + Percent(c.left) + "," + Percent(c.top) + "," + Percent(c.right) + "," +
         Percent(c.bottom);
}

// Trim pairs (low side, high side) for one axis, each side at most `reach`:
// points on evenly spaced lines of constant total trim s = lo + hi (at most
// zoom_step apart, from 0 to 2 * reach), spread evenly along each line at
// most shift_step apart in lo, always including the centred crop. PDQ moves
// about four times more per percent of window shift than per percent of zoom
// (bench/edits/RESULTS.md), hence the shape.
std::vector<std::pair<double, double>> AxisTrims(double zoom_step, double shift_step,
                                                 double reach) {
  constexpr double kEps = 1e-6;
  std::vector<std::pair<double, double>> trims;
  const int lines = static_cast<int>(std::ceil(2 * reach / zoom_step - kEps));
  for (int k = 0; k <= lines; ++k) {
    const double s = 2 * reach * k / lines;
    const double lo_min = std::max(0.0, s - reach), lo_max = std::min(reach, s);
    int gaps = static_cast<int>(std::ceil((lo_max - lo_min) / shift_step - kEps));
    gaps += gaps % 2;  // even, so the centred crop is on the grid
    for (int i = 0; i <= gaps; ++i) {
      const double lo = gaps == 0 ? lo_min : lo_min + i * (lo_max - lo_min) / gaps;
      trims.emplace_back(lo, s - lo);
    }
  }
  return trims;
}

// The crop grid of `options`, without the uncropped photo: every pair of axis
// trims that stays within the per-side box, or keeps at least min_area.
std::vector<Crop> CropGrid(const ProfileHashOptions& options) {
  constexpr double kEps = 1e-6;
  const double zoom = options.crop_zoom_step_percent, shift = options.crop_shift_step_percent;
  if (!(zoom > 0) || !(shift > 0)) return {};
  const double max_side = options.crop_max_side_percent;
  const double min_area = std::clamp(options.crop_min_area_percent, 0.0, 100.0) / 100;
  const double reach = std::min(45.0, std::max(max_side, 100 * (1 - min_area)));
  const auto trims = AxisTrims(zoom, shift, reach);
  std::vector<Crop> grid;
  for (const auto& [t, b] : trims) {
    for (const auto& [l, r] : trims) {
      if (l + r + t + b < kEps) continue;
      const bool in_box = std::max({l, t, r, b}) <= max_side + kEps;
      const bool big_enough = (1 - (l + r) / 100) * (1 - (t + b) / 100) >= min_area - kEps;
      if (in_box || big_enough) grid.push_back({l, t, r, b});
    }
  }
  return grid;
}

// `image` after dihedral transform `d`, as PdqDihedral names them.
cv::Mat Dihedral(const cv::Mat& image, PdqDihedral d) {
  cv::Mat out;
  switch (d) {
    case kPdqRotate90:
      cv::rotate(image, out, cv::ROTATE_90_COUNTERCLOCKWISE);
      break;
    case kPdqRotate180:
      cv::rotate(image, out, cv::ROTATE_180);
      break;
    case kPdqRotate270:
      cv::rotate(image, out, cv::ROTATE_90_CLOCKWISE);
      break;
    case kPdqFlipX:
      cv::flip(image, out, 0);
      break;
    case kPdqFlipY:
      cv::flip(image, out, 1);
      break;
    case kPdqFlipPlus1:
      cv::transpose(image, out);
      break;
    case kPdqFlipMinus1:
      cv::rotate(image.t(), out, cv::ROTATE_180);
      break;
    default:
      out = image;
      break;
  }
  return out;
}

PixelView ViewOf(const cv::Mat& m) {
  return {m.ptr<uint8_t>(), m.cols, m.rows, m.channels(), m.step[0]};
}

}  // namespace

PdqResult PdqFromPixels(const PixelView& pixels) {
  int width = 0, height = 0;
  const std::vector<float> luma = HashingLuma(pixels, width, height);
  return PdqFromLuma(luma.data(), width, height);
}

std::array<PdqHash, 8> PdqDihedralFromPixels(const PixelView& pixels, int* quality) {
  int width = 0, height = 0;
  const std::vector<float> luma = HashingLuma(pixels, width, height);
  return PdqDihedralFromLuma(luma.data(), width, height, quality);
}

Result<std::vector<ProfileHash>> ComputeProfileHashes(std::span<const uint8_t> photo_bytes,
                                                      const ProfileHashOptions& options) {
  // The same checks and pixels as ComputeImageSignal's default path, so
  // "orig" is exactly the hash the crawler computes for an unedited repost.
  auto image = DecodeForHashing(photo_bytes, options.limits, JpegLuma::kFromY);
  if (!image.ok()) return image.status();
  const cv::Mat& decoded = image->pixels;
  std::vector<ProfileHash> hashes;
  const PdqResult orig = PdqFromPixels(ViewOf(decoded));
  hashes.push_back({"orig", orig.hash, orig.quality});

  if (options.dihedral) {
    // Transform the pixels rather than permute one DCT (PdqDihedralFromLuma):
    // a rotated repost is hashed from rotated pixels, and on small photos the
    // DCT shortcut lands 20-40 bits away from that.
    for (int d = 1; d < 8; ++d) {
      const cv::Mat turned = Dihedral(decoded, static_cast<PdqDihedral>(d));
      const PdqResult pdq = PdqFromPixels(ViewOf(turned));
      hashes.push_back({kDihedralNames[d], pdq.hash, pdq.quality});
    }
  }
  if (!options.crops) return hashes;

  // Pixel rectangles already hashed; the full image counts as one.
  std::set<std::tuple<int, int, int, int>> seen = {{0, 0, decoded.cols, decoded.rows}};
  for (const Crop& crop : CropGrid(options)) {
    const int x0 = static_cast<int>(std::lround(crop.left / 100 * decoded.cols));
    const int y0 = static_cast<int>(std::lround(crop.top / 100 * decoded.rows));
    const int x1 = decoded.cols - static_cast<int>(std::lround(crop.right / 100 * decoded.cols));
    const int y1 = decoded.rows - static_cast<int>(std::lround(crop.bottom / 100 * decoded.rows));
    if (x1 - x0 < 1 || y1 - y0 < 1 || !seen.insert({x0, y0, x1, y1}).second) continue;
    const cv::Mat region = decoded(cv::Rect(x0, y0, x1 - x0, y1 - y0));
    const std::string name = CropName(crop);
    if (!options.dihedral_crops) {
      const PdqResult pdq = PdqFromPixels(ViewOf(region));
      hashes.push_back({name, pdq.hash, pdq.quality});
      continue;
    }
    int quality = 0;
    const auto dihedral = PdqDihedralFromPixels(ViewOf(region), &quality);
    hashes.push_back({name, dihedral[0], quality});
    for (int d = 1; d < 8; ++d) {
      hashes.push_back({std::string(kDihedralNames[d]) + "/" + name, dihedral[d], quality});
    }
  }
  return hashes;
}

}  // namespace tdm::matcher
