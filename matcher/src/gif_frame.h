#pragma once

// Internal to tdm::matcher: OpenCV 4.6 cannot decode GIF, so animated and
// still GIFs go through giflib. Only the first frame is read, composited onto
// the logical screen as a browser shows it before animating.

#include <opencv2/core.hpp>
#include <span>
#include <string>

namespace tdm::matcher {

// Decodes the first frame of a GIF held in memory into a BGR image of the
// GIF's logical screen size. On failure returns false and says why; never
// throws. The caller has already checked the screen size against its caps.
bool DecodeFirstGifFrame(std::span<const uint8_t> bytes, cv::Mat* bgr, std::string* why);

}  // namespace tdm::matcher
