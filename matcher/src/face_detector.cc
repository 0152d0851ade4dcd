#include "face_detector.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>

namespace tdm::matcher {
namespace {

constexpr int kInput = 256;
// The smallest face (box width, in the 256-pixel input) the model finds
// reliably: 18-25 px faces scored 0.82-0.90 on dlib's johns.
constexpr int kSmallestFace = 24;
// A candidate found again around itself with at least this score is kept.
constexpr float kRefineMinScore = 0.5f;

// The two anchor grids of the back-camera model: 16x16 cells with 2 anchors
// each (512), then 8x8 cells with 6 (384). Anchor centres are cell centres.
struct Grid {
  int cells;
  int anchors_per_cell;
};
constexpr std::array<Grid, 2> kGrids = {Grid{16, 2}, Grid{8, 6}};

float Sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

float Iou(const cv::Rect2f& a, const cv::Rect2f& b) {
  const float inter = (a & b).area();
  const float uni = a.area() + b.area() - inter;
  return uni > 0 ? inter / uni : 0;
}

// MediaPipe's weighted non-maximum suppression: detections overlapping the
// most confident one are averaged into it, weighted by score, which steadies
// the keypoints the alignment depends on.
std::vector<DetectedFace> BlendOverlapping(std::vector<DetectedFace> faces, float min_iou) {
  std::sort(faces.begin(), faces.end(),
            [](const DetectedFace& a, const DetectedFace& b) { return a.score > b.score; });
  std::vector<DetectedFace> kept;
  std::vector<bool> used(faces.size(), false);
  for (size_t i = 0; i < faces.size(); ++i) {
    if (used[i]) continue;
    float weight = 0;
    cv::Point2f tl, br;
    std::array<cv::Point2f, 6> keypoints{};
    for (size_t j = i; j < faces.size(); ++j) {
      if (used[j] || (j != i && Iou(faces[i].box, faces[j].box) < min_iou)) continue;
      used[j] = true;
      const float w = faces[j].score;
      weight += w;
      tl += faces[j].box.tl() * w;
      br += faces[j].box.br() * w;
      for (size_t k = 0; k < keypoints.size(); ++k) keypoints[k] += faces[j].keypoints[k] * w;
    }
    DetectedFace merged;
    merged.score = faces[i].score;
    merged.box = cv::Rect2f(tl / weight, br / weight);
    for (size_t k = 0; k < keypoints.size(); ++k) merged.keypoints[k] = keypoints[k] / weight;
    kept.push_back(merged);
  }
  return kept;
}

// Start positions of `length`-long windows covering [0, extent) with at
// least a quarter of overlap, evenly spread.
std::vector<int> TileStarts(int extent, int length) {
  if (extent <= length) return {0};
  const int stride = length * 3 / 4;
  const int count = (extent - length + stride - 1) / stride + 1;
  std::vector<int> starts;
  for (int i = 0; i < count; ++i) {
    starts.push_back(static_cast<int>(std::lround(double(i) * (extent - length) / (count - 1))));
  }
  return starts;
}

}  // namespace

std::vector<DetectorPass> PlanDetectorPasses(cv::Size size, int min_face_px) {
  const int longer = std::max(size.width, size.height);
  std::vector<DetectorPass> passes = {{cv::Rect(0, 0, longer, longer), DetectorPass::Kind::kWhole}};
  const int smallest_tile =
      std::max(kInput, (kInput * std::max(min_face_px, 1) + kSmallestFace - 1) / kSmallestFace);
  // A tile finds faces up to a quarter of its side for sure (the overlap);
  // the next level (twice the side) takes over from 2 * kSmallestFace / 256
  // of its side, and the whole image from kSmallestFace / 256 of the longer
  // side: stop once a level reaches 3/8 of it.
  for (int tile = smallest_tile; tile < longer; tile *= 2) {
    for (int y : TileStarts(size.height, tile)) {
      for (int x : TileStarts(size.width, tile)) {
        passes.push_back({cv::Rect(x, y, tile, tile), DetectorPass::Kind::kTile});
      }
    }
    if (tile * 8 >= longer * 3) break;
  }
  return passes;
}

Result<FaceDetector> FaceDetector::Load(const std::string& path, const FaceOptions& options) {
  FaceDetector detector;
  detector.options_ = options;
  try {
    detector.net_ = cv::dnn::readNetFromONNX(path);
    // Outputs by shape: scores 1xNx1 and boxes 1xNx16 for N = 512 and 384.
    std::vector<cv::String> names = detector.net_.getUnconnectedOutLayersNames();
    detector.net_.setInput(cv::Mat(std::vector<int>{1, kInput, kInput, 3}, CV_32F, cv::Scalar(0)));
    std::vector<cv::Mat> outs;
    detector.net_.forward(outs, names);
    detector.outputs_.assign(4, "");
    for (size_t i = 0; i < outs.size(); ++i) {
      if (outs[i].dims != 3) continue;
      const int n = outs[i].size[1];
      const int width = outs[i].size[2];
      const int grid = n == 512 ? 0 : n == 384 ? 1 : -1;
      if (grid < 0 || (width != 1 && width != 16)) continue;
      detector.outputs_[(width == 1 ? 0 : 2) + grid] = names[i];
    }
    for (const auto& name : detector.outputs_) {
      if (name.empty()) {
        return Status::InvalidArgument("face detector " + path +
                                       " does not have BlazeFace's outputs (scores and boxes "
                                       "for 512 + 384 anchors)");
      }
    }
  } catch (const cv::Exception& e) {
    return Status::InvalidArgument("face detector " + path + " does not load: " + e.what());
  }
  return detector;
}

void FaceDetector::RunPass(const cv::Mat& rgb, const DetectorPass& pass, float min_score,
                           std::vector<DetectedFace>* out) {
  // The region, black outside the image, scaled to the input; [-1, 1] floats.
  const cv::Rect inside = pass.region & cv::Rect(0, 0, rgb.cols, rgb.rows);
  const double to_input = static_cast<double>(kInput) / pass.region.width;
  cv::Mat input(kInput, kInput, CV_8UC3, cv::Scalar::all(0));
  const cv::Rect target(static_cast<int>((inside.x - pass.region.x) * to_input),
                        static_cast<int>((inside.y - pass.region.y) * to_input),
                        std::max(1, static_cast<int>(std::lround(inside.width * to_input))),
                        std::max(1, static_cast<int>(std::lround(inside.height * to_input))));
  const cv::Rect clipped = target & cv::Rect(0, 0, kInput, kInput);
  if (clipped.empty()) return;
  cv::resize(rgb(inside), input(clipped), clipped.size(), 0, 0, cv::INTER_AREA);
  cv::Mat blob(std::vector<int>{1, kInput, kInput, 3}, CV_32F);
  input.reshape(1, kInput).convertTo(cv::Mat(kInput, kInput * 3, CV_32F, blob.ptr<float>()), CV_32F,
                                     2.0 / 255.0, -1.0);
  net_.setInput(blob);
  std::vector<cv::Mat> outs;
  net_.forward(outs, outputs_);

  const float to_image = static_cast<float>(pass.region.width) / kInput;
  const cv::Point2f origin(static_cast<float>(pass.region.x), static_cast<float>(pass.region.y));
  // A tile's edges inside the image cut faces; those faces are found whole by
  // an overlapping tile or a coarser pass, so detections reaching such an
  // edge are dropped (their keypoints would skew the blend).
  // A face more than half a tile wide does not fit it with the overlap:
  // what a tile sees of it is a part, often taken for a face of its own.
  const bool tile = pass.kind == DetectorPass::Kind::kTile;
  const float margin = 0.02f * pass.region.width;
  const cv::Rect2f region(pass.region);
  const bool cut_left = tile && pass.region.x > 0, cut_top = tile && pass.region.y > 0;
  const bool cut_right = tile && pass.region.br().x < rgb.cols;
  const bool cut_bottom = tile && pass.region.br().y < rgb.rows;
  const auto left_to_others = [&](const cv::Rect2f& box) {
    return (tile && box.width > 0.5f * region.width) || (cut_left && box.x < region.x + margin) ||
           (cut_top && box.y < region.y + margin) ||
           (cut_right && box.br().x > region.br().x - margin) ||
           (cut_bottom && box.br().y > region.br().y - margin);
  };
  for (size_t g = 0; g < kGrids.size(); ++g) {
    const float* scores = outs[g].ptr<float>();
    const float* boxes = outs[2 + g].ptr<float>();
    const int count = kGrids[g].cells * kGrids[g].cells * kGrids[g].anchors_per_cell;
    for (int i = 0; i < count; ++i) {
      const float score = Sigmoid(scores[i]);
      if (!(score >= min_score)) continue;
      const int cell = i / kGrids[g].anchors_per_cell;
      const cv::Point2f anchor((cell % kGrids[g].cells + 0.5f) * kInput / kGrids[g].cells,
                               (cell / kGrids[g].cells + 0.5f) * kInput / kGrids[g].cells);
      const float* b = boxes + 16 * i;
      DetectedFace face;
      face.score = score;
      const cv::Point2f centre = anchor + cv::Point2f(b[0], b[1]);
      face.box = cv::Rect2f(origin + (centre - cv::Point2f(b[2], b[3]) * 0.5f) * to_image,
                            cv::Size2f(b[2] * to_image, b[3] * to_image));
      if (left_to_others(face.box)) continue;
      for (int k = 0; k < 6; ++k) {
        face.keypoints[k] = origin + (anchor + cv::Point2f(b[4 + 2 * k], b[5 + 2 * k])) * to_image;
      }
      out->push_back(face);
    }
  }
}

std::optional<DetectedFace> FaceDetector::Refine(const cv::Mat& rgb,
                                                 const DetectedFace& candidate) {
  const cv::Point2f centre = (candidate.box.tl() + candidate.box.br()) * 0.5f;
  const int side = std::max(
      kInput / 4,
      static_cast<int>(std::lround(3 * std::max(candidate.box.width, candidate.box.height))));
  const DetectorPass pass{
      cv::Rect(static_cast<int>(std::lround(centre.x - side / 2.0)),
               static_cast<int>(std::lround(centre.y - side / 2.0)), side, side),
      DetectorPass::Kind::kRefine};
  // The candidate already passed min_score; here the question is only where
  // exactly it is, so a weaker score counts.
  std::vector<DetectedFace> found;
  RunPass(rgb, pass, std::min(options_.min_score, kRefineMinScore), &found);
  // The same face: its centre within the candidate's box (grown by half, as
  // a candidate from a tile may be a part of it).
  const cv::Rect2f near(candidate.box.x - candidate.box.width / 4,
                        candidate.box.y - candidate.box.height / 4, candidate.box.width * 1.5f,
                        candidate.box.height * 1.5f);
  std::optional<DetectedFace> best;
  for (const DetectedFace& f : BlendOverlapping(std::move(found), options_.nms_iou)) {
    if (near.contains((f.box.tl() + f.box.br()) * 0.5f) && (!best || f.score > best->score)) {
      best = f;
    }
  }
  return best;
}

Result<std::vector<DetectedFace>> FaceDetector::Detect(const cv::Mat& rgb, int min_face_px) {
  std::vector<DetectedFace> faces;
  try {
    std::vector<DetectedFace> raw;
    for (const DetectorPass& pass : PlanDetectorPasses(rgb.size(), min_face_px)) {
      RunPass(rgb, pass, options_.min_score, &raw);
    }
    std::vector<DetectedFace> candidates = BlendOverlapping(std::move(raw), options_.nms_iou);
    if (static_cast<int>(candidates.size()) > options_.max_faces) {
      candidates.resize(static_cast<size_t>(options_.max_faces));
    }
    for (const DetectedFace& candidate : candidates) {
      // Refining costs a pass: not for faces too small to be kept (with a
      // margin, as a refined box may come out a little wider).
      if (candidate.box.width < 0.75f * min_face_px) continue;
      if (auto refined = Refine(rgb, candidate)) faces.push_back(*refined);
    }
  } catch (const cv::Exception& e) {
    return Status::Internal(std::string("face detector failed: ") + e.what());
  }
  // Two candidates of one face (a part seen by a tile, the whole by a coarser
  // pass) refine to the same face: keep the most confident.
  std::sort(faces.begin(), faces.end(),
            [](const DetectedFace& a, const DetectedFace& b) { return a.score > b.score; });
  std::vector<DetectedFace> kept;
  for (const DetectedFace& f : faces) {
    const bool duplicate = std::any_of(kept.begin(), kept.end(), [&](const DetectedFace& k) {
      const float inter = (f.box & k.box).area();
      return Iou(f.box, k.box) >= options_.nms_iou ||
             inter >= 0.6f * std::min(f.box.area(), k.box.area());
    });
    if (!duplicate) kept.push_back(f);
  }
  return kept;
}

}  // namespace tdm::matcher
