#pragma once

// Internal to tdm::matcher: the one place untrusted image bytes are checked
// and decoded for hashing, shared by ComputeImageSignal and
// ComputeProfileHashes so both see exactly the same pixels.

#include <opencv2/core.hpp>
#include <span>

#include "tdm/matcher/image_signal.h"

namespace tdm::matcher {

struct DecodedImage {
  ImageHeader header;  // format and original dimensions
  cv::Mat pixels;      // CV_8UC3 (BGR) or CV_8UC1 (JPEG luma), maybe DCT-scaled
};

// Checks `limits` and the header, then decodes (GIF: first frame). Errors as
// ComputeImageSignal documents.
Result<DecodedImage> DecodeForHashing(std::span<const uint8_t> bytes, const ImageLimits& limits,
                                      JpegLuma jpeg_luma);

}  // namespace tdm::matcher
