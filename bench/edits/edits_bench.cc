// Recall and false matches of three profile sets on a generated edit set.
//
// Each input photo is registered with ComputeProfileHashes. Each edit of each
// photo is encoded to bytes and hashed as the crawler would hash it
// (ComputeImageSignal, defaults). For three sets of a photo's variants
// (plain: "orig" only; dihedral: orig + 7 rotations/mirrors; full: everything)
// it reports recall (the edited image is within --max-distance of its own
// photo) and false matches (edited image of photo A within the threshold of
// photo B != A), split into same-person and different-person pairs. A
// photo's person is its parent directory name when that holds several photos
// (dlib's johns), otherwise the file itself.
//
// Usage: edits_bench [--zoom-step=3.5] [--shift-step=2.5] [--max-side=10] [--min-area=80]
//                    [--dihedral-crops] [--samples=3] PHOTO...

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <string>
#include <vector>

#include "tdm/matcher/image_signal.h"
#include "tdm/matcher/profile_hashes.h"
#include "tdm/matcher/testing/images.h"

namespace {

using tdm::matcher::testing::Crop;

using tdm::matcher::ComputeImageSignal;
using tdm::matcher::HammingDistance;
using tdm::matcher::PdqHash;
using tdm::matcher::ProfileHash;
using Bytes = std::vector<uint8_t>;

constexpr int kMaxDistance = 31;
constexpr int kMinQuality = 50;

struct Photo {
  std::string path;
  std::string person;
  Bytes bytes;
  cv::Mat bgr;
  std::vector<ProfileHash> hashes;
};

enum Set { kPlain = 0, kDihedral = 1, kFull = 2 };
constexpr const char* kSetNames[3] = {"plain", "dihedral", "full"};

bool InSet(const ProfileHash& h, int set) {
  if (h.quality < kMinQuality) return false;
  if (set == kPlain) return h.variant == "orig";
  if (set == kDihedral) return h.variant.find("crop:") == std::string::npos;
  return true;
}

// Smallest distance from `pdq` to a variant of `photo` in `set`, 257 if none.
int MinDistance(const PdqHash& pdq, const Photo& photo, int set) {
  int best = 257;
  for (const ProfileHash& h : photo.hashes) {
    if (InSet(h, set)) best = std::min(best, HammingDistance(pdq, h.pdq));
  }
  return best;
}

Bytes ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

Bytes Jpeg(const cv::Mat& img, int quality = 85) {
  Bytes out;
  cv::imencode(".jpg", img, out, {cv::IMWRITE_JPEG_QUALITY, quality});
  return out;
}

cv::Mat Scale(const cv::Mat& img, double f, int interpolation) {
  cv::Mat out;
  cv::resize(img, out, cv::Size(), f, f, interpolation);
  return out;
}

// A window of `area` of the image at a random position; with free_aspect its
// width fraction is drawn from [area, 1] and the height follows.
cv::Mat AreaCrop(const cv::Mat& img, double area, bool free_aspect, cv::RNG& rng) {
  const double w = free_aspect ? rng.uniform(area, 1.0) : std::sqrt(area);
  const double h = area / w;
  const double l = rng.uniform(0.0, 1 - w), t = rng.uniform(0.0, 1 - h);
  return Crop(img, l, t, 1 - w - l, 1 - h - t);
}

cv::Mat RandomCrop(const cv::Mat& img, double max_side, cv::RNG& rng) {
  return Crop(img, rng.uniform(0.0, max_side), rng.uniform(0.0, max_side),
              rng.uniform(0.0, max_side), rng.uniform(0.0, max_side));
}

// An opaque band with a handle across the bottom, as reposting sites stamp.
cv::Mat Watermark(const cv::Mat& img) {
  cv::Mat out = img.clone();
  const int band = std::max(8, img.rows / 8);
  cv::rectangle(out, cv::Rect(0, img.rows - band, img.cols, band), cv::Scalar(255, 255, 255),
                cv::FILLED);
  const double scale = band / 30.0;
  cv::putText(out, "@repost_site.example", cv::Point(band / 4, img.rows - band / 4),
              cv::FONT_HERSHEY_SIMPLEX, scale, cv::Scalar(0, 0, 0), std::max(1, band / 12));
  return out;
}

struct Edit {
  std::string name;
  std::function<Bytes(const cv::Mat&, cv::RNG&)> apply;
  bool random = false;  // drawn --samples times per photo
};

std::vector<Edit> Edits() {
  const auto webp = [](const cv::Mat& m, int q) {
    Bytes out;
    cv::imencode(".webp", m, out, {cv::IMWRITE_WEBP_QUALITY, q});
    return out;
  };
  return {
      {"resize 0.5x", [](auto& m, auto&) { return Jpeg(Scale(m, 0.5, cv::INTER_AREA)); }},
      {"resize 2x", [](auto& m, auto&) { return Jpeg(Scale(m, 2, cv::INTER_CUBIC)); }},
      {"upscale 3x (Lanczos)",
       [](auto& m, auto&) { return Jpeg(Scale(m, 3, cv::INTER_LANCZOS4)); }},
      {"JPEG q40", [](auto& m, auto&) { return Jpeg(m, 40); }},
      {"WebP q75", [=](auto& m, auto&) { return webp(m, 75); }},
      {"watermark band", [](auto& m, auto&) { return Jpeg(Watermark(m)); }},
      {"mirror",
       [](auto& m, auto&) {
         cv::Mat out;
         cv::flip(m, out, 1);
         return Jpeg(out);
       }},
      {"rotate 90",
       [](auto& m, auto&) {
         cv::Mat out;
         cv::rotate(m, out, cv::ROTATE_90_CLOCKWISE);
         return Jpeg(out);
       }},
      {"crop 5% per side", [](auto& m, auto&) { return Jpeg(Crop(m, .05, .05, .05, .05)); }},
      {"crop 10% per side", [](auto& m, auto&) { return Jpeg(Crop(m, .1, .1, .1, .1)); }},
      {"crop 10% left only", [](auto& m, auto&) { return Jpeg(Crop(m, .1, 0, 0, 0)); }},
      {"crop 0-10% per side (random)",
       [](auto& m, auto& rng) { return Jpeg(RandomCrop(m, 0.1, rng)); }, true},
      {"crop to 80% area, same aspect (random pos)",
       [](auto& m, auto& rng) { return Jpeg(AreaCrop(m, 0.8, false, rng)); }, true},
      {"crop to 80% area, free aspect (random)",
       [](auto& m, auto& rng) { return Jpeg(AreaCrop(m, 0.8, true, rng)); }, true},
      {"crop 0-10% + 0.5x + q40",
       [](auto& m, auto& rng) {
         return Jpeg(Scale(RandomCrop(m, 0.1, rng), 0.5, cv::INTER_AREA), 40);
       },
       true},
      {"crop 0-10% + 2x + WebP q75",
       [=](auto& m, auto& rng) {
         return webp(Scale(RandomCrop(m, 0.1, rng), 2, cv::INTER_CUBIC), 75);
       },
       true},
      {"crop 5% + watermark",
       [](auto& m, auto&) { return Jpeg(Watermark(Crop(m, .05, .05, .05, .05))); }},
      {"mirror + crop 5% per side",
       [](auto& m, auto&) {
         cv::Mat out;
         cv::flip(Crop(m, .05, .05, .05, .05), out, 1);
         return Jpeg(out);
       }},
  };
}

// The person a photo shows: its directory when that is a johns-style folder
// of several photos, else the photo itself.
std::string PersonOf(const std::string& path) {
  const std::filesystem::path p(path);
  const auto dir = p.parent_path();
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    count += entry.is_regular_file();
  return count > 1 && dir.filename().string().rfind("John_", 0) == 0 ? dir.filename().string()
                                                                     : p.filename().string();
}

struct Row {
  int images = 0, low_quality = 0;
  int hits[3] = {0, 0, 0};
  int same_person[3] = {0, 0, 0}, other_person[3] = {0, 0, 0};
};

}  // namespace

int main(int argc, char** argv) {
  tdm::matcher::ProfileHashOptions options;
  int samples = 3;
  std::vector<std::string> paths;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&](const char* flag) { return std::stod(arg.substr(std::strlen(flag))); };
    if (arg.rfind("--zoom-step=", 0) == 0)
      options.crop_zoom_step_percent = value("--zoom-step=");
    else if (arg.rfind("--shift-step=", 0) == 0)
      options.crop_shift_step_percent = value("--shift-step=");
    else if (arg.rfind("--max-side=", 0) == 0)
      options.crop_max_side_percent = value("--max-side=");
    else if (arg.rfind("--min-area=", 0) == 0)
      options.crop_min_area_percent = value("--min-area=");
    else if (arg.rfind("--samples=", 0) == 0)
      samples = static_cast<int>(value("--samples="));
    else if (arg == "--dihedral-crops")
      options.dihedral_crops = true;
    else
      paths.push_back(arg);
  }

  std::vector<Photo> photos;
  double register_seconds = 0;
  size_t variants = 0;
  for (const std::string& path : paths) {
    Photo photo{path, PersonOf(path), ReadFile(path), {}, {}};
    photo.bgr = cv::imdecode(photo.bytes, cv::IMREAD_COLOR);
    const auto start = std::chrono::steady_clock::now();
    auto hashes = tdm::matcher::ComputeProfileHashes(photo.bytes, options);
    register_seconds +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!hashes.ok() || photo.bgr.empty()) {
      std::fprintf(stderr, "skipping %s: %s\n", path.c_str(), hashes.status().ToString().c_str());
      continue;
    }
    photo.hashes = std::move(hashes).value();
    variants += photo.hashes.size();
    photos.push_back(std::move(photo));
  }
  if (photos.empty()) return 1;
  std::printf("photos: %zu, variants per photo: %.1f, registration: %.1f ms per photo\n",
              photos.size(), double(variants) / photos.size(),
              1e3 * register_seconds / photos.size());
  std::printf(
      "options: zoom step %g%%, shift step %g%%, max side %g%%, min area %g%%, dihedral crops "
      "%s\n\n",
      options.crop_zoom_step_percent, options.crop_shift_step_percent,
      options.crop_max_side_percent, options.crop_min_area_percent,
      options.dihedral_crops ? "on" : "off");

  const std::vector<Edit> edits = Edits();
  std::vector<Row> rows(edits.size());
  int closest_other[3] = {257, 257, 257};
  for (size_t e = 0; e < edits.size(); ++e) {
    for (size_t i = 0; i < photos.size(); ++i) {
      cv::RNG rng(1000003 * (e + 1) + i);
      for (int s = 0; s < (edits[e].random ? samples : 1); ++s) {
        const Bytes bytes = edits[e].apply(photos[i].bgr, rng);
        auto signal = ComputeImageSignal(bytes);
        Row& row = rows[e];
        ++row.images;
        if (!signal.ok() || signal->quality < kMinQuality) {
          ++row.low_quality;
          continue;
        }
        for (int set = 0; set < 3; ++set) {
          row.hits[set] += MinDistance(signal->pdq, photos[i], set) <= kMaxDistance;
          for (size_t j = 0; j < photos.size(); ++j) {
            if (j == i) continue;
            const int d = MinDistance(signal->pdq, photos[j], set);
            if (photos[j].person != photos[i].person) {
              closest_other[set] = std::min(closest_other[set], d);
            }
            if (d > kMaxDistance) continue;
            ++(photos[j].person == photos[i].person ? row.same_person : row.other_person)[set];
          }
        }
      }
    }
  }

  std::printf(
      "| edit | images | q<50 | recall plain | recall dihedral | recall full |"
      " false same-person (plain/dih/full) | false other-person (plain/dih/full) |\n");
  std::printf("|---|---:|---:|---:|---:|---:|---:|---:|\n");
  Row total;
  for (size_t e = 0; e < edits.size(); ++e) {
    const Row& r = rows[e];
    std::printf("| %s | %d | %d |", edits[e].name.c_str(), r.images, r.low_quality);
    for (int set = 0; set < 3; ++set) std::printf(" %.1f%% |", 100.0 * r.hits[set] / r.images);
    std::printf(" %d / %d / %d | %d / %d / %d |\n", r.same_person[0], r.same_person[1],
                r.same_person[2], r.other_person[0], r.other_person[1], r.other_person[2]);
    total.images += r.images;
    total.low_quality += r.low_quality;
    for (int set = 0; set < 3; ++set) {
      total.hits[set] += r.hits[set];
      total.same_person[set] += r.same_person[set];
      total.other_person[set] += r.other_person[set];
    }
  }
  std::printf("| **all** | %d | %d |", total.images, total.low_quality);
  for (int set = 0; set < 3; ++set)
    std::printf(" %.1f%% |", 100.0 * total.hits[set] / total.images);
  std::printf(" %d / %d / %d | %d / %d / %d |\n", total.same_person[0], total.same_person[1],
              total.same_person[2], total.other_person[0], total.other_person[1],
              total.other_person[2]);
  const long long pairs = static_cast<long long>(total.images) * (photos.size() - 1);
  std::printf("\npairs compared per set: %lld; closest different-person distance:", pairs);
  for (int set = 0; set < 3; ++set) std::printf(" %s %d", kSetNames[set], closest_other[set]);
  std::printf("\n");
  return 0;
}
