#include "tdm/matcher/pdq.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>

// The floating-point steps below (box-filter running sums, decimation
// indices, DCT summation order, median choice) follow the order of operations
// of ThreatExchange's pdq/cpp so that hashes agree bit for bit, not merely
// within a few bits. Do not "simplify" them into algebraically equal forms.

namespace tdm::matcher {
namespace {

constexpr int kMinHashableSide = 5;
constexpr int kDownsampled = 64;  // side of the blurred, decimated image
constexpr int kDctSide = 16;      // DCT coefficients kept per axis
constexpr int kJaroszPasses = 2;  // two box passes approximate a tent filter

using Grid64 = std::array<float, kDownsampled * kDownsampled>;
using Grid16 = std::array<float, kDctSide * kDctSide>;
using DctMatrix = std::array<float, kDctSide * kDownsampled>;

// Rows 1..16 of the 64-point DCT-II basis (row 0, the DC term, is skipped).
const DctMatrix& DctBasis() {
  static const DctMatrix matrix = [] {
    DctMatrix m{};
    const float scale = std::sqrt(2.0 / kDownsampled);
    const double pi = 3.14159265358979323846;
    for (int i = 0; i < kDctSide; ++i) {
      for (int j = 0; j < kDownsampled; ++j) {
        m[i * kDownsampled + j] =
            static_cast<float>(scale * std::cos((pi / 2.0 / kDownsampled) * (i + 1) * (2 * j + 1)));
      }
    }
    return m;
  }();
  return matrix;
}

// Box window per pass: half of old/new, rounded up, so two passes span one
// output cell.
int WindowSize(int old_side, int new_side) {
  return (old_side + 2 * new_side - 1) / (2 * new_side);
}

// Eight floats processed as one value (two SSE registers, or one AVX).
// Lane arithmetic is plain IEEE single precision, identical to scalar code.
typedef float Lanes8 __attribute__((vector_size(32)));
constexpr int kLanes = 8;

// One 1-D box pass over n samples of `width` (>= 8) signals side by side:
// sample k of signal l is at in[k * stride + l]. The window reaches
// (window + 2) / 2 - 1 samples ahead and window - (window + 2) / 2 behind and
// is clipped and renormalised at both ends. Each signal's running sum sees
// the reference's exact sequence of adds, subtracts and divides; signals are
// processed 8 to a vector, and the independent vectors of one step overlap.
// Output position o goes to out[emit[o] * stride + l], or nowhere when
// emit[o] < 0; a null `emit` writes every position in place. The running sums
// still pass through every sample, so what is emitted is unchanged.
// `sums` is scratch for width + 8 floats.
void BoxFilterLanes(const float* in, float* out, size_t stride, int width, int n, int window,
                    const int* emit, float* sums) {
  const int ahead = (window + 2) / 2 - 1;  // summed before the first output
  const int ramp_up = window - ahead;      // outputs while the window grows
  const int full = n - window;             // outputs with the full window
  const int ramp_down = ahead;             // outputs while it shrinks
  std::fill(sums, sums + width + kLanes, 0.0f);
  // Vectors stay local and move through memcpy: passing them by value would
  // depend on whether AVX is enabled (a psABI difference).
  auto step = [&](int add, int drop, int o, int count) {
    const int out_k = (o < 0 || emit == nullptr) ? o : emit[o];
    for (int g = 0; g < width; g += kLanes) {
      // The last group may overlap the one before; it keeps its own sums (at
      // g, not l) and so recomputes identical values for the shared lanes.
      const int l = std::min(g, width - kLanes);
      Lanes8 sum, v;
      std::memcpy(&sum, sums + g, sizeof sum);
      if (add >= 0) {
        std::memcpy(&v, in + add * stride + l, sizeof v);
        sum += v;
      }
      if (drop >= 0) {
        std::memcpy(&v, in + drop * stride + l, sizeof v);
        sum -= v;
      }
      std::memcpy(sums + g, &sum, sizeof sum);
      if (out_k >= 0) {
        const Lanes8 mean = sum / static_cast<float>(count);
        std::memcpy(out + out_k * stride + l, &mean, sizeof mean);
      }
    }
  };
  int count = 0, add = 0, drop = 0, o = 0;
  for (int i = 0; i < ahead; ++i) step(add++, -1, -1, ++count);
  for (int i = 0; i < ramp_up; ++i) step(add++, -1, o++, ++count);
  for (int i = 0; i < full; ++i) step(add++, drop++, o++, count);
  for (int i = 0; i < ramp_down; ++i) step(-1, drop++, o++, --count);
}

// Box filter down each column of a rows x cols matrix, in -> out, emitting
// rows as BoxFilterLanes's `emit` says (out has `cols` columns). `pad` is
// scratch for 2 * kLanes * rows + cols + kLanes floats.
void BoxCols(const float* in, float* out, int rows, int cols, int window, const int* emit,
             int out_rows, float* pad) {
  float* sums = pad + 2 * kLanes * static_cast<size_t>(rows);
  if (cols >= kLanes) {
    BoxFilterLanes(in, out, cols, cols, rows, window, emit, sums);
    return;
  }
  // Narrow image: widen to 8 lanes through scratch.
  float* wide_in = pad;
  float* wide_out = pad + static_cast<size_t>(kLanes) * rows;
  std::fill(wide_in, wide_in + static_cast<size_t>(kLanes) * rows, 0.0f);
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c) wide_in[r * kLanes + c] = in[r * cols + c];
  }
  BoxFilterLanes(wide_in, wide_out, kLanes, kLanes, rows, window, emit, sums);
  for (int r = 0; r < out_rows; ++r) {
    for (int c = 0; c < cols; ++c) out[r * cols + c] = wide_out[r * kLanes + c];
  }
}

// Box filter along each row, in -> out (out_cols columns, emitted as `emit`
// says): kRowBlock rows at a time are interleaved into scratch so that they
// become lanes for BoxFilterLanes. `pad` is scratch for 2 * kRowBlock * cols
// + kRowBlock + kLanes floats.
constexpr int kRowBlock = 32;
void BoxRows(const float* in, float* out, int rows, int cols, int window, const int* emit,
             int out_cols, float* pad) {
  float* lanes_in = pad;
  float* lanes_out = pad + static_cast<size_t>(kRowBlock) * cols;
  float* sums = lanes_out + static_cast<size_t>(kRowBlock) * cols;
  constexpr int kTile = 8;  // transpose in tiles: both sides stay in cache
  for (int r0 = 0; r0 < rows; r0 += kRowBlock) {
    const int block = std::min(kRowBlock, rows - r0);
    const int width = std::max(block, kLanes);
    for (int k0 = 0; k0 < cols; k0 += kTile) {
      const int k1 = std::min(k0 + kTile, cols);
      for (int l = 0; l < block; ++l) {
        const float* src = in + static_cast<size_t>(r0 + l) * cols;
        for (int k = k0; k < k1; ++k) lanes_in[k * width + l] = src[k];
      }
      for (int l = block; l < width; ++l) {
        for (int k = k0; k < k1; ++k) lanes_in[k * width + l] = 0.0f;
      }
    }
    BoxFilterLanes(lanes_in, lanes_out, width, width, cols, window, emit, sums);
    for (int k0 = 0; k0 < out_cols; k0 += kTile) {
      const int k1 = std::min(k0 + kTile, out_cols);
      for (int l = 0; l < block; ++l) {
        float* dst = out + static_cast<size_t>(r0 + l) * out_cols;
        for (int k = k0; k < k1; ++k) dst[k] = lanes_out[k * width + l];
      }
    }
  }
}

// The samples along an axis of n that decimation reads: the 64 cell centres,
// floor((i + 0.5) * n / 64), deduplicated (an axis under 64 repeats some).
struct AxisSamples {
  std::array<int, kDownsampled> slot{};  // cell i reads distinct sample slot[i]
  int count = 0;                         // distinct samples
};

// Fills emit[0..n) with each read position's slot, -1 elsewhere.
AxisSamples PlanSamples(int n, int* emit) {
  AxisSamples samples;
  std::fill(emit, emit + n, -1);
  for (int i = 0; i < kDownsampled; ++i) {
    const int at = static_cast<int>(((i + 0.5) * n) / kDownsampled);
    if (emit[at] < 0) emit[at] = samples.count++;
    samples.slot[i] = emit[at];
  }
  return samples;
}

// Blurs `luma` (copied into scratch) and samples the 64x64 cell centres. The
// last pass only computes outputs at the sampled rows and columns.
void Downsample(const float* luma, int width, int height, bool passthrough_64, Grid64& out) {
  if (passthrough_64 && width == kDownsampled && height == kDownsampled) {
    std::copy(luma, luma + out.size(), out.begin());
    return;
  }
  const size_t n = static_cast<size_t>(width) * height;
  const size_t pad_size = 2 * kRowBlock * static_cast<size_t>(std::max(width, height)) +
                          std::max(width, kRowBlock) + kLanes;
  std::unique_ptr<float[]> scratch(new float[2 * n + pad_size]);  // no zero-fill
  std::unique_ptr<int[]> emits(new int[width + height]);
  float* a = scratch.get();
  float* b = a + n;
  float* pad = b + n;
  std::copy(luma, luma + n, a);
  const AxisSamples xs = PlanSamples(width, emits.get());
  const AxisSamples ys = PlanSamples(height, emits.get() + width);
  const int row_window = WindowSize(width, kDownsampled);
  const int col_window = WindowSize(height, kDownsampled);
  for (int pass = 0; pass + 1 < kJaroszPasses; ++pass) {
    BoxRows(a, b, height, width, row_window, nullptr, width, pad);
    BoxCols(b, a, height, width, col_window, nullptr, height, pad);
  }
  // b: height x xs.count, then a: ys.count x xs.count.
  BoxRows(a, b, height, width, row_window, emits.get(), xs.count, pad);
  BoxCols(b, a, height, xs.count, col_window, emits.get() + width, ys.count, pad);
  for (int i = 0; i < kDownsampled; ++i) {
    for (int j = 0; j < kDownsampled; ++j) {
      out[i * kDownsampled + j] = a[ys.slot[i] * xs.count + xs.slot[j]];
    }
  }
}

// Sum of quantised gradients between neighbours, scaled to 0..100.
int Quality(const Grid64& g) {
  int gradient_sum = 0;
  auto at = [&](int i, int j) { return g[i * kDownsampled + j]; };
  for (int i = 0; i + 1 < kDownsampled; ++i) {
    for (int j = 0; j < kDownsampled; ++j) {
      const int d = static_cast<int>(((at(i, j) - at(i + 1, j)) * 100) / 255);
      gradient_sum += std::abs(d);
    }
  }
  for (int i = 0; i < kDownsampled; ++i) {
    for (int j = 0; j + 1 < kDownsampled; ++j) {
      const int d = static_cast<int>(((at(i, j) - at(i, j + 1)) * 100) / 255);
      gradient_sum += std::abs(d);
    }
  }
  return std::min(gradient_sum / 90, 100);
}

// out = D * g * D^T, keeping DCT frequencies 1..16 on each axis.
void Dct(const Grid64& g, Grid16& out) {
  const DctMatrix& d = DctBasis();
  std::array<float, kDctSide * kDownsampled> t{};  // t = D * g
  for (int i = 0; i < kDctSide; ++i) {
    float* trow = &t[i * kDownsampled];
    for (int k = 0; k < kDownsampled; ++k) {
      const float dik = d[i * kDownsampled + k];
      const float* grow = &g[k * kDownsampled];
      for (int j = 0; j < kDownsampled; ++j) trow[j] += dik * grow[j];
    }
  }
  for (int i = 0; i < kDctSide; ++i) {
    for (int j = 0; j < kDctSide; ++j) {
      float sum = 0.0f;
      for (int k = 0; k < kDownsampled; ++k) {
        sum += t[i * kDownsampled + k] * d[j * kDownsampled + k];
      }
      out[i * kDctSide + j] = sum;
    }
  }
}

// One bit per coefficient: set when above the median (the 128th smallest).
PdqHash ToBits(const Grid16& coeffs) {
  Grid16 sorted = coeffs;
  const auto mid = sorted.begin() + (sorted.size() + 1) / 2 - 1;
  std::nth_element(sorted.begin(), mid, sorted.end());
  const float median = *mid;
  PdqHash hash;
  for (int k = 0; k < kDctSide * kDctSide; ++k) {
    if (coeffs[k] > median) hash.SetBit(k);
  }
  return hash;
}

// Coefficients of the transformed image, derived from the original's: a
// transpose swaps axes, a mirror negates the odd-frequency terms on its axis.
Grid16 Transform(const Grid16& a, PdqDihedral variant) {
  Grid16 b{};
  for (int i = 0; i < kDctSide; ++i) {
    for (int j = 0; j < kDctSide; ++j) {
      const float v = a[i * kDctSide + j];
      const bool i_odd = i & 1, j_odd = j & 1, ij_odd = (i + j) & 1;
      float* straight = &b[i * kDctSide + j];
      float* transposed = &b[j * kDctSide + i];
      switch (variant) {
        case kPdqOriginal:
          *straight = v;
          break;
        case kPdqRotate90:
          *transposed = j_odd ? v : -v;
          break;
        case kPdqRotate180:
          *straight = ij_odd ? -v : v;
          break;
        case kPdqRotate270:
          *transposed = i_odd ? v : -v;
          break;
        case kPdqFlipX:
          *straight = i_odd ? v : -v;
          break;
        case kPdqFlipY:
          *straight = j_odd ? v : -v;
          break;
        case kPdqFlipPlus1:
          *transposed = v;
          break;
        case kPdqFlipMinus1:
          *transposed = ij_odd ? -v : v;
          break;
      }
    }
  }
  return b;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string PdqHash::ToHex() const {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex(64, '0');
  for (int pos = 0; pos < 64; ++pos) {
    const int nibble = 63 - pos;  // most significant nibble first
    hex[pos] = kDigits[(words[nibble / 16] >> (4 * (nibble % 16))) & 0xf];
  }
  return hex;
}

Result<PdqHash> PdqHash::FromHex(std::string_view hex) {
  if (hex.size() != 64) {
    return Status::InvalidArgument("PDQ hash must be 64 hex digits, got " +
                                   std::to_string(hex.size()) + " characters");
  }
  PdqHash hash;
  for (int pos = 0; pos < 64; ++pos) {
    const int v = HexValue(hex[pos]);
    if (v < 0) return Status::InvalidArgument("PDQ hash has a non-hex character");
    const int nibble = 63 - pos;
    hash.words[nibble / 16] |= static_cast<uint64_t>(v) << (4 * (nibble % 16));
  }
  return hash;
}

int HammingDistance(const PdqHash& a, const PdqHash& b) {
  int d = 0;
  for (size_t i = 0; i < a.words.size(); ++i) d += std::popcount(a.words[i] ^ b.words[i]);
  return d;
}

PdqResult PdqFromLuma(const float* luma, int width, int height) {
  PdqResult result;
  if (width < kMinHashableSide || height < kMinHashableSide) return result;
  Grid64 small;
  Downsample(luma, width, height, /*passthrough_64=*/true, small);
  result.quality = Quality(small);
  Grid16 coeffs;
  Dct(small, coeffs);
  result.hash = ToBits(coeffs);
  return result;
}

std::array<PdqHash, 8> PdqDihedralFromLuma(const float* luma, int width, int height, int* quality) {
  std::array<PdqHash, 8> hashes{};
  if (quality != nullptr) *quality = 0;
  if (width < kMinHashableSide || height < kMinHashableSide) return hashes;
  Grid64 small;
  // The reference's dihedral path always filters, even at 64x64.
  Downsample(luma, width, height, /*passthrough_64=*/false, small);
  if (quality != nullptr) *quality = Quality(small);
  Grid16 coeffs;
  Dct(small, coeffs);
  for (int v = 0; v < 8; ++v) {
    hashes[v] = ToBits(Transform(coeffs, static_cast<PdqDihedral>(v)));
  }
  return hashes;
}

}  // namespace tdm::matcher
