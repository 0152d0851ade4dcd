// Single-threaded face detection + embedding on 1024x768 JPEGs (q90) with 0,
// 1 and 5 faces, for several FaceOptions::min_face_px; then FaceIndex's
// brute-force search at 10k, 100k and 1M entries; then the peak RSS.
//
// Scenes: SyntheticPhoto backgrounds (face-free) with dlib's 150x150 johns
// chips scaled to 120-200 px (faces ~100-170 px; different people, one per
// cell of a 3x2 grid, so faces never overlap), or the astronaut scaled to
// 260-300 px (face ~50 px). JPEGs are encoded before timing; FindFaces decodes
// them inside the timed call.
//
// min_face_px both plans the detector tiles and drops faces narrower than it:
// on 1024x768, 32 runs 17 passes, 48 (the default) seven, 64 five, 96 and
// above the whole image only, so 96 shows what the whole-image pass alone
// finds.
//
// Usage: faces_bench [--seconds=2] [--images=8]

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <string>
#include <vector>

#include "tdm/matcher/face_index.h"
#include "tdm/matcher/faces.h"
#include "tdm/matcher/testing/images.h"

namespace {

namespace fs = std::filesystem;
using tdm::matcher::FaceAnalyzer;
using tdm::matcher::FaceEmbedding;
using tdm::matcher::kFaceDims;
using Bytes = std::vector<uint8_t>;
using Clock = std::chrono::steady_clock;

constexpr int kWidth = 1024, kHeight = 768;
const fs::path kAssets = TDM_ASSETS_DIR;

double Since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

cv::Mat Load(const fs::path& path) {
  cv::Mat img = cv::imread(path.string(), cv::IMREAD_COLOR);
  if (img.empty()) {
    std::fprintf(stderr, "%s is missing: run scripts/setup.sh\n", path.c_str());
    std::exit(1);
  }
  return img;
}

// The johns' chips: one list per person, people and files in sorted order.
std::vector<std::vector<cv::Mat>> LoadJohns() {
  std::vector<fs::path> people;
  for (const auto& p : fs::directory_iterator(kAssets / "johns")) people.push_back(p.path());
  std::sort(people.begin(), people.end());
  std::vector<std::vector<cv::Mat>> johns;
  for (const fs::path& person : people) {
    std::vector<fs::path> files;
    for (const auto& f : fs::directory_iterator(person)) files.push_back(f.path());
    std::sort(files.begin(), files.end());
    johns.emplace_back();
    for (const fs::path& f : files) johns.back().push_back(Load(f));
  }
  return johns;
}

// `faces` pasted into a face-free 1024x768 scene, each square and
// `min_side`..`max_side` px, at a random place inside its own cell of a 3x2
// grid with a 16 px margin, so no two overlap. Returns it as a q90 JPEG.
Bytes Scene(uint64_t seed, const std::vector<cv::Mat>& faces, int min_side, int max_side) {
  cv::RNG rng(seed);
  cv::Mat scene = tdm::matcher::testing::SyntheticPhoto(seed, kWidth, kHeight);
  std::vector<int> cells = {0, 1, 2, 3, 4, 5};
  cv::randShuffle(cells, 1, &rng);
  const int cell_w = kWidth / 3, cell_h = kHeight / 2, margin = 16;
  for (size_t i = 0; i < faces.size(); ++i) {
    const int side = rng.uniform(min_side, max_side + 1);
    const int x = cells[i] % 3 * cell_w + margin + rng.uniform(0, cell_w - side - 2 * margin + 1);
    const int y = cells[i] / 3 * cell_h + margin + rng.uniform(0, cell_h - side - 2 * margin + 1);
    cv::Mat scaled;
    cv::resize(faces[i], scaled, cv::Size(side, side), 0, 0,
               side < faces[i].cols ? cv::INTER_AREA : cv::INTER_CUBIC);
    scaled.copyTo(scene(cv::Rect(x, y, side, side)));
  }
  Bytes jpeg;
  cv::imencode(".jpg", scene, jpeg, {cv::IMWRITE_JPEG_QUALITY, 90});
  return jpeg;
}

struct ImageSet {
  std::string name;
  int faces = 0;  // per image, as pasted
  std::vector<Bytes> jpegs;
};

std::vector<ImageSet> MakeSets(int count) {
  const auto johns = LoadJohns();
  const cv::Mat astronaut = Load(kAssets / "faces" / "astronaut.png");
  std::vector<ImageSet> sets = {
      {"no face", 0, {}}, {"1 john", 1, {}}, {"5 johns", 5, {}}, {"1 astronaut", 1, {}}};
  for (int i = 0; i < count; ++i) {
    const uint64_t seed = 1000 + 17 * i;
    std::vector<cv::Mat> five;
    for (const auto& person : johns) five.push_back(person[i % person.size()]);
    sets[0].jpegs.push_back(Scene(seed, {}, 0, 0));
    sets[1].jpegs.push_back(Scene(seed + 1, {five[i % five.size()]}, 120, 200));
    sets[2].jpegs.push_back(Scene(seed + 2, five, 120, 200));
    sets[3].jpegs.push_back(Scene(seed + 3, {astronaut}, 260, 300));
  }
  return sets;
}

struct Timing {
  double ms_per_image = 0;
  double images_per_s = 0;
  double faces_per_s = 0;
  std::vector<int> found;  // per image in the first round; -1: an error
};

// Whole rounds over `jpegs` until `seconds` have passed (at least one).
Timing Measure(FaceAnalyzer& analyzer, const std::vector<Bytes>& jpegs, double seconds) {
  (void)analyzer.FindFaces(jpegs.front(), {});  // warm-up: dnn allocates on first use
  Timing t;
  long images = 0, faces = 0;
  const Clock::time_point start = Clock::now();
  do {
    for (const Bytes& jpeg : jpegs) {
      const auto found = analyzer.FindFaces(jpeg, {});
      if (!found.ok()) std::fprintf(stderr, "FindFaces: %s\n", found.status().ToString().c_str());
      const int n = found.ok() ? static_cast<int>(found->size()) : -1;
      if (t.found.size() < jpegs.size()) t.found.push_back(n);
      faces += std::max(n, 0);
      ++images;
    }
  } while (Since(start) < seconds);
  const double elapsed = Since(start);
  t.ms_per_image = 1e3 * elapsed / images;
  t.images_per_s = images / elapsed;
  t.faces_per_s = faces / elapsed;
  return t;
}

std::string Found(const std::vector<int>& found) {
  const auto [lo, hi] = std::minmax_element(found.begin(), found.end());
  return *lo == *hi ? std::to_string(*lo) : std::to_string(*lo) + "-" + std::to_string(*hi);
}

void BenchDetection(int count, double seconds) {
  const std::vector<ImageSet> sets = MakeSets(count);
  std::vector<std::string> notes;
  std::printf("| min_face_px | set | ms/image | images/s | faces/s | found/image (want) |\n");
  std::printf("|---:|---|---:|---:|---:|---|\n");
  for (const int min_face_px : {32, 48, 64, 96}) {
    tdm::matcher::FaceOptions options;
    options.min_face_px = min_face_px;
    auto analyzer = FaceAnalyzer::Load(tdm::matcher::DefaultFaceModelPaths(), options);
    if (!analyzer.ok()) {
      std::fprintf(stderr, "%s\n", analyzer.status().ToString().c_str());
      std::exit(1);
    }
    std::vector<double> ms, found;
    for (const ImageSet& set : sets) {
      const Timing t = Measure(**analyzer, set.jpegs, seconds);
      ms.push_back(t.ms_per_image);
      found.push_back(t.faces_per_s / t.images_per_s);
      std::printf("| %d | %s | %.1f | %.2f | %.2f | %s (%d) |\n", min_face_px, set.name.c_str(),
                  t.ms_per_image, t.images_per_s, t.faces_per_s, Found(t.found).c_str(), set.faces);
      if (std::any_of(t.found.begin(), t.found.end(), [&](int n) { return n != set.faces; })) {
        char warning[120];
        std::snprintf(warning, sizeof warning,
                      "WARNING min_face_px=%d %s: want %d, found per image:", min_face_px,
                      set.name.c_str(), set.faces);
        std::string note = warning;
        for (const int n : t.found) note.append(" ").append(std::to_string(n));
        notes.push_back(note);
      }
    }
    char line[160];
    std::snprintf(line, sizeof line,
                  "min_face_px=%d: decode + detector passes %.1f ms/image (no face); "
                  "per face found (5 johns - no face) / %.1f = %.1f ms",
                  min_face_px, ms[0], found[2], (ms[2] - ms[0]) / found[2]);
    notes.push_back(found[2] > 0 ? line : std::string(line, std::strchr(line, ';')));
  }
  std::printf("\n");
  for (const std::string& note : notes) std::printf("%s\n", note.c_str());
}

// Random entries, normal(0, 0.09) per dimension (norms near 1, like real
// embeddings); random queries with max_distance 0.6, so almost no hits: the
// time is the scan.
void BenchIndex(double seconds) {
  std::printf(
      "\n| FaceIndex entries | memory MiB (x512 B) | queries | mean ms/query | GB/s | hits (all "
      "queries) |\n");
  std::printf("|---:|---:|---:|---:|---:|---:|\n");
  tdm::matcher::FaceIndex index;
  index.Reserve(1'000'000);
  cv::RNG rng(42);
  cv::Mat rows(10'000, kFaceDims, CV_32F);
  FaceEmbedding e;
  for (const size_t size : {10'000, 100'000, 1'000'000}) {
    while (index.size() < size) {
      rng.fill(rows, cv::RNG::NORMAL, 0, 0.09);
      for (int r = 0; r < rows.rows; ++r) {
        std::memcpy(e.data(), rows.ptr<float>(r), sizeof e);
        index.Add(static_cast<int64_t>(index.size()), e);
      }
    }
    cv::Mat query(1, kFaceDims, CV_32F);
    long queries = 0;
    size_t hits = 0;
    double total = 0;
    while (queries < 5 || total < seconds) {
      rng.fill(query, cv::RNG::NORMAL, 0, 0.09);
      std::memcpy(e.data(), query.ptr<float>(), sizeof e);
      const Clock::time_point start = Clock::now();
      hits += index.Search(e, 0.6f).size();
      total += Since(start);
      ++queries;
    }
    const double bytes = static_cast<double>(size) * kFaceDims * sizeof(float);
    std::printf("| %zu | %.1f | %ld | %.3f | %.1f | %zu |\n", size, bytes / (1 << 20), queries,
                1e3 * total / queries, bytes * queries / total / 1e9, hits);
  }
}

}  // namespace

double PeakRssMib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024.0;
}

int main(int argc, char** argv) {
  double seconds = 2;
  int images = 8;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--seconds=", 10) == 0) seconds = std::atof(argv[i] + 10);
    if (std::strncmp(argv[i], "--images=", 9) == 0) images = std::max(1, std::atoi(argv[i] + 9));
  }
  cv::setNumThreads(1);
  BenchDetection(images, seconds);
  std::printf("\npeak RSS after detection + embedding (models, test images): %.0f MiB\n",
              PeakRssMib());
  BenchIndex(seconds);
  std::printf("\npeak RSS (ru_maxrss, whole run incl. the 1M-entry index): %.0f MiB\n",
              PeakRssMib());
  return 0;
}
