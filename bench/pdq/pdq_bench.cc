// Single-threaded decode + PDQ throughput, and the hash drift of cheaper
// decodes, on generated photo-like JPEGs (q85, seeded).
//
// Paths, for every image size:
//   kFromY      ComputeImageSignal, JPEG luma plane
//   kReducedY   ComputeImageSignal, DCT-scaled luma decode (the matcher's)
//   kFromRgb    ComputeImageSignal, RGB decode weighed as the reference tool
//               (bit-exact with ThreatExchange's pdq-photo-hasher)
//   naive       cv::imdecode colour + cv::resize to 512x512 (bilinear) +
//               cvtColor + PdqFromLuma: what one writes without care
//   reduced/N   cv::IMREAD_REDUCED_GRAYSCALE_N (libjpeg scale_denom, DCT
//               downscale) + PdqFromPixels, only where the reduced image keeps
//               at least 256 px on its short side
// Drift is the Hamming distance to kFromRgb's hash of the same image.
// kFromY/kFromRgb also compute SHA-256 and MD5 of the bytes, as in production.
//
// Usage: pdq_bench [--images=60] [--seconds=2]

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <string>
#include <vector>

#include "tdm/matcher/image_signal.h"
#include "tdm/matcher/profile_hashes.h"

namespace {

using tdm::matcher::PdqHash;
using Bytes = std::vector<uint8_t>;

// Photo-like: blurred noise and shapes drawn at 1/4 size, upscaled, then a
// little sensor-like noise, so that large images are cheap to generate.
cv::Mat SyntheticPhoto(uint64_t seed, int width, int height) {
  cv::RNG rng(seed);
  const int w = std::max(64, width / 4), h = std::max(48, height / 4);
  cv::Mat small(h, w, CV_8UC3);
  rng.fill(small, cv::RNG::UNIFORM, 0, 256);
  cv::GaussianBlur(small, small, cv::Size(0, 0), 4);
  for (int i = 0; i < 30; ++i) {
    const cv::Scalar colour(rng.uniform(0, 256), rng.uniform(0, 256), rng.uniform(0, 256));
    const cv::Point a(rng.uniform(0, w), rng.uniform(0, h)),
        b(rng.uniform(0, w), rng.uniform(0, h));
    if (i % 3 == 0) cv::circle(small, a, rng.uniform(1, w / 5), colour, cv::FILLED);
    if (i % 3 == 1) cv::rectangle(small, a, b, colour, cv::FILLED);
    if (i % 3 == 2) cv::line(small, a, b, colour, rng.uniform(1, 6));
  }
  cv::Mat img, noise(height, width, CV_8UC3);
  cv::resize(small, img, cv::Size(width, height), 0, 0, cv::INTER_CUBIC);
  rng.fill(noise, cv::RNG::NORMAL, 0, 6);
  cv::add(img, noise, img);
  return img;
}

PdqHash Naive(const Bytes& bytes) {
  const cv::Mat decoded = cv::imdecode(bytes, cv::IMREAD_COLOR);
  cv::Mat resized, grey, luma;
  cv::resize(decoded, resized, cv::Size(512, 512), 0, 0, cv::INTER_LINEAR);
  cv::cvtColor(resized, grey, cv::COLOR_BGR2GRAY);
  grey.convertTo(luma, CV_32F);
  return tdm::matcher::PdqFromLuma(luma.ptr<float>(), luma.cols, luma.rows).hash;
}

PdqHash Reduced(const Bytes& bytes, int flag) {
  const cv::Mat d = cv::imdecode(bytes, flag | cv::IMREAD_IGNORE_ORIENTATION);
  return tdm::matcher::PdqFromPixels({d.ptr<uint8_t>(), d.cols, d.rows, 1, d.step[0]}).hash;
}

PdqHash Signal(const Bytes& bytes, tdm::matcher::JpegLuma luma) {
  return tdm::matcher::ComputeImageSignal(bytes, {}, luma)->pdq;
}

long PeakRssKb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

struct Path {
  std::string name;
  std::function<PdqHash(const Bytes&)> hash;
};

}  // namespace

int main(int argc, char** argv) {
  int count = 60;
  double seconds = 2;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--images=", 9) == 0) count = std::atoi(argv[i] + 9);
    if (std::strncmp(argv[i], "--seconds=", 10) == 0) seconds = std::atof(argv[i] + 10);
  }
  cv::setNumThreads(1);
  using tdm::matcher::JpegLuma;
  std::printf(
      "| size | path | images/s (1 thread) | ms/image | vs kFromRgb | drift mean | drift max |\n");
  std::printf("|---|---|---:|---:|---:|---:|---:|\n");
  for (const cv::Size size : {cv::Size(1024, 768), cv::Size(4032, 3024)}) {
    std::vector<Bytes> jpegs;
    for (int i = 0; i < count; ++i) {
      Bytes out;
      cv::imencode(".jpg", SyntheticPhoto(7919 * (i + 1), size.width, size.height), out,
                   {cv::IMWRITE_JPEG_QUALITY, 85});
      jpegs.push_back(std::move(out));
    }
    std::vector<Path> paths = {
        {"kFromRgb (reference-exact)", [](auto& b) { return Signal(b, JpegLuma::kFromRgb); }},
        {"kFromY", [](auto& b) { return Signal(b, JpegLuma::kFromY); }},
        {"kReducedY (the matcher's)", [](auto& b) { return Signal(b, JpegLuma::kReducedY); }},
        {"naive imdecode+resize", Naive},
    };
    for (const auto& [factor, flag] : {std::pair{2, cv::IMREAD_REDUCED_GRAYSCALE_2},
                                       {4, cv::IMREAD_REDUCED_GRAYSCALE_4},
                                       {8, cv::IMREAD_REDUCED_GRAYSCALE_8}}) {
      if (std::min(size.width, size.height) / factor < 256) continue;
      paths.push_back({"reduced grey 1/" + std::to_string(factor),
                       [flag = flag](auto& b) { return Reduced(b, flag); }});
    }
    std::vector<PdqHash> reference;
    double reference_rate = 0;
    for (const Path& path : paths) {
      std::vector<PdqHash> hashes;
      for (const Bytes& b : jpegs) hashes.push_back(path.hash(b));  // warm-up and drift
      if (reference.empty()) reference = hashes;
      double sum = 0;
      int worst = 0;
      for (int i = 0; i < count; ++i) {
        const int d = tdm::matcher::HammingDistance(hashes[i], reference[i]);
        sum += d;
        worst = std::max(worst, d);
      }
      long done = 0;
      const auto start = std::chrono::steady_clock::now();
      double elapsed = 0;
      while (elapsed < seconds) {
        for (const Bytes& b : jpegs) path.hash(b);
        done += count;
        elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      }
      const double rate = done / elapsed;
      if (reference_rate == 0) reference_rate = rate;
      std::printf("| %dx%d | %s | %.0f | %.2f | %.2fx | %.2f | %d |\n", size.width, size.height,
                  path.name.c_str(), rate, 1e3 / rate, rate / reference_rate, sum / count, worst);
    }
  }
  std::printf("\npeak RSS (VmHWM, whole run incl. %d generated JPEGs per size): %ld MiB\n", count,
              PeakRssKb() / 1024);
  return 0;
}
