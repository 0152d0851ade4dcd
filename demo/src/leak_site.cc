#include "tdm/demo/leak_site.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <opencv2/core.hpp>

namespace tdm::demo {
namespace {

namespace fs = std::filesystem;
using leak_site_internal::ImageSet;
using leak_site_internal::Role;

Status WriteFile(const fs::path& path, const void* data, size_t size) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
  out.close();
  if (ec || !out) return Status::Internal("cannot write " + path.string());
  return Status::Ok();
}

// Names every image "img-NNNN.ext" in an order fixed by the seed, so that a
// name says nothing about what the image is.
void AssignNames(ImageSet& set, uint32_t seed) {
  const std::vector<size_t> order =
      leak_site_internal::ShuffledIndices(set.images.size(), seed + 4);
  for (size_t n = 0; n < order.size(); ++n) {
    char name[32];
    std::snprintf(name, sizeof(name), "img-%04zu", n + 1);
    set.images[order[n]].file = name + set.images[order[n]].ext;
  }
}

}  // namespace

namespace leak_site_internal {

std::vector<size_t> ShuffledIndices(size_t n, uint64_t seed) {
  std::vector<size_t> order(n);
  for (size_t i = 0; i < n; ++i) order[i] = i;
  cv::RNG rng(seed * 0x9E3779B97F4A7C15ull + 1);
  for (size_t i = n; i > 1; --i) {
    std::swap(order[i - 1], order[rng.uniform(0, static_cast<int>(i))]);
  }
  return order;
}

}  // namespace leak_site_internal

Result<LeakSite> GenerateLeakSite(const LeakSiteOptions& options) {
  if (options.out_dir.empty()) return Status::InvalidArgument("leak site: out_dir is empty");
  auto images = leak_site_internal::MakeImages(options.photos_dir, options.seed);
  if (!images.ok()) return images.status();
  AssignNames(*images, options.seed);

  LeakSite site;
  site.root = options.out_dir / "site";
  site.seed_path = "/forum/index.html";
  const fs::path victim_dir = options.out_dir / "victim";
  std::error_code ec;
  fs::remove_all(site.root, ec);
  fs::remove_all(victim_dir, ec);
  if (!fs::create_directories(site.root, ec) || !fs::create_directories(victim_dir, ec)) {
    return Status::Internal("cannot create " + site.root.string() + ": " + ec.message());
  }

  for (size_t i = 0; i < images->victim_originals.size(); ++i) {
    const auto& bytes = images->victim_originals[i];
    const fs::path path = victim_dir / ("victim-" + std::to_string(i + 1) + ".jpg");
    if (Status s = WriteFile(path, bytes.data(), bytes.size()); !s.ok()) return s;
    site.victim_photos.push_back(path);
  }
  for (const auto& image : images->images) {
    const std::string path = "/forum/media/" + image.file;
    switch (image.role) {
      case Role::kVictimCopy:
        site.victim_copies.push_back(path);
        break;
      case Role::kFaceOnly:
        site.face_only.push_back(path);
        break;
      case Role::kDecoy:
        site.decoys.push_back(path);
        break;
      case Role::kBroken:
        site.broken_images.push_back(path);
        break;
    }
    if (!image.exists) continue;
    if (image.bytes.empty()) return Status::Internal("cannot encode image for " + path);
    if (Status s = WriteFile(site.root / path.substr(1), image.bytes.data(), image.bytes.size());
        !s.ok()) {
      return s;
    }
  }
  for (const auto& file : leak_site_internal::MakePages(*images, options.seed, site)) {
    if (Status s = WriteFile(site.root / file.path, file.content.data(), file.content.size());
        !s.ok()) {
      return s;
    }
  }
  for (size_t i = 0; i < site.out_of_scope_links.size() && i < images->trap_images.size(); ++i) {
    const fs::path dir = fs::path(site.out_of_scope_links[i].substr(1)).parent_path();
    const auto& bytes = images->trap_images[i];
    if (Status s = WriteFile(site.root / dir / "photo.jpg", bytes.data(), bytes.size()); !s.ok()) {
      return s;
    }
  }

  for (auto* list : {&site.in_scope_pages, &site.out_of_scope_links, &site.victim_copies,
                     &site.face_only, &site.decoys, &site.broken_images, &site.bad_pages}) {
    std::sort(list->begin(), list->end());
  }
  return site;
}

}  // namespace tdm::demo
