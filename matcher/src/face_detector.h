#pragma once

// Internal to tdm::matcher: MediaPipe BlazeFace (back-camera model, 256x256)
// through OpenCV's dnn module, run on the whole image and on overlapping
// tiles so that faces far smaller than the image are found too.

#include <array>
#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>
#include <string>
#include <vector>

#include "tdm/common/status.h"
#include "tdm/matcher/faces.h"

namespace tdm::matcher {

struct DetectedFace {
  cv::Rect2f box;  // pixels of the image given to Detect
  // Eye on the image's left (the person's right), other eye, nose tip, mouth
  // centre, then the two ear tragions.
  std::array<cv::Point2f, 6> keypoints;
  float score = 0;
};

// One square region the detector looks at, scaled to its 256x256 input.
struct DetectorPass {
  cv::Rect region;  // may extend past the image: the outside is black
};

// The passes for an image of `size`: the whole image (letterboxed), then
// levels of tiles overlapping by a quarter, each level's tiles twice the
// previous side, from the smallest that finds `min_face_px` faces up to
// where the whole-image pass takes over. Exposed for tests.
std::vector<DetectorPass> PlanDetectorPasses(cv::Size size, int min_face_px);

class FaceDetector {
 public:
  FaceDetector() = default;
  static Result<FaceDetector> Load(const std::string& path, const FaceOptions& options);

  // Faces in an RGB image, merged across passes (overlapping detections are
  // blended, weighted by score), the most confident first.
  Result<std::vector<DetectedFace>> Detect(const cv::Mat& rgb);

 private:
  void RunPass(const cv::Mat& rgb, const DetectorPass& pass, std::vector<DetectedFace>* out);

  FaceOptions options_;
  cv::dnn::Net net_;
  std::vector<cv::String> outputs_;  // scores 16x16x2, scores 8x8x6, boxes, boxes
};

}  // namespace tdm::matcher
