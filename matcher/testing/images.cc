#include "tdm/matcher/testing/images.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>

namespace tdm::matcher::testing {

cv::Mat SyntheticPhoto(uint64_t seed, int width, int height) {
  cv::RNG rng(seed);
  cv::Mat img(height, width, CV_8UC3);
  rng.fill(img, cv::RNG::UNIFORM, 0, 256);
  cv::GaussianBlur(img, img, cv::Size(0, 0), 8);
  for (int i = 0; i < 25; ++i) {
    const cv::Scalar colour(rng.uniform(0, 256), rng.uniform(0, 256), rng.uniform(0, 256));
    const cv::Point a(rng.uniform(0, width), rng.uniform(0, height));
    const cv::Point b(rng.uniform(0, width), rng.uniform(0, height));
    switch (i % 3) {
      case 0:
        cv::circle(img, a, rng.uniform(1, std::max(2, width / 5)), colour, cv::FILLED);
        break;
      case 1:
        cv::rectangle(img, a, b, colour, cv::FILLED);
        break;
      default:
        cv::line(img, a, b, colour, rng.uniform(2, 12));
        break;
    }
  }
  cv::GaussianBlur(img, img, cv::Size(0, 0), 2);
  return img;
}

cv::Mat Crop(const cv::Mat& img, double left, double top, double right, double bottom) {
  const int x0 = static_cast<int>(std::lround(left * img.cols));
  const int y0 = static_cast<int>(std::lround(top * img.rows));
  const int x1 = img.cols - static_cast<int>(std::lround(right * img.cols));
  const int y1 = img.rows - static_cast<int>(std::lround(bottom * img.rows));
  return img(cv::Rect(x0, y0, x1 - x0, y1 - y0)).clone();
}

}  // namespace tdm::matcher::testing
