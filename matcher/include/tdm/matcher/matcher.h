#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "tdm/common/fetcher.h"
#include "tdm/common/kafka.h"
#include "tdm/common/metrics.h"
#include "tdm/common/status.h"
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
  FetcherOptions fetch;
  std::filesystem::path metrics_file;

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

 private:
  MetricsRegistry& registry_;
  Counter hashed_, bytes_, bad_messages_, retro_profiles_, retro_images_, retro_matches_;
};

// Consumes tdm.images: fetches each image (bytes stay in memory only), hashes
// it, stores the signal and sighting, matches it against every profile, and
// publishes each match to tdm.matches. Borrowed dependencies must outlive it.
// Not thread-safe.
class Matcher {
 public:
  Matcher(const MatcherConfig& config, MatchStore& store, Fetcher& fetcher, Producer& producer,
          MatcherMetrics& metrics);

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
  size_t profile_count() const { return index_.size(); }

 private:
  // Hands matches to the notifier (tdm.matches, keyed by subject); ok once
  // the broker has them.
  Status PublishMatches(const std::vector<MatchItem>& matches);
  Status HandleSignal(const ImageItem& item, const ImageSignal& signal, int http_status,
                      std::vector<MatchItem>& to_publish);

  const MatcherConfig& config_;
  MatchStore& store_;
  Fetcher& fetcher_;
  Producer& producer_;
  MatcherMetrics& metrics_;
  ProfileIndex index_;
  std::string profiles_version_;
};

int RunMatcherService(const MatcherConfig& config);

}  // namespace tdm::matcher
