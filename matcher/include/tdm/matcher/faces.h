#pragma once

// Faces in images: detection (MediaPipe BlazeFace), alignment to dlib's
// 150x150 face chip and a 128-d embedding (dlib's ResNet face recogniser),
// compared by Euclidean distance. Faces are only ever compared with the
// registered, consented profiles of subjects (DESIGN.md principle 4): nothing
// here or built on it may search for a person by face.
//
// Images arrive as untrusted bytes and are decoded as ComputeImageSignal does
// (same limits, same errors); the pixels and face crops live only in memory.

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tdm/common/status.h"
#include "tdm/matcher/image_signal.h"

namespace tdm::matcher {

inline constexpr int kFaceDims = 128;
using FaceEmbedding = std::array<float, kFaceDims>;

// Euclidean distance between embeddings: the same person is usually below
// 0.5 (dlib's recogniser was trained for 0.6), different people above 0.6.
float FaceDistance(const FaceEmbedding& a, const FaceEmbedding& b);

// An embedding as stored in PostgreSQL: 128 little-endian float32, 512
// bytes. Decoding fails (InvalidArgument) on any other length.
std::string EncodeEmbedding(const FaceEmbedding& embedding);
Result<FaceEmbedding> DecodeEmbedding(std::string_view bytes);

// Distances at which a face counts as a match, and as worth a person's look.
struct FaceMatchPolicy {
  float match_distance = 0.5f;   // below this: a match
  float review_distance = 0.6f;  // below this (and not a match): the review band
};

// A face's box in pixels of the decoded image (before any internal scaling).
struct FaceBox {
  int x = 0;
  int y = 0;
  int width = 0;
  int height = 0;
};

struct FoundFace {
  FaceBox box;
  float score = 0;  // detector confidence, 0..1
  FaceEmbedding embedding{};
};

// The two ONNX models. Every path can be replaced, so a deployment can run
// another detector with BlazeFace's outputs or another 150x150 embedder.
struct FaceModelPaths {
  std::string detector;  // BlazeFace, 1x256x256x3 NHWC input
  std::string embedder;  // 1x3x150x150 NCHW input, 1x128 output
};

// $TDM_FACE_DETECTOR and $TDM_FACE_EMBEDDER name the files; otherwise
// face_detector.onnx and face_embedder.onnx in $TDM_MODELS_DIR, else in the
// folder scripts/setup.sh installed them into (compiled in).
FaceModelPaths DefaultFaceModelPaths();

struct FaceOptions {
  float min_score = 0.75f;  // detector confidence to keep a face
  float nms_iou = 0.3f;     // overlapping detections (IoU at least this) merge
  // Smallest face searched for and embedded (box width, pixels). The whole
  // image finds faces down to ~10% of its longer side; overlapping tiles are
  // added until faces this small are found too, and they cost most of the
  // time (bench/faces, 1024x768: 7 detector passes at 48, 17 at 32). 48
  // finds the face of a person standing full-length in a 1024-pixel photo;
  // smaller faces also give less reliable embeddings.
  int min_face_px = 48;
  int max_faces = 64;  // per image, the most confident first
  // Larger images are scaled down to this longer side first, so one image
  // costs a bounded number of detector passes (2048x2048 at 48 px: 35).
  int max_side = 2048;
};

// Anything that finds the faces in an image: FaceAnalyzer, or a fake in unit
// tests.
class FaceFinder {
 public:
  virtual ~FaceFinder() = default;
  // Every face in the image, the most confident first. Errors as
  // ComputeImageSignal's for bytes that are not a usable image.
  virtual Result<std::vector<FoundFace>> FindFaces(std::span<const uint8_t> bytes,
                                                   const ImageLimits& limits) = 0;
};

// Detection + alignment + embedding with OpenCV's dnn module. Loading reads
// both models once; nothing is fetched. Not thread-safe (cv::dnn::Net keeps
// per-call state): use one per thread.
class FaceAnalyzer : public FaceFinder {
 public:
  // Errors: NotFound naming a missing model file (and how to install it);
  // InvalidArgument when a file does not load as a model of the expected
  // shape.
  static Result<std::unique_ptr<FaceAnalyzer>> Load(const FaceModelPaths& paths,
                                                    const FaceOptions& options = {});
  ~FaceAnalyzer() override;

  Result<std::vector<FoundFace>> FindFaces(std::span<const uint8_t> bytes,
                                           const ImageLimits& limits) override;

  // For registering a photo: its one face. Errors: InvalidArgument "no face
  // found" or "N faces found (a profile photo must show one person)", or the
  // decoding errors.
  Result<FoundFace> FindOneFace(std::span<const uint8_t> bytes, const ImageLimits& limits);

 private:
  struct Impl;
  explicit FaceAnalyzer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tdm::matcher
