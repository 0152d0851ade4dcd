#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "tdm/common/fetcher.h"
#include "tdm/common/kafka.h"
#include "tdm/common/metrics.h"
#include "tdm/common/status.h"
#include "tdm/matcher/face_index.h"
#include "tdm/matcher/faces.h"
#include "tdm/matcher/image_signal.h"
#include "tdm/matcher/match_store.h"
#include "tdm/matcher/profile_index.h"

namespace tdm::matcher {

struct MatcherConfig {
  std::string kafka_bootstrap;
  std::string pg_dsn;
  std::string group_id = "tdm-matcher";
  size_t batch_size = 16;                            // image refs fetched concurrently
  ImageLimits limits;                                // download and decode caps
  MatchPolicy policy;                                // threshold 31, quality gate 50
  std::chrono::milliseconds profile_listen{250};     // how often NOTIFYs are checked
  std::chrono::milliseconds profile_refresh{10000};  // reconcile: version check regardless
  std::chrono::milliseconds retro_hunt_every{2000};  // how often new profiles are retro-hunted
  int retro_settle_seconds = 5;  // retro-hunt a profile once every matcher has loaded it
  // Faces: looked for in every image (their embeddings are kept for
  // retro-hunts even before any face profile exists); off only on request.
  bool faces = true;
  FaceModelPaths face_models = DefaultFaceModelPaths();
  FaceOptions face_options;
  FaceMatchPolicy face_policy;                 // match < 0.5, review band < 0.6
  std::chrono::hours face_retention{24 * 90};  // crawled faces' embeddings, then purged
  std::chrono::milliseconds face_purge_every{600000};
  FetcherOptions fetch;
  // Politeness per image host (tdm.images is keyed by image host, so one
  // matcher holds a host's budget): at least this long between the starts
  // of two requests to a host and at most this many at a time; a 429/503
  // holds the host back (see HostGate).
  std::chrono::milliseconds image_host_delay{100};
  int image_host_concurrency = 4;
  std::filesystem::path metrics_file;
  std::string metrics_address;             // GET /metrics here ("127.0.0.1:0"); empty: off
  std::filesystem::path metrics_url_file;  // where the served URL is written

  Status Validate() const;
};

class MatcherMetrics {
 public:
  explicit MatcherMetrics(MetricsRegistry& registry);
  void ImageHashed(int64_t bytes);
  void RetroHunted(size_t profiles, size_t images, size_t matches);
  void ImageFailed(const std::string& reason);  // "http", "network", "too_large", "decode", ...
  void Matched(const std::string& kind);
  void BadMessage();
  void FacesFound(size_t faces);
  void FacesPurged(int64_t faces);

 private:
  MetricsRegistry& registry_;
  Counter hashed_, bytes_, bad_messages_, retro_profiles_, retro_images_, retro_matches_;
  Counter faces_found_, faces_purged_;
};

// Consumes tdm.images: fetches each image (bytes stay in memory only), hashes
// it, finds its faces, stores the signal, faces and sighting, matches it
// against every hash and face profile, and publishes each confirmed match to
// tdm.matches (face matches wait for review first). Borrowed dependencies
// must outlive it; `faces` may be null (face matching off). Not thread-safe.
class Matcher {
 public:
  Matcher(const MatcherConfig& config, MatchStore& store, Fetcher& fetcher, Producer& producer,
          MatcherMetrics& metrics, FaceFinder* faces = nullptr);

  Status HandleBatch(const std::vector<Message>& batch);
  // Reloads the profile set when it changed in PostgreSQL.
  Status RefreshProfiles();
  // Reloads at once when PostgreSQL announced a profile change.
  Status OnProfileAnnouncements();
  // Searches every stored image signal for profiles registered since the
  // last run, and records and publishes what it finds like a live match: a
  // victim who registers today finds the leak crawled last month. The
  // service calls it on a second Matcher, on its own thread, with its own
  // store and producer.
  Status RetroHunt();
  // Deletes crawled faces older than the retention window.
  Status PurgeExpiredFaces();
  size_t profile_count() const { return index_.size(); }
  size_t face_profile_count() const { return face_index_.size(); }

 private:
  // Hands matches to the notifier (tdm.matches, keyed by subject); ok once
  // the broker has them.
  Status PublishMatches(const std::vector<MatchItem>& matches);
  Status HandleSignal(const ImageItem& item, const ImageSignal& signal, int http_status,
                      const ImageFaces& faces, std::vector<MatchItem>& to_publish);
  // The faces of an image just fetched: stored ones when the same bytes were
  // analysed before, else found now; nullopt when face matching is off or the
  // analysis failed (logged and counted).
  Result<ImageFaces> FacesOf(const ImageItem& item, const ImageSignal& signal,
                             std::span<const uint8_t> bytes);
  Status RetroHuntFaces();

  const MatcherConfig& config_;
  MatchStore& store_;
  Fetcher& fetcher_;
  Producer& producer_;
  MatcherMetrics& metrics_;
  FaceFinder* faces_;
  ProfileIndex index_;
  FaceProfileIndex face_index_;
  std::string profiles_version_;
};

int RunMatcherService(const MatcherConfig& config);

}  // namespace tdm::matcher
