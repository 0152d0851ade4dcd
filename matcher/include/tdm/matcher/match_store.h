#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tdm/common/messages.h"
#include "tdm/common/status.h"
#include "tdm/matcher/face_index.h"
#include "tdm/matcher/faces.h"
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

// A stored image signal, as retro-hunt reads it back.
struct StoredImage {
  int64_t image_id = 0;
  ImageKey key;
};

// A face found in a crawled image, kept for the retention window.
struct StoredFace {
  int64_t face_id = 0;
  int64_t image_id = 0;
  FoundFace face;
};

// What the matcher learnt about the faces of one image: nullopt when they
// were not looked for (face matching off, or the analysis failed).
using ImageFaces = std::optional<std::vector<FoundFace>>;

// The matcher's view of PostgreSQL. Idempotent: recording the same image ref
// twice changes nothing and returns the same matches. A match is confirmed
// at once when the subject's policy allows it (digest or PDQ distance at or
// below their auto-confirm distance), else it waits in pending_review; only
// confirmed matches are returned for publishing. Errors: Unavailable when the
// database is away (the caller retries the batch).
class MatchStore {
 public:
  virtual ~MatchStore() = default;
  // A value that changes whenever profiles are added, removed or withdrawn.
  virtual Result<std::string> ProfilesVersion() = 0;
  // True when PostgreSQL announced a profile change (LISTEN tdm_profiles)
  // since the last call, or when the listening connection was (re)opened and
  // announcements may have been missed. Does not block.
  virtual Result<bool> ProfilesChanged() = 0;
  virtual Result<std::vector<Profile>> LoadProfiles() = 0;
  // Face profiles of subjects who have not withdrawn.
  virtual Result<std::vector<FaceProfile>> LoadFaceProfiles() = 0;
  virtual Result<RefState> Lookup(const ImageItem& item) = 0;
  // The faces stored for the image with these bytes, when they were looked
  // for already (at another URL, or earlier): no need to analyse it again.
  virtual Result<ImageFaces> StoredFaces(const std::string& sha256_hex) = 0;
  // Stores the signal (never bytes), the faces (boxes and embeddings, when
  // looked for), the sighting and the hits; marks the ref done. Face hits
  // always wait for review. Returns the confirmed matches of this sighting,
  // new or not.
  virtual Result<std::vector<MatchItem>> RecordImage(const ImageItem& item,
                                                     const ImageSignal& signal, int http_status,
                                                     const std::vector<Hit>& hits,
                                                     const ImageFaces& faces,
                                                     const std::vector<FaceHit>& face_hits) = 0;
  virtual Status RecordFailure(const ImageItem& item, int http_status,
                               const std::string& error) = 0;

  // Retro-hunt. Claims up to `max` profiles not yet searched against stored
  // images (or whose earlier claim is stale), older than `settle_seconds` so
  // that every live matcher already has them.
  virtual Result<std::vector<Profile>> ClaimRetroHunt(size_t max, int settle_seconds) = 0;
  // Stored images with id > after_id, in id order.
  virtual Result<std::vector<StoredImage>> ImagesAfter(int64_t after_id, size_t limit) = 0;
  // Records the hits against every sighting of the image (found_by
  // retro-hunt); returns the confirmed matches.
  virtual Result<std::vector<MatchItem>> RecordRetroHits(int64_t image_id,
                                                         const std::vector<Hit>& hits) = 0;
  virtual Status FinishRetroHunt(const std::vector<int64_t>& profile_ids, int matches) = 0;

  // The same for face profiles, against the stored faces of crawled images.
  virtual Result<std::vector<FaceProfile>> ClaimFaceRetroHunt(size_t max, int settle_seconds) = 0;
  // Stored faces with id > after_face_id, in id order.
  virtual Result<std::vector<StoredFace>> FacesAfter(int64_t after_face_id, size_t limit) = 0;
  virtual Result<std::vector<MatchItem>> RecordRetroFaceHits(int64_t image_id,
                                                             const std::vector<FaceHit>& hits) = 0;
  virtual Status FinishFaceRetroHunt(const std::vector<int64_t>& face_profile_ids, int matches) = 0;
  // Deletes the stored faces of crawled images not seen within `retention`;
  // returns how many.
  virtual Result<int64_t> PurgeFaces(std::chrono::hours retention) = 0;
};

std::unique_ptr<MatchStore> MakePgMatchStore(const std::string& dsn);

}  // namespace tdm::matcher
