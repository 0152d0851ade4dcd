#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/photo.hpp>
#include <string>
#include <vector>

#include "face_detector.h"
#include "tdm/matcher/faces.h"
#include "tdm/matcher/testing/images.h"

namespace tdm::matcher {
namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<uint8_t>;
using tdm::matcher::testing::SyntheticPhoto;

const fs::path kAssets = TDM_ASSETS_DIR;

Bytes Encode(const cv::Mat& img, const std::string& ext = ".png", int jpeg_quality = 92) {
  Bytes out;
  EXPECT_TRUE(cv::imencode(ext, img, out, {cv::IMWRITE_JPEG_QUALITY, jpeg_quality}));
  return out;
}

cv::Mat Load(const fs::path& path) {
  cv::Mat img = cv::imread(path.string(), cv::IMREAD_COLOR);
  EXPECT_FALSE(img.empty()) << path << " is missing: run scripts/setup.sh";
  return img;
}

// `photo` pasted into a larger synthetic scene at (x, y).
cv::Mat InScene(const cv::Mat& photo, int width, int height, int x, int y, uint64_t seed = 7) {
  cv::Mat scene = SyntheticPhoto(seed, width, height);
  const cv::Rect target = cv::Rect(x, y, photo.cols, photo.rows) & cv::Rect(0, 0, width, height);
  photo(cv::Rect(target.x - x, target.y - y, target.width, target.height)).copyTo(scene(target));
  return scene;
}

class FaceAnalyzerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto loaded = FaceAnalyzer::Load(DefaultFaceModelPaths());
    ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
    analyzer_ = loaded->release();
  }
  static void TearDownTestSuite() {
    delete analyzer_;
    analyzer_ = nullptr;
  }

  static FoundFace One(const cv::Mat& img) {
    auto face = analyzer_->FindOneFace(Encode(img), {});
    EXPECT_TRUE(face.ok()) << face.status().ToString();
    return face.ok() ? *face : FoundFace{};
  }
  // The distance from `embedding` to the nearest face found in `img`.
  static float Nearest(const cv::Mat& img, const FaceEmbedding& embedding,
                       const std::string& ext = ".png", int jpeg_quality = 92) {
    auto faces = analyzer_->FindFaces(Encode(img, ext, jpeg_quality), {});
    EXPECT_TRUE(faces.ok()) << faces.status().ToString();
    float best = 99;
    for (const FoundFace& f : faces.ok() ? *faces : std::vector<FoundFace>{}) {
      best = std::min(best, FaceDistance(f.embedding, embedding));
    }
    return best;
  }

  static FaceAnalyzer* analyzer_;
};
FaceAnalyzer* FaceAnalyzerTest::analyzer_ = nullptr;

// dlib's johns: 5 people x 11 photos (150x150 crops), each set on a plain
// border as a photo would have. Every pair of photos is compared.
TEST_F(FaceAnalyzerTest, JohnsEqualErrorRateAndNoFalseMatch) {
  std::vector<std::pair<std::string, FaceEmbedding>> faces;
  for (const auto& person : fs::directory_iterator(kAssets / "johns")) {
    for (const auto& file : fs::directory_iterator(person.path())) {
      cv::Mat padded;
      cv::copyMakeBorder(Load(file.path()), padded, 75, 75, 75, 75, cv::BORDER_CONSTANT,
                         cv::Scalar(200, 200, 200));
      faces.emplace_back(person.path().filename(), One(padded).embedding);
    }
  }
  ASSERT_EQ(faces.size(), 55u);
  std::vector<float> same, different;
  for (size_t i = 0; i < faces.size(); ++i) {
    for (size_t j = i + 1; j < faces.size(); ++j) {
      const float d = FaceDistance(faces[i].second, faces[j].second);
      (faces[i].first == faces[j].first ? same : different).push_back(d);
    }
  }
  ASSERT_EQ(same.size(), 275u);
  ASSERT_EQ(different.size(), 1210u);
  std::sort(same.begin(), same.end());
  std::sort(different.begin(), different.end());
  // Equal error rate: the threshold where false rejects and false accepts
  // cross; the worse of the two there.
  double eer = 1;
  for (float t = 0.2f; t < 1.0f; t += 0.0025f) {
    const double rejects =
        double(same.end() - std::lower_bound(same.begin(), same.end(), t)) / same.size();
    const double accepts =
        double(std::lower_bound(different.begin(), different.end(), t) - different.begin()) /
        different.size();
    eer = std::min(eer, std::max(rejects, accepts));
  }
  RecordProperty("eer", std::to_string(eer));
  RecordProperty("same_person_max", std::to_string(same.back()));
  RecordProperty("different_people_min", std::to_string(different.front()));
  EXPECT_LE(eer, 0.02);
  const FaceMatchPolicy policy;
  EXPECT_GE(different.front(), policy.match_distance) << "a different person matched";
  const auto matched = std::lower_bound(same.begin(), same.end(), policy.review_distance);
  EXPECT_GE(double(matched - same.begin()) / same.size(), 0.98)
      << "same-person pairs under the review distance";
}

// The astronaut (Eileen Collins) and Grace Hopper, registered from their
// photo, then found after an edit, inside a larger scene.
TEST_F(FaceAnalyzerTest, FoundAfterEditsInsideALargerScene) {
  for (const char* name : {"astronaut.png", "grace_hopper.jpg"}) {
    SCOPED_TRACE(name);
    const cv::Mat photo = Load(kAssets / "faces" / name);
    const FaceEmbedding registered = One(photo).embedding;

    std::map<std::string, std::pair<cv::Mat, std::string>> edits;
    cv::Mat half, rotated, grey, grey3;
    cv::resize(photo, half, cv::Size(), 0.5, 0.5, cv::INTER_AREA);
    edits["resize 0.5x"] = {half, ".png"};
    edits["jpeg q40"] = {photo, ".jpg"};
    edits["crop 10%"] = {
        photo(cv::Rect(photo.cols / 10, photo.rows / 10, photo.cols * 8 / 10, photo.rows * 8 / 10))
            .clone(),
        ".png"};
    const cv::Mat turn =
        cv::getRotationMatrix2D(cv::Point2f(photo.cols / 2.f, photo.rows / 2.f), 5, 1.0);
    cv::warpAffine(photo, rotated, turn, photo.size(), cv::INTER_LINEAR, cv::BORDER_REFLECT);
    edits["rotate 5 degrees"] = {rotated, ".png"};
    cv::cvtColor(photo, grey, cv::COLOR_BGR2GRAY);
    cv::cvtColor(grey, grey3, cv::COLOR_GRAY2BGR);
    edits["greyscale"] = {grey3, ".png"};

    for (const auto& [edit, image] : edits) {
      SCOPED_TRACE(edit);
      const cv::Mat& edited = image.first;
      const cv::Mat scene = InScene(edited, std::max(1280, edited.cols + 400),
                                    std::max(900, edited.rows + 300), 350, 180);
      const float distance = Nearest(scene, registered, image.second, 40);
      RecordProperty(std::string(name) + " " + edit, std::to_string(distance));
      EXPECT_LT(distance, FaceMatchPolicy{}.match_distance);
    }
  }
}

// A face swap: the astronaut's face cut out, scaled onto Grace Hopper's face
// and blended with cv::seamlessClone. The swapped face is the astronaut's;
// the owner of the body is no longer matched.
TEST_F(FaceAnalyzerTest, FaceSwapMatchesTheFaceNotTheBody) {
  const cv::Mat donor = Load(kAssets / "faces" / "astronaut.png");
  const cv::Mat body = Load(kAssets / "faces" / "grace_hopper.jpg");
  const FoundFace donor_face = One(donor);
  const FoundFace body_face = One(body);

  // The donor's face box (a little inside it), resized to the body's.
  const cv::Rect from(donor_face.box.x, donor_face.box.y, donor_face.box.width,
                      donor_face.box.height);
  const cv::Rect to(body_face.box.x, body_face.box.y, body_face.box.width, body_face.box.height);
  cv::Mat patch;
  cv::resize(donor(from & cv::Rect(0, 0, donor.cols, donor.rows)), patch, to.size(), 0, 0,
             cv::INTER_AREA);
  cv::Mat mask(patch.size(), CV_8UC1, cv::Scalar(0));
  cv::ellipse(mask, cv::Point(patch.cols / 2, patch.rows / 2),
              cv::Size(patch.cols * 45 / 100, patch.rows * 48 / 100), 0, 0, 360, cv::Scalar(255),
              cv::FILLED);
  cv::Mat swapped;
  cv::seamlessClone(patch, body, mask, cv::Point(to.x + to.width / 2, to.y + to.height / 2),
                    swapped, cv::NORMAL_CLONE);

  auto faces = analyzer_->FindFaces(Encode(swapped), {});
  ASSERT_TRUE(faces.ok()) << faces.status().ToString();
  ASSERT_EQ(faces->size(), 1u);
  const float to_donor = FaceDistance(faces->front().embedding, donor_face.embedding);
  const float to_body = FaceDistance(faces->front().embedding, body_face.embedding);
  RecordProperty("distance_to_face_owner", std::to_string(to_donor));
  RecordProperty("distance_to_body_owner", std::to_string(to_body));
  EXPECT_LT(to_donor, FaceMatchPolicy{}.match_distance);
  EXPECT_GE(to_body, FaceMatchPolicy{}.review_distance);
}

TEST_F(FaceAnalyzerTest, CrowdEdgeAndSmallFaces) {
  // Five different people in one scene: five faces, each nearest its owner.
  std::vector<cv::Mat> people;
  for (const auto& person : fs::directory_iterator(kAssets / "johns")) {
    people.push_back(Load(*fs::directory_iterator(person.path())));
  }
  ASSERT_EQ(people.size(), 5u);
  cv::Mat crowd = SyntheticPhoto(11, 1024, 768);
  for (size_t i = 0; i < people.size(); ++i) {
    people[i].copyTo(crowd(cv::Rect(40 + 190 * static_cast<int>(i), 60 + 110 * (i % 3), 150, 150)));
  }
  auto found = analyzer_->FindFaces(Encode(crowd), {});
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  EXPECT_EQ(found->size(), people.size());
  for (const cv::Mat& person : people) {
    cv::Mat alone;
    cv::copyMakeBorder(person, alone, 75, 75, 75, 75, cv::BORDER_CONSTANT, cv::Scalar::all(200));
    EXPECT_LT(Nearest(crowd, One(alone).embedding), FaceMatchPolicy{}.match_distance);
  }

  // A face touching the image's right edge.
  const cv::Mat edge = InScene(people[0], 640, 480, 640 - 150, 100);
  auto at_edge = analyzer_->FindFaces(Encode(edge), {});
  ASSERT_TRUE(at_edge.ok());
  ASSERT_EQ(at_edge->size(), 1u);
  const FaceBox edge_box = at_edge->front().box;
  EXPECT_GT(edge_box.x, 640 - 150);
  EXPECT_LE(edge_box.x + edge_box.width, 640) << "boxes are reported within the image";

  // A face 20 px wide: below the default minimum it is not reported; asked
  // for, it is found where it is.
  cv::Mat tiny;
  cv::resize(people[1], tiny, cv::Size(28, 28), 0, 0, cv::INTER_AREA);  // face ~20 px
  const cv::Mat small_scene = InScene(tiny, 640, 480, 400, 300);
  auto by_default = analyzer_->FindFaces(Encode(small_scene), {});
  ASSERT_TRUE(by_default.ok());
  EXPECT_TRUE(by_default->empty());
  FaceOptions small;
  small.min_face_px = 16;
  auto fine = FaceAnalyzer::Load(DefaultFaceModelPaths(), small);
  ASSERT_TRUE(fine.ok());
  auto small_faces = (*fine)->FindFaces(Encode(small_scene), {});
  ASSERT_TRUE(small_faces.ok());
  ASSERT_EQ(small_faces->size(), 1u);
  const FaceBox box = small_faces->front().box;
  EXPECT_NEAR(box.x + box.width / 2, 414, 8);
  EXPECT_NEAR(box.y + box.height / 2, 314, 8);
  EXPECT_LT(box.width, 32);
}

// A selfie-like photo whose face fills the frame is one face, embedded as
// when the same face is smaller in its photo.
TEST_F(FaceAnalyzerTest, AFaceFillingThePhotoIsOneFace) {
  for (const auto& person : fs::directory_iterator(kAssets / "johns")) {
    const cv::Mat chip = Load(*fs::directory_iterator(person.path()));
    cv::Mat close_up, portrait;
    cv::resize(chip, close_up, cv::Size(450, 450), 0, 0, cv::INTER_CUBIC);
    cv::copyMakeBorder(chip, portrait, 75, 75, 75, 75, cv::BORDER_CONSTANT, cv::Scalar::all(190));
    const FoundFace face = One(close_up);
    EXPECT_LT(FaceDistance(face.embedding, One(portrait).embedding), 0.3f) << person.path();
    // Its box reaches past the photo's edges; it is reported within them.
    EXPECT_GE(face.box.x, 0);
    EXPECT_GE(face.box.y, 0);
    EXPECT_LE(face.box.x + face.box.width, close_up.cols);
    EXPECT_LE(face.box.y + face.box.height, close_up.rows);
    EXPECT_GT(face.box.width, close_up.cols / 2);
  }
}

TEST_F(FaceAnalyzerTest, NoFacesAndBadInput) {
  auto none = analyzer_->FindFaces(Encode(SyntheticPhoto(3, 1024, 768), ".jpg"), {});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());

  auto refused = analyzer_->FindOneFace(Encode(SyntheticPhoto(3)), {});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().message(), "no face found");

  cv::Mat two = SyntheticPhoto(5, 800, 400);
  const cv::Mat a = Load(kAssets / "faces" / "astronaut.png");
  cv::Mat small_a;
  cv::resize(a, small_a, cv::Size(300, 300), 0, 0, cv::INTER_AREA);
  small_a.copyTo(two(cv::Rect(40, 50, 300, 300)));
  cv::flip(small_a, small_a, 1);
  small_a.copyTo(two(cv::Rect(450, 50, 300, 300)));
  auto several = analyzer_->FindOneFace(Encode(two), {});
  ASSERT_FALSE(several.ok());
  EXPECT_EQ(several.status().message(), "2 faces found (a profile photo must show one person)");

  EXPECT_EQ(analyzer_->FindFaces(Bytes{}, {}).status().code(), Status::Code::kInvalidArgument);
  const Bytes garbage(5000, 0x5a);
  EXPECT_EQ(analyzer_->FindFaces(garbage, {}).status().code(), Status::Code::kInvalidArgument);
  Bytes truncated = Encode(a, ".jpg");
  truncated.resize(truncated.size() / 2);
  EXPECT_EQ(analyzer_->FindFaces(truncated, {}).status().code(), Status::Code::kInvalidArgument);
  ImageLimits tight;
  tight.max_pixels = 1000;
  EXPECT_EQ(analyzer_->FindFaces(Encode(a), tight).status().code(), Status::Code::kTooLarge);
}

TEST(FaceModels, MissingModelIsAClearError) {
  FaceModelPaths paths = DefaultFaceModelPaths();
  paths.embedder = "/nonexistent/face_embedder.onnx";
  auto loaded = FaceAnalyzer::Load(paths);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), Status::Code::kNotFound);
  EXPECT_NE(loaded.status().message().find("/nonexistent/face_embedder.onnx"), std::string::npos);

  const fs::path bogus = fs::temp_directory_path() / "tdm_bogus_model.onnx";
  {
    std::FILE* f = std::fopen(bogus.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    std::fputs("not a model", f);
    std::fclose(f);
  }
  paths = DefaultFaceModelPaths();
  paths.detector = bogus.string();
  auto bad = FaceAnalyzer::Load(paths);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Status::Code::kInvalidArgument);
  fs::remove(bogus);
}

TEST(DetectorPasses, WholeImageThenTilesDownToTheSmallestFace) {
  // Small images: the whole image is enough.
  EXPECT_EQ(PlanDetectorPasses({300, 300}, 32).size(), 1u);
  // 1024x768 for 32-px faces: the whole image, then tiles of 342 and 684.
  const auto passes = PlanDetectorPasses({1024, 768}, 32);
  ASSERT_GT(passes.size(), 1u);
  EXPECT_EQ(passes[0].region, cv::Rect(0, 0, 1024, 1024));
  std::map<int, std::vector<cv::Rect>> levels;
  for (size_t i = 1; i < passes.size(); ++i)
    levels[passes[i].region.width].push_back(passes[i].region);
  ASSERT_EQ(levels.size(), 2u);
  EXPECT_EQ(levels.begin()->first, 342);
  for (const auto& [side, tiles] : levels) {
    // Every point of the image is covered, and neighbours overlap by >= 1/4.
    cv::Mat covered(768, 1024, CV_8UC1, cv::Scalar(0));
    for (const cv::Rect& t : tiles) {
      covered(t & cv::Rect(0, 0, 1024, 768)).setTo(1);
      EXPECT_LE(t.br().x, 1024);
      EXPECT_LE(t.br().y, 768);
    }
    EXPECT_EQ(cv::countNonZero(covered), 1024 * 768) << "tiles of " << side;
  }
  // Bounded at the largest analysed size.
  EXPECT_EQ(PlanDetectorPasses({2048, 2048}, 32).size(), 85u);
}

}  // namespace
}  // namespace tdm::matcher
