#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>
#include <opencv2/imgproc.hpp>

#include "decode.h"
#include "face_detector.h"
#include "tdm/matcher/faces.h"

#ifndef TDM_DEFAULT_MODELS_DIR
#define TDM_DEFAULT_MODELS_DIR "models"
#endif

namespace tdm::matcher {
namespace {

constexpr int kChipSize = 150;

// Where the detector's eyes, nose tip and mouth centre sit in dlib's 150x150
// face chip (get_face_chip_details(shape, 150, 0.25), the crop dlib's
// recogniser was trained on). Measured, not guessed: the mean BlazeFace
// keypoints over dlib's own 55 "johns" chips, which dlib aligned this way.
const std::array<cv::Point2f, 4> kChipKeypoints = {
    cv::Point2f{46.3f, 46.8f}, cv::Point2f{100.3f, 47.6f}, cv::Point2f{73.8f, 78.1f},
    cv::Point2f{73.1f, 106.8f}};

// dlib's input_rgb_image_sized<150>: mean RGB subtracted, then / 256.
const cv::Scalar kEmbedderMeanRgb(122.782, 117.001, 104.298);
constexpr double kEmbedderScale = 1.0 / 256.0;

// The least-squares similarity transform (rotation, uniform scale,
// translation) taking `from` onto `to` (Umeyama 1991, in 2-D closed form).
cv::Matx23d FitSimilarity(const std::array<cv::Point2f, 4>& from,
                          const std::array<cv::Point2f, 4>& to) {
  cv::Point2d from_mean, to_mean;
  for (size_t i = 0; i < from.size(); ++i) {
    from_mean += cv::Point2d(from[i]);
    to_mean += cv::Point2d(to[i]);
  }
  from_mean /= static_cast<double>(from.size());
  to_mean /= static_cast<double>(to.size());
  double a = 0, b = 0, norm = 0;  // scale * (cos, sin) = (a, b) / norm
  for (size_t i = 0; i < from.size(); ++i) {
    const cv::Point2d p = cv::Point2d(from[i]) - from_mean;
    const cv::Point2d q = cv::Point2d(to[i]) - to_mean;
    a += p.x * q.x + p.y * q.y;
    b += p.x * q.y - p.y * q.x;
    norm += p.x * p.x + p.y * p.y;
  }
  if (norm <= 0) norm = 1;
  a /= norm;
  b /= norm;
  return {a, -b, to_mean.x - (a * from_mean.x - b * from_mean.y),
          b, a,  to_mean.y - (b * from_mean.x + a * from_mean.y)};
}

}  // namespace

float FaceDistance(const FaceEmbedding& a, const FaceEmbedding& b) {
  float sum = 0;
  for (int i = 0; i < kFaceDims; ++i) {
    const float d = a[i] - b[i];
    sum += d * d;
  }
  return std::sqrt(sum);
}

std::string EncodeEmbedding(const FaceEmbedding& embedding) {
  static_assert(std::endian::native == std::endian::little, "embeddings are stored little-endian");
  return std::string(reinterpret_cast<const char*>(embedding.data()),
                     embedding.size() * sizeof(float));
}

Result<FaceEmbedding> DecodeEmbedding(std::string_view bytes) {
  FaceEmbedding embedding;
  if (bytes.size() != sizeof(embedding)) {
    return Status::InvalidArgument("a face embedding is " + std::to_string(sizeof(embedding)) +
                                   " bytes, not " + std::to_string(bytes.size()));
  }
  std::memcpy(embedding.data(), bytes.data(), sizeof(embedding));
  return embedding;
}

FaceModelPaths DefaultFaceModelPaths() {
  const char* dir_env = std::getenv("TDM_MODELS_DIR");
  const std::filesystem::path dir = dir_env && *dir_env ? dir_env : TDM_DEFAULT_MODELS_DIR;
  const char* detector = std::getenv("TDM_FACE_DETECTOR");
  const char* embedder = std::getenv("TDM_FACE_EMBEDDER");
  return {detector && *detector ? detector : (dir / "face_detector.onnx").string(),
          embedder && *embedder ? embedder : (dir / "face_embedder.onnx").string()};
}

struct FaceAnalyzer::Impl {
  FaceOptions options;
  FaceDetector detector;
  cv::dnn::Net embedder;

  Result<FaceEmbedding> Embed(const cv::Mat& rgb, const DetectedFace& face) {
    const std::array<cv::Point2f, 4> from = {face.keypoints[0], face.keypoints[1],
                                             face.keypoints[2], face.keypoints[3]};
    cv::Matx23d to_chip = FitSimilarity(from, kChipKeypoints);
    const double scale = std::hypot(to_chip(0, 0), to_chip(1, 0));
    cv::Mat source = rgb;
    if (scale < 0.5) {
      // Shrinking a large face straight to 150 px with bilinear sampling
      // aliases; first area-average the face's neighbourhood down to twice
      // the chip's resolution.
      const cv::Matx23d to_image = [&] {
        cv::Matx23d inverse;
        cv::invertAffineTransform(to_chip, inverse);
        return inverse;
      }();
      std::vector<cv::Point2f> corners;
      for (const auto& c : {cv::Point2d(0, 0), cv::Point2d(kChipSize, 0), cv::Point2d(0, kChipSize),
                            cv::Point2d(kChipSize, kChipSize)}) {
        corners.emplace_back(to_image * cv::Vec3d(c.x, c.y, 1));
      }
      const cv::Rect region = cv::boundingRect(corners) & cv::Rect(0, 0, rgb.cols, rgb.rows);
      if (region.empty()) return Status::InvalidArgument("face lies outside the image");
      const double shrink = 2 * scale;
      cv::resize(rgb(region), source, cv::Size(), shrink, shrink, cv::INTER_AREA);
      // chip = to_chip * (region origin + p / shrink)
      const cv::Matx33d undo(1 / shrink, 0, region.x, 0, 1 / shrink, region.y, 0, 0, 1);
      const cv::Matx33d full(to_chip(0, 0), to_chip(0, 1), to_chip(0, 2), to_chip(1, 0),
                             to_chip(1, 1), to_chip(1, 2), 0, 0, 1);
      const cv::Matx33d combined = full * undo;
      to_chip = cv::Matx23d(combined(0, 0), combined(0, 1), combined(0, 2), combined(1, 0),
                            combined(1, 1), combined(1, 2));
    }
    cv::Mat chip;
    cv::warpAffine(source, chip, to_chip, cv::Size(kChipSize, kChipSize), cv::INTER_LINEAR,
                   cv::BORDER_REPLICATE);
    cv::Mat out;
    try {
      embedder.setInput(cv::dnn::blobFromImage(chip, kEmbedderScale, chip.size(), kEmbedderMeanRgb,
                                               /*swapRB=*/false,
                                               /*crop=*/false));
      out = embedder.forward();
    } catch (const cv::Exception& e) {
      return Status::Internal(std::string("face embedder failed: ") + e.what());
    }
    if (out.total() != kFaceDims || out.type() != CV_32F) {
      return Status::Internal("face embedder returned " + std::to_string(out.total()) +
                              " values, expected " + std::to_string(kFaceDims));
    }
    FaceEmbedding embedding;
    std::copy_n(out.ptr<float>(), kFaceDims, embedding.begin());
    return embedding;
  }
};

FaceAnalyzer::FaceAnalyzer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FaceAnalyzer::~FaceAnalyzer() = default;

Result<std::unique_ptr<FaceAnalyzer>> FaceAnalyzer::Load(const FaceModelPaths& paths,
                                                         const FaceOptions& options) {
  for (const auto& [what, path] :
       {std::pair{"detector", paths.detector}, std::pair{"embedder", paths.embedder}}) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) {
      return Status::NotFound(std::string("face ") + what + " model " + path +
                              " is missing (scripts/setup.sh installs it; TDM_MODELS_DIR "
                              "names another folder)");
    }
  }
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  auto detector = FaceDetector::Load(paths.detector, options);
  if (!detector.ok()) return detector.status();
  impl->detector = std::move(*detector);
  try {
    impl->embedder = cv::dnn::readNetFromONNX(paths.embedder);
    // Run once so a model of the wrong shape fails here, not on the first face.
    impl->embedder.setInput(
        cv::Mat(std::vector<int>{1, 3, kChipSize, kChipSize}, CV_32F, cv::Scalar(0)));
    const cv::Mat out = impl->embedder.forward();
    if (out.total() != kFaceDims) {
      return Status::InvalidArgument("face embedder " + paths.embedder + " gives " +
                                     std::to_string(out.total()) + " values, expected " +
                                     std::to_string(kFaceDims));
    }
  } catch (const cv::Exception& e) {
    return Status::InvalidArgument("face embedder " + paths.embedder +
                                   " does not load: " + e.what());
  }
  return std::unique_ptr<FaceAnalyzer>(new FaceAnalyzer(std::move(impl)));
}

Result<std::vector<FoundFace>> FaceAnalyzer::FindFaces(std::span<const uint8_t> bytes,
                                                       const ImageLimits& limits) {
  auto decoded = DecodeForHashing(bytes, limits, JpegLuma::kFromRgb);
  if (!decoded.ok()) return decoded.status();
  cv::Mat rgb;
  if (decoded->pixels.channels() == 1) {
    cv::cvtColor(decoded->pixels, rgb, cv::COLOR_GRAY2RGB);
  } else {
    cv::cvtColor(decoded->pixels, rgb, cv::COLOR_BGR2RGB);
  }
  // Work on a bounded size; boxes are reported in the decoded image's pixels.
  const cv::Size original = rgb.size();
  double to_original = 1;
  const int longer = std::max(rgb.cols, rgb.rows);
  if (longer > impl_->options.max_side) {
    const double shrink = static_cast<double>(impl_->options.max_side) / longer;
    cv::resize(rgb, rgb, cv::Size(), shrink, shrink, cv::INTER_AREA);
    to_original = 1 / shrink;
  }

  const int min_face_px = static_cast<int>(std::ceil(impl_->options.min_face_px / to_original));
  auto detected = impl_->detector.Detect(rgb, min_face_px);
  if (!detected.ok()) return detected.status();
  std::vector<FoundFace> faces;
  for (const DetectedFace& face : *detected) {
    if (static_cast<int>(faces.size()) >= impl_->options.max_faces) break;
    if (face.box.width * to_original < impl_->options.min_face_px) continue;
    auto embedding = impl_->Embed(rgb, face);
    if (!embedding.ok()) continue;  // a face outside the image: nothing to embed
    FoundFace found;
    // The detector's box reaches past the face, and past the image for a face
    // at its edge: reported within the image.
    const cv::Rect box = cv::Rect(static_cast<int>(std::lround(face.box.x * to_original)),
                                  static_cast<int>(std::lround(face.box.y * to_original)),
                                  static_cast<int>(std::lround(face.box.width * to_original)),
                                  static_cast<int>(std::lround(face.box.height * to_original))) &
                         cv::Rect(0, 0, original.width, original.height);
    found.box = {box.x, box.y, box.width, box.height};
    found.score = face.score;
    found.embedding = *embedding;
    faces.push_back(found);
  }
  return faces;
}

Result<FoundFace> FaceAnalyzer::FindOneFace(std::span<const uint8_t> bytes,
                                            const ImageLimits& limits) {
  auto faces = FindFaces(bytes, limits);
  if (!faces.ok()) return faces.status();
  if (faces->empty()) return Status::InvalidArgument("no face found");
  if (faces->size() > 1) {
    return Status::InvalidArgument(std::to_string(faces->size()) +
                                   " faces found (a profile photo must show one person)");
  }
  return faces->front();
}

}  // namespace tdm::matcher
