#pragma once

// Internal to tdm::matcher: MediaPipe BlazeFace (back-camera model, 256x256)
// through OpenCV's dnn module, run on the whole image and on overlapping
// tiles so that faces far smaller than the image are found too.

#include <array>
#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>
#include <optional>
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
  enum class Kind {
    kWhole,   // the whole image, letterboxed
    kTile,    // part of the image: faces cut by its inner edges, or too big
              // for it, are left to an overlapping tile or a coarser pass
    kRefine,  // around one face, at the scale the keypoints are best at
  };
  cv::Rect region;  // may extend past the image: the outside is black
  Kind kind = Kind::kWhole;
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

  // Faces in an RGB image, the most confident first. Candidates from every
  // pass are merged, then each is detected again in a region three times its
  // size around it: the face then spans a third of the detector's input
  // whatever its size in the image, which steadies the keypoints the
  // alignment depends on, and a candidate not found again is dropped.
  // Faces narrower than `min_face_px` (pixels of `rgb`) are not searched
  // for, and candidates narrower than it are not refined.
  Result<std::vector<DetectedFace>> Detect(const cv::Mat& rgb, int min_face_px);

 private:
  // Appends the detections of one pass scoring at least `min_score`.
  void RunPass(const cv::Mat& rgb, const DetectorPass& pass, float min_score,
               std::vector<DetectedFace>* out);
  // The candidate detected again around itself, or nullopt.
  std::optional<DetectedFace> Refine(const cv::Mat& rgb, const DetectedFace& candidate);

  FaceOptions options_;
  cv::dnn::Net net_;
  std::vector<cv::String> outputs_;  // scores 16x16x2, scores 8x8x6, boxes, boxes
};

}  // namespace tdm::matcher
