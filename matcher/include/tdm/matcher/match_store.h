#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tdm/common/messages.h"
#include "tdm/common/status.h"
#include "tdm/matcher/image_signal.h"
#include "tdm/matcher/profile_index.h"

namespace tdm::matcher {

// What PostgreSQL already knows about an image reference.
struct RefState {
  bool done = false;  // this (crawl, page, image) was already handled
  // The signal of the same image URL already fetched earlier in this crawl,
  // so it is not downloaded twice.
  std::optional<ImageSignal> cached;
};

// The matcher's view of PostgreSQL. Idempotent: recording the same image ref
// twice changes nothing and returns the same matches. Errors: Unavailable
// when the database is away (the caller retries the batch).
class MatchStore {
 public:
  virtual ~MatchStore() = default;
  // A value that changes whenever profiles are added, removed or withdrawn.
  virtual Result<std::string> ProfilesVersion() = 0;
  virtual Result<std::vector<Profile>> LoadProfiles() = 0;
  virtual Result<RefState> Lookup(const ImageItem& item) = 0;
  // Stores the signal (never bytes), the sighting and the hits; marks the ref
  // done. Returns every match of this sighting, new or already recorded.
  virtual Result<std::vector<MatchItem>> RecordImage(const ImageItem& item,
                                                     const ImageSignal& signal, int http_status,
                                                     const std::vector<Hit>& hits) = 0;
  virtual Status RecordFailure(const ImageItem& item, int http_status,
                               const std::string& error) = 0;
};

std::unique_ptr<MatchStore> MakePgMatchStore(const std::string& dsn);

}  // namespace tdm::matcher
