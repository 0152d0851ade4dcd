// The images of the fake leak forum: edited copies of the demo victim's
// photos, other people's photos (plain and edited the same ways), synthetic
// images and broken files. Everything is derived from the seed.

#include <algorithm>
#include <fstream>
#include <iterator>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/photo.hpp>

#include "tdm/demo/leak_site.h"

namespace tdm::demo::leak_site_internal {
namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<uint8_t>;

constexpr const char* kVictim = "John_Simm";
constexpr const char* kPlainDecoys[] = {"John_Salley", "John_Schneider"};
constexpr const char* kEditedDecoys[] = {"John_Savage", "John_Shimkus"};
constexpr int kSyntheticCount = 12;

// Edits applied to photos; the victim's get all of them.
constexpr double kVictimOriginalScale = 3.0;

enum class Edit { kQuality40, kUpscale2x, kDownscale075, kWatermark, kPng, kCombo };
constexpr Edit kAllEdits[] = {Edit::kQuality40, Edit::kUpscale2x, Edit::kDownscale075,
                              Edit::kWatermark, Edit::kPng,       Edit::kCombo};

Result<std::vector<fs::path>> PhotosOf(const fs::path& dir, const char* person) {
  std::vector<fs::path> photos;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir / person, ec)) {
    if (entry.path().extension() == ".jpg") photos.push_back(entry.path());
  }
  std::sort(photos.begin(), photos.end());
  if (ec || photos.size() < 3) {
    return Status::InvalidArgument("expected JPEG photos in " + (dir / person).string());
  }
  return photos;
}

Result<Bytes> ReadBytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Internal("cannot read " + path.string());
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

Bytes Encode(const cv::Mat& img, const std::string& ext, int jpeg_quality = 90) {
  Bytes out;
  std::vector<int> params = ext == ".png"
                                ? std::vector<int>{cv::IMWRITE_PNG_COMPRESSION, 3}
                                : std::vector<int>{cv::IMWRITE_JPEG_QUALITY, jpeg_quality};
  cv::imencode(ext, img, out, params);
  return out;
}

cv::Mat Scaled(const cv::Mat& img, double factor) {
  cv::Mat out;
  cv::resize(img, out, cv::Size(), factor, factor, factor > 1 ? cv::INTER_CUBIC : cv::INTER_AREA);
  return out;
}

// A semi-transparent band with "leakz.example" over 1/12 of the image area,
// the kind reposters stamp on stolen photos.
cv::Mat Watermarked(const cv::Mat& img) {
  cv::Mat out = img.clone();
  const int band_h = std::max(1, img.rows / 12);
  cv::Mat roi = out(cv::Rect(0, img.rows - band_h - img.rows / 20, img.cols, band_h));
  cv::Mat overlay(roi.size(), roi.type(), cv::Scalar(40, 40, 40));
  const std::string text = "leakz.example";
  int baseline = 0;
  const cv::Size size = cv::getTextSize(text, cv::FONT_HERSHEY_SIMPLEX, 1.0, 1, &baseline);
  const double scale = std::min(0.9 * img.cols / size.width, 0.7 * band_h / size.height);
  const cv::Point org(static_cast<int>((img.cols - size.width * scale) / 2),
                      static_cast<int>((band_h + size.height * scale) / 2));
  cv::putText(overlay, text, org, cv::FONT_HERSHEY_SIMPLEX, scale, cv::Scalar(255, 255, 255), 1,
              cv::LINE_AA);
  cv::addWeighted(overlay, 0.5, roi, 0.5, 0, roi);
  return out;
}

SiteImage Edited(const cv::Mat& photo, Edit edit, Role role, int pair) {
  SiteImage image;
  image.role = role;
  image.ext = edit == Edit::kPng ? ".png" : ".jpg";
  switch (edit) {
    case Edit::kQuality40:
      image.bytes = Encode(photo, ".jpg", 40);
      break;
    case Edit::kUpscale2x:
      image.bytes = Encode(Scaled(photo, 2.0), ".jpg");
      break;
    case Edit::kDownscale075:
      image.bytes = Encode(Scaled(photo, 0.75), ".jpg");
      break;
    case Edit::kWatermark:
      image.bytes = Encode(Watermarked(photo), ".jpg");
      break;
    case Edit::kPng:
      image.bytes = Encode(photo, ".png");
      break;
    case Edit::kCombo:
      image.bytes = Encode(Watermarked(Scaled(photo, 2.0)), ".jpg", 60);
      break;
  }
  if (edit == Edit::kUpscale2x || edit == Edit::kDownscale075) {
    image.pair = pair;
    image.large = edit == Edit::kUpscale2x;
  }
  return image;
}

// One synthetic picture: gradients, shapes, noise, blur or a cartoon face.
cv::Mat Synthetic(int kind, cv::RNG& rng) {
  const int w = rng.uniform(120, 241), h = rng.uniform(120, 241);
  cv::Mat img(h, w, CV_8UC3);
  const cv::Scalar a(rng.uniform(0, 256), rng.uniform(0, 256), rng.uniform(0, 256));
  const cv::Scalar b(rng.uniform(0, 256), rng.uniform(0, 256), rng.uniform(0, 256));
  const cv::Point2f c(w / 2.0f, h / 2.0f);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      const double t = kind == 1 ? std::min(1.0, cv::norm(cv::Point2f(x, y) - c) / (w / 1.5))
                                 : static_cast<double>(x + y) / (w + h);
      const cv::Scalar v = a * (1 - t) + b * t;
      img.at<cv::Vec3b>(y, x) =
          cv::Vec3b(cv::saturate_cast<uchar>(v[0]), cv::saturate_cast<uchar>(v[1]),
                    cv::saturate_cast<uchar>(v[2]));
    }
  }
  auto color = [&rng] {
    return cv::Scalar(rng.uniform(0, 256), rng.uniform(0, 256), rng.uniform(0, 256));
  };
  switch (kind) {
    case 2:  // shapes
      for (int i = 0; i < 8; ++i) {
        const cv::Point p(rng.uniform(0, w), rng.uniform(0, h));
        if (i % 2 == 0) {
          cv::rectangle(img, p, p + cv::Point(rng.uniform(10, 60), rng.uniform(10, 60)), color(),
                        -1);
        } else {
          cv::circle(img, p, rng.uniform(5, 40), color(), rng.uniform(-1, 4));
        }
      }
      break;
    case 3:    // noise
    case 4: {  // blurred noise
      cv::Mat noise(h, w, CV_8UC3);
      rng.fill(noise, cv::RNG::UNIFORM, 0, 256);
      cv::addWeighted(img, 0.4, noise, 0.6, 0, img);
      if (kind == 4) cv::GaussianBlur(img, img, cv::Size(9, 9), 3.0);
      break;
    }
    case 5:  // a cartoon face: something for a face detector to reject
      cv::ellipse(img, c, cv::Size(w / 3, h / 2 - 10), 0, 0, 360, cv::Scalar(150, 180, 220), -1);
      cv::circle(img, c + cv::Point2f(-w / 8.0f, -h / 10.0f), w / 20 + 1, cv::Scalar(0, 0, 0), -1);
      cv::circle(img, c + cv::Point2f(w / 8.0f, -h / 10.0f), w / 20 + 1, cv::Scalar(0, 0, 0), -1);
      cv::ellipse(img, c + cv::Point2f(0, h / 6.0f), cv::Size(w / 8, h / 16), 0, 0, 180,
                  cv::Scalar(0, 0, 120), 2);
      break;
    default:  // 0, 1: plain gradients
      break;
  }
  return img;
}

// A JPEG cut just before its scan data: headers parse, no decoder yields pixels.
Bytes TruncatedJpeg(const Bytes& jpeg) {
  for (size_t i = 2; i + 1 < jpeg.size(); ++i) {
    if (jpeg[i] == 0xFF && jpeg[i + 1] == 0xDA) return Bytes(jpeg.begin(), jpeg.begin() + i);
  }
  return Bytes(jpeg.begin(), jpeg.begin() + jpeg.size() / 8);
}

Result<cv::Mat> Decode(const Bytes& bytes, const fs::path& from) {
  cv::Mat img = cv::imdecode(bytes, cv::IMREAD_COLOR);
  if (img.empty()) return Status::Internal("cannot decode " + from.string());
  return img;
}

Result<cv::Mat> LoadPhoto(const fs::path& path) {
  auto bytes = ReadBytes(path);
  if (!bytes.ok()) return bytes.status();
  return Decode(*bytes, path);
}

// `face`'s face blended onto `body` with cv::seamlessClone, the way face-swap
// fakes are made. dlib's crops align every face alike, so the faces of two
// crops of one size sit in the same place: an ellipse over eyes, nose and
// mouth is carried across as it is.
cv::Mat FaceSwapped(const cv::Mat& face, const cv::Mat& body) {
  cv::Mat mask(face.size(), CV_8UC1, cv::Scalar(0));
  const cv::Point centre(face.cols * 74 / 150, face.rows * 78 / 150);
  cv::ellipse(mask, centre, cv::Size(face.cols * 42 / 150, face.rows * 56 / 150), 0, 0, 360,
              cv::Scalar(255), cv::FILLED);
  const cv::Rect area = cv::boundingRect(mask);
  cv::Mat out;
  cv::seamlessClone(face, body, mask, (area.tl() + area.br()) / 2, out, cv::NORMAL_CLONE);
  return out;
}

}  // namespace

Result<ImageSet> MakeImages(const fs::path& photos_dir, uint32_t seed) {
  ImageSet set;
  int next_pair = 0;

  // The victim: 3 photos chosen by the seed, each edited every way.
  auto victim = PhotosOf(photos_dir, kVictim);
  if (!victim.ok()) return victim.status();
  if (victim->size() < 5) {
    return Status::InvalidArgument("expected at least 5 photos of " + std::string(kVictim));
  }
  const std::vector<size_t> victim_pick = ShuffledIndices(victim->size(), seed);
  for (int k = 0; k < 3; ++k) {
    const fs::path& path = (*victim)[victim_pick[k]];
    auto bytes = ReadBytes(path);
    if (!bytes.ok()) return bytes.status();
    auto small = Decode(*bytes, path);
    if (!small.ok()) return small.status();
    // The dlib crops are 150 px; a victim's own photo is larger. Their 3x
    // enlargement stands in for the original the leaks were made from.
    const cv::Mat original = Scaled(*small, kVictimOriginalScale);
    const cv::Mat* photo = &original;
    set.victim_originals.push_back(Encode(original, ".jpg", 95));
    for (Edit edit : kAllEdits)
      set.images.push_back(Edited(*photo, edit, Role::kVictimCopy, next_pair));
    ++next_pair;
    set.trap_images.push_back(Encode(Scaled(*photo, 1.2), ".jpg", 50));
  }

  // Face only: two photos of the victim never registered, enlarged like the
  // originals; the first one's face swapped onto another man's photo.
  auto swap_face = LoadPhoto((*victim)[victim_pick[3]]);
  auto unseen = LoadPhoto((*victim)[victim_pick[4]]);
  auto bodies = PhotosOf(photos_dir, kPlainDecoys[1]);
  if (!bodies.ok()) return bodies.status();
  auto body = LoadPhoto((*bodies)[ShuffledIndices(bodies->size(), seed + 2)[0]]);
  for (const auto* r : {&swap_face, &unseen, &body}) {
    if (!r->ok()) return r->status();
  }
  for (const cv::Mat& img :
       {FaceSwapped(Scaled(*swap_face, kVictimOriginalScale), Scaled(*body, kVictimOriginalScale)),
        Scaled(*unseen, kVictimOriginalScale)}) {
    SiteImage image;
    image.ext = ".jpg";
    image.role = Role::kFaceOnly;
    image.bytes = Encode(img, ".jpg", 85);
    set.images.push_back(std::move(image));
  }

  // Other people, unedited: every photo of two Johns.
  for (const char* person : kPlainDecoys) {
    auto photos = PhotosOf(photos_dir, person);
    if (!photos.ok()) return photos.status();
    for (const fs::path& path : *photos) {
      auto bytes = ReadBytes(path);
      if (!bytes.ok()) return bytes.status();
      SiteImage image;
      image.ext = ".jpg";
      image.bytes = std::move(*bytes);
      set.images.push_back(std::move(image));
    }
  }

  // Other people, edited like the victim's copies: two edits per photo, the
  // second photo's two sizes forming a srcset pair.
  constexpr Edit kDecoyEdits[3][2] = {{Edit::kQuality40, Edit::kWatermark},
                                      {Edit::kDownscale075, Edit::kUpscale2x},
                                      {Edit::kPng, Edit::kCombo}};
  for (int k = 0; k < 3; ++k) {
    const char* person = kEditedDecoys[k / 2];  // two photos of one, one of the other
    auto photos = PhotosOf(photos_dir, person);
    if (!photos.ok()) return photos.status();
    const fs::path& path = (*photos)[ShuffledIndices(photos->size(), seed + 1)[k % 2]];
    auto bytes = ReadBytes(path);
    if (!bytes.ok()) return bytes.status();
    auto photo = Decode(*bytes, path);
    if (!photo.ok()) return photo.status();
    for (Edit edit : kDecoyEdits[k]) {
      set.images.push_back(Edited(*photo, edit, Role::kDecoy, next_pair));
    }
    ++next_pair;
  }

  // Synthetic images; the first also at half size, as a srcset pair.
  cv::RNG rng(seed);
  for (int i = 0; i < kSyntheticCount; ++i) {
    const cv::Mat img = Synthetic(i % 6, rng);
    SiteImage image;
    image.ext = ".jpg";
    image.bytes = Encode(img, ".jpg", 85);
    if (i == 0) {
      SiteImage small = image;
      small.bytes = Encode(Scaled(img, 0.5), ".jpg", 85);
      small.pair = image.pair = next_pair++;
      image.large = true;
      set.images.push_back(std::move(small));
    }
    set.images.push_back(std::move(image));
  }

  // The 1x1 lazy-loading placeholder.
  SiteImage pixel;
  pixel.ext = ".png";
  pixel.placeholder = true;
  pixel.bytes = Encode(cv::Mat(1, 1, CV_8UC3, cv::Scalar(200, 200, 200)), ".png");
  set.images.push_back(std::move(pixel));

  // Broken: garbage named .jpg, a JPEG cut before its scan, a missing file.
  SiteImage garbage;
  garbage.ext = ".jpg";
  garbage.role = Role::kBroken;
  garbage.bytes.resize(2048);
  for (uint8_t& byte : garbage.bytes) byte = static_cast<uint8_t>(rng.uniform(0, 256));
  garbage.bytes[0] = 'G';  // never a valid image signature
  set.images.push_back(std::move(garbage));
  SiteImage truncated;
  truncated.ext = ".jpg";
  truncated.role = Role::kBroken;
  truncated.bytes = TruncatedJpeg(Encode(Synthetic(2, rng), ".jpg", 85));
  set.images.push_back(std::move(truncated));
  SiteImage missing;
  missing.ext = ".jpg";
  missing.role = Role::kBroken;
  missing.exists = false;
  set.images.push_back(std::move(missing));
  return set;
}

}  // namespace tdm::demo::leak_site_internal
