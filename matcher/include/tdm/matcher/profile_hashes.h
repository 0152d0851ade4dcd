#pragma once

// Many PDQ hashes of one registered photo, so that a repost which was cropped,
// rotated or mirrored still matches the single PDQ hash of the crawled image.
//
// Plain PDQ survives re-encoding and resizing but not geometry: trimming 5%
// off each side moves the hash by 70-120 bits (threshold 31), and reposters
// crop to remove watermarks. At registration time, while the photo is in
// memory, we therefore hash every variant a repost is likely to be: the eight
// rotations and mirrors, and a grid of crops. Each variant is hashed exactly
// as a crawled image would be (crop the decoded image, then ComputeImageSignal's
// nearest-neighbour pre-scale to 512x512 and PDQ), so a repost lands within a
// few bits of the variant nearest to its geometry. The photo itself is only
// read; only the hashes leave this module.
//
// Every variant is one more chance for an unrelated image to fall within the
// threshold: bench/edits measures recall and false matches of the default set.
//
// Functions are stateless and thread-safe. Errors are those of
// ComputeImageSignal for the photo bytes (InvalidArgument, TooLarge).

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "tdm/common/status.h"
#include "tdm/matcher/image_signal.h"
#include "tdm/matcher/pdq.h"

namespace tdm::matcher {

// One hash of one variant of a registered photo.
struct ProfileHash {
  // "orig"; a dihedral transform of the whole photo ("rot90", "rot180",
  // "rot270", "flipx", "flipy", "flip+1", "flip-1", as PdqDihedral);
  // "crop:<l>,<t>,<r>,<b>" with the percent trimmed off the left, top, right
  // and bottom (decimal, e.g. "crop:5,0,2.5,10"); or a dihedral name then a
  // crop ("rot90/crop:5,5,5,5": crop first, then rotate).
  std::string variant;
  PdqHash pdq;
  int quality = 0;  // 0..100, as PdqResult; the matcher ignores variants below 50
};

// Which variants to compute. The defaults (about 1,770 variants, ~0.3 s per
// photo, ~140 KB of index memory) match rotations and mirrors, every
// symmetric and one-sided crop up to 10% per side, and 99-100% of crops drawn
// with each side independently in 0..10% or to 80% of the area at a random
// position, also after resizing and recompression (bench/edits/RESULTS.md).
// A sparser grid trades recall for size: zoom 3 / shift 2 gives ~955
// variants and ~97%; zoom 5 / shift 2.5 gives ~225 variants and ~65%.
struct ProfileHashOptions {
  // The seven rotations and mirrors of the whole photo.
  bool dihedral = true;
  // The crop grid below.
  bool crops = true;
  // Crops trim each side by up to this much, independently...
  double crop_max_side_percent = 10.0;
  // ...and, beyond that, any grid crop that keeps at least this share of the
  // area (e.g. full width, 80% of the height). 100 turns this off.
  double crop_min_area_percent = 80.0;
  // The grid, per axis: the total trim (left + right, or top + bottom) steps
  // by crop_zoom_step_percent; along each total, the left (top) trim steps by
  // at most crop_shift_step_percent. The two axes combine as a product, so
  // the variant count grows with the square of the per-axis count. PDQ moves
  // about 13 bits per 1% trimmed off one side and about 28 bits per 1% shift
  // of the window, hence the finer shift step.
  double crop_zoom_step_percent = 2.5;
  double crop_shift_step_percent = 1.5;
  // Also the seven rotations and mirrors of every crop (8x the crop variants
  // and 8x the chances of a false match; off by default). These come from
  // PdqDihedralFromLuma's DCT shortcut, so they are 10-40 bits less exact
  // than the whole-photo dihedral variants, which transform the pixels.
  bool dihedral_crops = false;
  // Applied to the photo bytes, as in ComputeImageSignal.
  ImageLimits limits;
};

// Decodes `photo_bytes` and returns "orig" first (equal to ComputeImageSignal's
// hash of the same bytes), then the other variants in a fixed order. Crops
// that round to the same pixels as an earlier one (tiny photos) are dropped.
Result<std::vector<ProfileHash>> ComputeProfileHashes(std::span<const uint8_t> photo_bytes,
                                                      const ProfileHashOptions& options = {});

// A borrowed view of decoded 8-bit pixels: 1 channel (luma) or 3 (B, G, R,
// OpenCV's order), rows `stride` bytes apart.
struct PixelView {
  const uint8_t* data = nullptr;
  int width = 0;
  int height = 0;
  int channels = 3;
  size_t stride = 0;
};

// PDQ of decoded pixels exactly as ComputeImageSignal computes it after
// decoding: luma 0.299/0.587/0.114 (or the plane as is for 1 channel),
// nearest-neighbour scale to 512x512 when a side is over 512, then
// PdqFromLuma. For bench code and tests that edit images in memory.
PdqResult PdqFromPixels(const PixelView& pixels);

// As PdqFromPixels, but the eight dihedral hashes (see PdqDihedralFromLuma).
std::array<PdqHash, 8> PdqDihedralFromPixels(const PixelView& pixels, int* quality = nullptr);

}  // namespace tdm::matcher
