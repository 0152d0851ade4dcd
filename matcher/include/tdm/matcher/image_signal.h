#pragma once

// Turns untrusted downloaded bytes into the signals tdm keeps about an image
// (cryptographic digests, PDQ hash, size, format). The bytes are only read,
// never copied to disk or kept: the caller drops them afterwards (DESIGN.md,
// "Never store intimate imagery").
//
// Input is hostile by assumption: every failure is a returned Status, never
// a crash or an exception. The container header is parsed here, before any
// decoder runs, so an image claiming absurd dimensions is refused without
// allocating for it.
//
// Functions are stateless and thread-safe.

#include <cstdint>
#include <span>
#include <string>

#include "tdm/common/status.h"
#include "tdm/matcher/pdq.h"

namespace tdm::matcher {

// Caps applied before decoding. Defaults suit photos from the web.
struct ImageLimits {
  int64_t max_bytes = 20 << 20;     // larger inputs: TooLarge
  int64_t max_pixels = 50'000'000;  // width * height over this: TooLarge
  int min_side = 1;                 // a side below this: InvalidArgument
};

// What the container header claims, read without decoding.
struct ImageHeader {
  std::string format;  // "jpeg", "png", "gif", "webp" or "bmp"
  int width = 0;
  int height = 0;
};

// Reads format and dimensions from the first bytes (JPEG SOFn, PNG IHDR, GIF
// logical screen, WebP VP8/VP8L/VP8X, BMP info header).
// Errors: InvalidArgument("empty file"); InvalidArgument("not an image
// (unrecognised format)"); InvalidArgument("image does not decode (truncated
// or corrupt): ...") when a known format's header is cut short or malformed,
// or declares a zero dimension.
Result<ImageHeader> ProbeImageHeader(std::span<const uint8_t> bytes);

struct ImageSignal {
  std::string sha256_hex;  // of the raw bytes, lowercase hex
  std::string md5_hex;     // of the raw bytes, lowercase hex
  PdqHash pdq;
  int quality = 0;  // PDQ quality 0..100; below 50, do not match on it
  int width = 0;    // as decoded, before any scaling for hashing
  int height = 0;
  std::string format;  // as ImageHeader::format
};

// Where ComputeImageSignal takes a JPEG's luma from. Other formats always
// decode to colour (their decoders have no cheaper path).
enum class JpegLuma {
  // Read the JPEG's own Y (luma) plane and skip decoding the colour planes.
  // Y is the same 0.299/0.587/0.114 weighted sum, before rounding and
  // clipping, so hashes stay within a few bits of the reference tool's (on
  // ThreatExchange's vectors: 23 of 26 identical, the rest within 4 bits).
  // 3-4x faster than kFromRgb with OpenCV 4.6 (1024x768: ~1.8 ms vs ~6.5 ms).
  kFromY,
  // Decode to RGB and weigh it, exactly as the reference tool does: hashes
  // identical to ThreatExchange's. Slow because OpenCV 4.6 converts colour
  // and then swaps every pixel to BGR.
  kFromRgb,
  // As kFromY, but a JPEG at least twice the 512-pixel hashing size is
  // decoded at 1/2, 1/4 or 1/8 scale in the DCT domain (libjpeg scale_denom),
  // the largest that keeps its longer side >= 512. Hashes drift a few bits
  // more (bench/pdq: 1024x768 mean 3.4, max 6; 4032x3024 at 1/4 mean 1.9,
  // max 4), far inside the match threshold of 31, and decoding is 1.5-4x
  // faster. What the matcher uses on crawled images; hashes meant for
  // sharing (tdm hash, exports) use kFromRgb.
  kReducedY,
};

// Probes, checks `limits`, decodes (ignoring EXIF orientation, as the PDQ
// reference tool does) and hashes. Like the reference pdq-photo-hasher, an
// image over 512 pixels on either side is first scaled to 512x512 by nearest
// neighbour. Errors:
//   InvalidArgument: empty file, unrecognised format,
//     a side below min_side, "image does not decode (truncated or corrupt)"
//     (including a JPEG without its end-of-image marker: libjpeg would grey
//     out the missing part of a cut-short download rather than fail).
//   TooLarge: more than max_bytes, or header dimensions over max_pixels
//     (refused before decoding; the message names the dimensions).
Result<ImageSignal> ComputeImageSignal(std::span<const uint8_t> bytes,
                                       const ImageLimits& limits = {},
                                       JpegLuma jpeg_luma = JpegLuma::kFromY);

}  // namespace tdm::matcher
