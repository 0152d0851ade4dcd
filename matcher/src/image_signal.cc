#include "tdm/matcher/image_signal.h"

#include <openssl/evp.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <optional>
#include <string_view>
#include <vector>

#include "decode.h"
#include "gif_frame.h"
#include "tdm/matcher/profile_hashes.h"

namespace tdm::matcher {
namespace {

constexpr char kDecodeFailed[] = "image does not decode (truncated or corrupt)";

// The DCT-domain reduced greyscale decode for JpegLuma::kReducedY: the largest
// of 1/2, 1/4, 1/8 that keeps the longer side at least 512 (PDQ's hashing
// size), or a plain greyscale decode for smaller images.
int ReducedGreyFlag(const ImageHeader& header) {
  const int longer = std::max(header.width, header.height);
  if (longer >= 8 * 512) return cv::IMREAD_REDUCED_GRAYSCALE_8;
  if (longer >= 4 * 512) return cv::IMREAD_REDUCED_GRAYSCALE_4;
  if (longer >= 2 * 512) return cv::IMREAD_REDUCED_GRAYSCALE_2;
  return cv::IMREAD_GRAYSCALE;
}

using Bytes = std::span<const uint8_t>;

Status Corrupt(std::string_view why) {
  return Status::InvalidArgument(std::string(kDecodeFailed) + ": " + std::string(why));
}

uint32_t Be16(Bytes b, size_t at) { return (uint32_t{b[at]} << 8) | b[at + 1]; }
uint32_t Be32(Bytes b, size_t at) { return (Be16(b, at) << 16) | Be16(b, at + 2); }
uint32_t Le16(Bytes b, size_t at) { return b[at] | (uint32_t{b[at + 1]} << 8); }
uint32_t Le24(Bytes b, size_t at) { return Le16(b, at) | (uint32_t{b[at + 2]} << 16); }
uint32_t Le32(Bytes b, size_t at) { return Le16(b, at) | (Le16(b, at + 2) << 16); }

bool StartsWith(Bytes b, std::string_view magic, size_t at = 0) {
  return b.size() >= at + magic.size() &&
         std::memcmp(b.data() + at, magic.data(), magic.size()) == 0;
}

Result<ImageHeader> Header(const char* format, int64_t width, int64_t height) {
  if (width <= 0 || height <= 0) return Corrupt("header declares a zero or negative side");
  if (width > INT_MAX || height > INT_MAX) return Corrupt("header declares a side over 2^31");
  return ImageHeader{format, static_cast<int>(width), static_cast<int>(height)};
}

// Where a JPEG's frame header says the image is, and where its first scan
// (entropy-coded data) starts, found by walking the marker segments.
struct JpegLayout {
  ImageHeader header;
  size_t first_scan = 0;  // 0 if the walk stopped before a scan
};

bool IsStartOfFrame(uint8_t marker) {
  // SOF0..SOF15, except DHT (C4), JPG (C8) and DAC (CC).
  return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
}

Result<JpegLayout> WalkJpeg(Bytes b) {
  JpegLayout layout;
  bool have_frame = false;
  size_t pos = 2;  // after SOI
  while (true) {
    if (pos >= b.size()) break;
    if (b[pos] != 0xFF) return Corrupt("JPEG marker expected");
    while (pos < b.size() && b[pos] == 0xFF) ++pos;  // fill bytes
    if (pos >= b.size()) break;
    const uint8_t marker = b[pos++];
    if (marker == 0x01 || marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7)) continue;
    if (marker == 0xD9) break;  // EOI before any scan
    if (pos + 2 > b.size()) break;
    const size_t length = Be16(b, pos);
    if (length < 2) return Corrupt("JPEG segment length below 2");
    if (IsStartOfFrame(marker)) {
      if (pos + 7 > b.size()) break;
      auto header = Header("jpeg", Be16(b, pos + 5), Be16(b, pos + 3));
      if (!header.ok()) return header.status();
      layout.header = std::move(header).value();
      have_frame = true;
    }
    if (marker == 0xDA) {
      layout.first_scan = pos + length;
      break;
    }
    pos += length;
  }
  if (!have_frame) return Corrupt("JPEG has no frame header before its first scan");
  return layout;
}

// A JPEG cut short still "decodes" in libjpeg (the rest turns grey, with a
// warning), so completeness is checked here: the end-of-image marker must
// follow the first scan. Entropy-coded data never contains FF D9.
bool JpegIsComplete(Bytes b, const JpegLayout& layout) {
  if (layout.first_scan == 0 || layout.first_scan >= b.size()) return false;
  static constexpr uint8_t kEoi[] = {0xFF, 0xD9};
  return std::search(b.begin() + layout.first_scan, b.end(), std::begin(kEoi), std::end(kEoi)) !=
         b.end();
}

Result<ImageHeader> ProbePng(Bytes b) {
  if (b.size() < 24 || !StartsWith(b, "IHDR", 12)) return Corrupt("PNG has no IHDR");
  return Header("png", Be32(b, 16), Be32(b, 20));
}

Result<ImageHeader> ProbeGif(Bytes b) {
  if (b.size() < 10) return Corrupt("GIF header cut short");
  return Header("gif", Le16(b, 6), Le16(b, 8));
}

Result<ImageHeader> ProbeWebp(Bytes b) {
  if (StartsWith(b, "VP8 ", 12)) {
    if (b.size() < 30 || b[23] != 0x9D || b[24] != 0x01 || b[25] != 0x2A) {
      return Corrupt("WebP VP8 frame header missing");
    }
    return Header("webp", Le16(b, 26) & 0x3FFF, Le16(b, 28) & 0x3FFF);
  }
  if (StartsWith(b, "VP8L", 12)) {
    if (b.size() < 25 || b[20] != 0x2F) return Corrupt("WebP VP8L header missing");
    const uint32_t bits = Le32(b, 21);
    return Header("webp", (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1);
  }
  if (StartsWith(b, "VP8X", 12)) {
    if (b.size() < 30) return Corrupt("WebP VP8X header cut short");
    return Header("webp", int64_t{Le24(b, 24)} + 1, int64_t{Le24(b, 27)} + 1);
  }
  return Corrupt("WebP has no VP8, VP8L or VP8X chunk");
}

Result<ImageHeader> ProbeBmp(Bytes b) {
  if (b.size() < 18) return Corrupt("BMP header cut short");
  const uint32_t info_size = Le32(b, 14);
  if (info_size == 12) {  // OS/2 BITMAPCOREHEADER: 16-bit sides
    if (b.size() < 22) return Corrupt("BMP header cut short");
    return Header("bmp", Le16(b, 18), Le16(b, 20));
  }
  if (info_size < 16 || b.size() < 26) return Corrupt("BMP info header cut short");
  const int64_t width = static_cast<int32_t>(Le32(b, 18));
  const int64_t height = static_cast<int32_t>(Le32(b, 22));  // < 0: top-down
  return Header("bmp", width, height < 0 ? -height : height);
}

std::string DigestHex(Bytes b, const EVP_MD* md) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(b.data(), b.size(), digest, &length, md, nullptr) != 1) return {};
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex(2 * length, '0');
  for (unsigned int i = 0; i < length; ++i) {
    hex[2 * i] = kDigits[digest[i] >> 4];
    hex[2 * i + 1] = kDigits[digest[i] & 0xF];
  }
  return hex;
}

}  // namespace

Result<ImageHeader> ProbeImageHeader(std::span<const uint8_t> bytes) {
  if (bytes.empty()) return Status::InvalidArgument("empty file");
  if (StartsWith(bytes, "\xFF\xD8\xFF")) {
    auto layout = WalkJpeg(bytes);
    if (!layout.ok()) return layout.status();
    return std::move(layout->header);
  }
  if (StartsWith(bytes, "\x89PNG\r\n\x1A\n")) return ProbePng(bytes);
  if (StartsWith(bytes, "GIF87a") || StartsWith(bytes, "GIF89a")) return ProbeGif(bytes);
  if (StartsWith(bytes, "RIFF") && StartsWith(bytes, "WEBP", 8)) return ProbeWebp(bytes);
  if (StartsWith(bytes, "BM")) return ProbeBmp(bytes);
  return Status::InvalidArgument("not an image (unrecognised format)");
}

Result<DecodedImage> DecodeForHashing(std::span<const uint8_t> bytes, const ImageLimits& limits,
                                      JpegLuma jpeg_luma) {
  if (bytes.empty()) return Status::InvalidArgument("empty file");
  if (static_cast<int64_t>(bytes.size()) > limits.max_bytes) {
    return Status::TooLarge("image is " + std::to_string(bytes.size()) + " bytes, over the " +
                            std::to_string(limits.max_bytes) + "-byte limit");
  }
  auto header = ProbeImageHeader(bytes);
  if (!header.ok()) return header.status();
  const std::string dims = std::to_string(header->width) + "x" + std::to_string(header->height);
  if (int64_t{header->width} * header->height > limits.max_pixels) {
    return Status::TooLarge("image is " + dims + " pixels, over the " +
                            std::to_string(limits.max_pixels) + "-pixel limit");
  }
  if (std::min(header->width, header->height) < limits.min_side) {
    return Status::InvalidArgument("image is " + dims + ", a side is under " +
                                   std::to_string(limits.min_side) + " pixels");
  }
  if (header->format == "jpeg" && !JpegIsComplete(bytes, *WalkJpeg(bytes))) {
    return Status::InvalidArgument(kDecodeFailed);
  }

  cv::Mat decoded;
  if (header->format == "gif") {
    std::string why;
    if (!DecodeFirstGifFrame(bytes, &decoded, &why)) return Corrupt(why);
  } else
    try {
      // imdecode only reads the buffer; every format probed above decodes from
      // memory, so OpenCV never spills the bytes to a temporary file.
      const cv::Mat encoded(1, static_cast<int>(bytes.size()), CV_8UC1,
                            const_cast<uint8_t*>(bytes.data()));
      const bool jpeg = header->format == "jpeg";
      const bool y_only = jpeg && jpeg_luma != JpegLuma::kFromRgb;
      int flags = y_only ? cv::IMREAD_GRAYSCALE : cv::IMREAD_COLOR;
      if (jpeg && jpeg_luma == JpegLuma::kReducedY) flags = ReducedGreyFlag(*header);
      decoded = cv::imdecode(encoded, flags | cv::IMREAD_IGNORE_ORIENTATION);
    } catch (const cv::Exception&) {
      decoded.release();
    }
  if (decoded.empty() || (decoded.type() != CV_8UC3 && decoded.type() != CV_8UC1)) {
    return Status::InvalidArgument(kDecodeFailed);
  }
  if (int64_t{decoded.cols} * decoded.rows > limits.max_pixels) {
    return Status::TooLarge("image decodes to " + std::to_string(decoded.cols) + "x" +
                            std::to_string(decoded.rows) + " pixels, over the limit");
  }

  return DecodedImage{std::move(*header), std::move(decoded)};
}

Result<ImageSignal> ComputeImageSignal(std::span<const uint8_t> bytes, const ImageLimits& limits,
                                       JpegLuma jpeg_luma) {
  auto decoded = DecodeForHashing(bytes, limits, jpeg_luma);
  if (!decoded.ok()) return decoded.status();
  const cv::Mat& pixels = decoded->pixels;
  ImageSignal signal;
  const PdqResult pdq =
      PdqFromPixels({pixels.data, pixels.cols, pixels.rows, pixels.channels(), pixels.step});
  signal.pdq = pdq.hash;
  signal.quality = pdq.quality;
  signal.width = decoded->header.width;  // the original size, whatever the decode scale
  signal.height = decoded->header.height;
  signal.format = std::move(decoded->header.format);
  signal.sha256_hex = DigestHex(bytes, EVP_sha256());
  signal.md5_hex = DigestHex(bytes, EVP_md5());
  if (signal.sha256_hex.empty() || signal.md5_hex.empty()) {
    return Status::Internal("OpenSSL digest failed");
  }
  return signal;
}

}  // namespace tdm::matcher
