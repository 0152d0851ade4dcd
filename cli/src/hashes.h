#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tdm/common/home.h"
#include "tdm/common/status.h"

namespace tdm::cli {

// `tdm hash`: prints file, pdq, quality, sha256 and md5 of each image file
// (folders are walked, sorted); with `json` one object per line with exactly
// those keys. Files that are not decodable images are refused by name on
// stderr and the rest go on. A progress bar goes to stderr when it is a
// terminal and there are many files. Returns how many were refused.
int HashFiles(const std::vector<std::string>& paths, bool json);

// Hash lists in the ThreatExchange / python-threatexchange PDQ formats: one
// 64-digit hex hash per line, or CSV "hash,quality[,...]" (a header line and
// `pdq ` prefixes are accepted; '#' starts a comment).
struct ImportReport {
  int imported = 0;
  int duplicates = 0;
  std::vector<std::string> refused;  // "line N: reason"
  int64_t subject_id = 0;
};
// Imports into a subject's profiles, or into a shared list (a subject of its
// own named `list`, created on first use). Each hash is retro-hunted against
// every image already seen, like a newly registered photo.
Result<ImportReport> ImportHashes(const Home& home, const std::string& file,
                                  std::optional<int64_t> subject, const std::string& list);
// Exports the registered photos' own hashes (not the crop and rotation
// variants) as "hex" or "hex,quality" lines.
Result<std::string> ExportHashes(const Home& home, int64_t subject_id, bool csv);

}  // namespace tdm::cli
