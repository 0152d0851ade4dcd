#pragma once

// PDQ perceptual hashing, compatible bit for bit with Meta ThreatExchange's
// reference implementation (facebook/ThreatExchange, pdq/cpp): same luma
// weights, two-pass Jarosz box filter down to 64x64, 16x16 DCT, median
// threshold, quality metric and hex format. A hash computed here can be
// compared with hashes from ThreatExchange, StopNCII and other PDQ users.
//
// Everything here is a pure function or a value type: thread-safe, no state.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "tdm/common/status.h"

namespace tdm::matcher {

// A 256-bit PDQ hash. Bit k (k = 16 * dct_row + dct_col, 0..255) lives in
// words[k / 64] at bit k % 64, so the hash reads as one 256-bit little-endian
// integer; ToHex prints it most significant digit first, exactly as
// ThreatExchange's Hash256::format() does.
struct PdqHash {
  std::array<uint64_t, 4> words{};

  // 64 lowercase hex digits, ThreatExchange's format.
  std::string ToHex() const;
  // Parses 64 hex digits (either case). InvalidArgument on any other input.
  static Result<PdqHash> FromHex(std::string_view hex);

  bool GetBit(int k) const { return (words[k >> 6] >> (k & 63)) & 1; }
  void SetBit(int k) { words[k >> 6] |= uint64_t{1} << (k & 63); }

  friend bool operator==(const PdqHash&, const PdqHash&) = default;
};

// Number of differing bits, 0..256. Matching threshold in tdm: <= 31.
int HammingDistance(const PdqHash& a, const PdqHash& b);

struct PdqResult {
  PdqHash hash;
  // 0..100; below 50 the image is too featureless for its hash to be
  // trusted (flat colour, tiny image).
  int quality = 0;
};

// Hashes a row-major luma plane (values 0..255, Y = 0.299 R + 0.587 G +
// 0.114 B) of any size. Images smaller than 5 pixels on a side hash to all
// zeros with quality 0, as in the reference. The caller decides any
// pre-scaling (ComputeImageSignal mimics the reference tool's 512x512 step).
// Allocates two scratch buffers per call (about 2 * width * height floats).
PdqResult PdqFromLuma(const float* luma, int width, int height);

// Index of each variant in PdqDihedralFromLuma's result: the hash the image
// would have after that transform, computed from one DCT.
enum PdqDihedral : int {
  kPdqOriginal = 0,
  kPdqRotate90 = 1,  // counter-clockwise
  kPdqRotate180 = 2,
  kPdqRotate270 = 3,   // counter-clockwise, i.e. 90 clockwise
  kPdqFlipX = 4,       // mirrored top to bottom
  kPdqFlipY = 5,       // mirrored left to right
  kPdqFlipPlus1 = 6,   // transposed
  kPdqFlipMinus1 = 7,  // anti-transposed
};

// The eight dihedral hashes (indexed by PdqDihedral) of the luma plane, for
// matching images that were rotated or mirrored. Costs about one PdqFromLuma.
// As in the reference, a variant is close to (typically within ~20 bits of),
// not identical to, PdqFromLuma of the transformed image: the box filter is
// half a sample off-centre, so mirrored images blur slightly differently.
// If `quality` is not null it receives the quality (the same for all eight).
std::array<PdqHash, 8> PdqDihedralFromLuma(const float* luma, int width, int height,
                                           int* quality = nullptr);

}  // namespace tdm::matcher
