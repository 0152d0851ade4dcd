#pragma once

// Synthetic images and edits shared by the matcher's unit tests and the
// benchmarks. Test support only: this header includes OpenCV.

#include <cstdint>
#include <opencv2/core.hpp>

namespace tdm::matcher::testing {

// A photo-like BGR image: seeded noise, random circles, rectangles and lines,
// blurred, so it has structure at several scales. Same seed, same pixels.
cv::Mat SyntheticPhoto(uint64_t seed, int width = 640, int height = 480);

// `img` with the given fractions trimmed off the left, top, right and bottom.
cv::Mat Crop(const cv::Mat& img, double left, double top, double right, double bottom);

}  // namespace tdm::matcher::testing
