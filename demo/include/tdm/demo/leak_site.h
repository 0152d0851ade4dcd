#pragma once

// Generates a small fake "leak forum" on disk for the end-to-end demo and the
// integration tests: static HTML pages with images referenced in the ways real
// sites do, edited copies of a demo victim's photos, decoys, broken images and
// scope traps. Serve LeakSite::root with StaticServer.
//
// Only the public-domain dlib "johns" photos and synthetic images are used.
// All links are relative or root-relative: nothing points off the host.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "tdm/common/status.h"

namespace tdm::demo {

struct LeakSiteOptions {
  // TDM_ASSETS_DIR "/johns": John_Salley, John_Savage, John_Schneider,
  // John_Shimkus, John_Simm, each holding 11 150x150 JPEG face photos.
  std::filesystem::path photos_dir;
  // GenerateLeakSite replaces out_dir/site and out_dir/victim (only those).
  std::filesystem::path out_dir;
  uint32_t seed = 7;  // same seed, same bytes
};

// What was generated and what a correct crawler + matcher must make of it.
// Every path is root-relative ("/forum/media/img-0007.jpg"); every list is
// sorted. File names do not reveal which image is which.
struct LeakSite {
  std::filesystem::path root;  // out_dir/site: the folder to serve
  std::string seed_path;       // "/forum/index.html"
  // The demo victim's (John_Simm's) 3 original photos, copied byte for byte to
  // out_dir/victim/: register these. Outside root, so never served.
  std::vector<std::filesystem::path> victim_photos;
  // Every page path under /forum/ a crawler starting at seed_path and scoped
  // to /forum/ must fetch, bad pages included. Image links (<a href> to a
  // .jpg/.png) are image references, not pages, and are not listed here.
  std::vector<std::string> in_scope_pages;
  // Paths linked from in-scope pages that a /forum/-scoped crawler must never
  // fetch: "/admin/login.html", "/forum-archive/old-thread.html" (a prefix
  // trap), "/private/a.html" (linked as "../../private/a.html"). The files
  // exist, and each embeds one more edited copy of a victim photo (not listed
  // in victim_copies), so a crawler that escapes its scope shows up as an
  // extra match.
  std::vector<std::string> out_of_scope_links;
  // Images referenced by in-scope pages, each path in exactly one list:
  std::vector<std::string> victim_copies;  // edited copies of victim photos: must match
  // The victim's face where no registered photo is: a face-swap fake (their
  // face from a photo never registered, blended onto another man's photo with
  // cv::seamlessClone) and another unregistered photo of them. No hash finds
  // these; a face profile made from victim_photos must.
  std::vector<std::string> face_only;
  std::vector<std::string> decoys;         // other Johns, synthetic images: must not match
  std::vector<std::string> broken_images;  // garbage bytes, JPEG cut before its scan, missing
  // In-scope pages that fail: a 404, one that StaticServer drops
  // ("/forum/fault/drop-thread.html": StaticServer drops any path containing
  // "/fault/drop"), and two that are not HTML (a .pdf and a .bin linked by <a>).
  std::vector<std::string> bad_pages;
};

// Writes the site and the victim originals under options.out_dir. Takes well
// under a second and under 1 MB. Errors: InvalidArgument when photos_dir lacks
// the expected folders or photos; Internal when a file cannot be written or
// an image cannot be decoded or encoded.
Result<LeakSite> GenerateLeakSite(const LeakSiteOptions& options);

// Implementation detail shared by leak_site*.cc; not for callers.
namespace leak_site_internal {

enum class Role { kVictimCopy, kFaceOnly, kDecoy, kBroken };

struct SiteImage {
  std::string file;  // name under /forum/media/, assigned after shuffling
  std::string ext;   // ".jpg" or ".png"
  Role role = Role::kDecoy;
  int pair = -1;             // images sharing a pair id are one photo at 1x (small) and 2x (large)
  bool large = false;        // the 2x member of a pair
  bool placeholder = false;  // the 1x1 lazy-loading placeholder
  bool exists = true;        // false: referenced but never written
  std::vector<uint8_t> bytes;
};

struct ImageSet {
  std::vector<SiteImage> images;                       // everything under /forum/media/
  std::vector<std::vector<uint8_t>> victim_originals;  // for out_dir/victim/
  std::vector<std::vector<uint8_t>> trap_images;       // one per out-of-scope page
};

// 0..n-1 in an order fixed by `seed` (Fisher-Yates over cv::RNG, so the same
// on every platform, unlike std::shuffle).
std::vector<size_t> ShuffledIndices(size_t n, uint64_t seed);

// Reads the johns photos and builds every image (names not yet assigned).
Result<ImageSet> MakeImages(const std::filesystem::path& photos_dir, uint32_t seed);

// A file to write under the site root (path root-relative, without the leading '/').
struct SiteFile {
  std::string path;
  std::string content;
};

// Lays out the forum pages over `images` (whose names must be assigned) and
// fills the page fields of `site` (in_scope_pages, out_of_scope_links, bad_pages).
std::vector<SiteFile> MakePages(const ImageSet& images, uint32_t seed, LeakSite& site);

}  // namespace leak_site_internal
}  // namespace tdm::demo
