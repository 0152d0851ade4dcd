#include "tdm/matcher/matcher.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <thread>

#include "tdm/common/service_loop.h"
#include "tdm/common/url.h"

namespace tdm::matcher {

Status MatcherConfig::Validate() const {
  if (kafka_bootstrap.empty()) return Status::InvalidArgument("matcher: no kafka bootstrap");
  if (pg_dsn.empty()) return Status::InvalidArgument("matcher: no postgres dsn");
  if (image_host_delay.count() < 0 || image_host_concurrency < 1) {
    return Status::InvalidArgument("matcher: image host delay must be >= 0, concurrency >= 1");
  }
  if (policy.max_distance < 0 || policy.max_distance > 64) {
    return Status::InvalidArgument("matcher: max_distance must be 0..64");
  }
  if (policy.min_quality < 0 || policy.min_quality > 100) {
    return Status::InvalidArgument("matcher: min_quality must be 0..100");
  }
  if (batch_size == 0 || batch_size > 1000) {
    return Status::InvalidArgument("matcher: batch_size must be 1..1000");
  }
  if (!(face_policy.match_distance > 0) ||
      !(face_policy.review_distance >= face_policy.match_distance) ||
      face_policy.review_distance > 2) {
    return Status::InvalidArgument("matcher: face distances must satisfy 0 < match <= review <= 2");
  }
  if (face_retention.count() < 1) {
    return Status::InvalidArgument("matcher: face retention must be at least an hour");
  }
  return Status::Ok();
}

MatcherMetrics::MatcherMetrics(MetricsRegistry& registry)
    : registry_(registry),
      hashed_(registry.GetCounter("tdm_matcher_images_hashed_total", "Images hashed")),
      bytes_(registry.GetCounter("tdm_matcher_image_bytes_total", "Image bytes fetched")),
      bad_messages_(registry.GetCounter("tdm_matcher_bad_messages_total", "Malformed messages")),
      retro_profiles_(
          registry.GetCounter("tdm_matcher_retro_hunt_profiles_total", "Profiles retro-hunted")),
      retro_images_(registry.GetCounter("tdm_matcher_retro_hunt_images_total",
                                        "Stored images searched by retro-hunts")),
      retro_matches_(registry.GetCounter("tdm_matcher_retro_hunt_matches_total",
                                         "Matches found by retro-hunts")),
      faces_found_(
          registry.GetCounter("tdm_matcher_faces_found_total", "Faces found in crawled images")),
      faces_purged_(registry.GetCounter("tdm_matcher_faces_purged_total",
                                        "Crawled faces deleted after the retention window")) {}

void MatcherMetrics::FacesFound(size_t faces) {
  faces_found_.Increment(static_cast<double>(faces));
}

void MatcherMetrics::FacesPurged(int64_t faces) {
  faces_purged_.Increment(static_cast<double>(faces));
}

void MatcherMetrics::RetroHunted(size_t profiles, size_t images, size_t matches) {
  retro_profiles_.Increment(static_cast<double>(profiles));
  retro_images_.Increment(static_cast<double>(images));
  retro_matches_.Increment(static_cast<double>(matches));
}

void MatcherMetrics::ImageHashed(int64_t bytes) {
  hashed_.Increment();
  bytes_.Increment(static_cast<double>(bytes));
}

void MatcherMetrics::ImageFailed(const std::string& reason) {
  registry_
      .GetCounter("tdm_matcher_image_failures_total", "Images not hashed", {{"reason", reason}})
      .Increment();
}

void MatcherMetrics::Matched(const std::string& kind) {
  registry_.GetCounter("tdm_matcher_matches_total", "Matches found", {{"kind", kind}}).Increment();
}

void MatcherMetrics::BadMessage() { bad_messages_.Increment(); }

Matcher::Matcher(const MatcherConfig& config, MatchStore& store, Fetcher& fetcher,
                 Producer& producer, MatcherMetrics& metrics, FaceFinder* faces)
    : config_(config),
      store_(store),
      fetcher_(fetcher),
      producer_(producer),
      metrics_(metrics),
      faces_(faces) {}

Status Matcher::RefreshProfiles() {
  auto version = store_.ProfilesVersion();
  if (!version.ok()) return version.status();
  if (*version == profiles_version_) return Status::Ok();
  auto profiles = store_.LoadProfiles();
  if (!profiles.ok()) return profiles.status();
  auto face_profiles = store_.LoadFaceProfiles();
  if (!face_profiles.ok()) return face_profiles.status();
  index_.Replace(std::move(*profiles));
  face_index_.Replace(std::move(*face_profiles));
  profiles_version_ = *version;
  spdlog::info("matching against {} hash profile(s) and {} face profile(s)", index_.size(),
               face_index_.size());
  return Status::Ok();
}

Status Matcher::OnProfileAnnouncements() {
  auto changed = store_.ProfilesChanged();
  if (!changed.ok()) return changed.status();
  return *changed ? RefreshProfiles() : Status::Ok();
}

Result<ImageFaces> Matcher::FacesOf(const ImageItem& item, const ImageSignal& signal,
                                    std::span<const uint8_t> bytes) {
  if (faces_ == nullptr) return ImageFaces{};
  auto stored = store_.StoredFaces(signal.sha256_hex);
  if (!stored.ok()) return stored.status();
  if (stored->has_value()) return *stored;
  auto found = faces_->FindFaces(bytes, config_.limits);
  if (!found.ok()) {
    metrics_.ImageFailed("faces");
    spdlog::warn("faces of {} (on {}): {}", item.image_url, item.page_url,
                 found.status().ToString());
    return ImageFaces{};
  }
  metrics_.FacesFound(found->size());
  return ImageFaces(std::move(*found));
}

Status Matcher::HandleSignal(const ImageItem& item, const ImageSignal& signal, int http_status,
                             const ImageFaces& faces, std::vector<MatchItem>& to_publish) {
  std::vector<Hit> hits =
      index_.Match({signal.sha256_hex, signal.md5_hex, signal.pdq, signal.quality}, config_.policy);
  std::vector<FaceHit> face_hits;
  if (faces && face_index_.size() > 0) face_hits = face_index_.Match(*faces, config_.face_policy);
  auto matches = store_.RecordImage(item, signal, http_status, hits, faces, face_hits);
  if (!matches.ok()) return matches.status();
  for (const Hit& h : hits) {
    metrics_.Matched(h.kind);
    spdlog::info("match: subject {} at {} (image {}, {} distance {})", h.subject_id, item.page_url,
                 item.image_url, h.kind, h.distance);
  }
  for (const FaceHit& h : face_hits) {
    metrics_.Matched("face");
    spdlog::info(
        "face match for review: subject {} at {} (image {}, box {}x{}+{}+{}, distance {:.3f})",
        h.subject_id, item.page_url, item.image_url, h.box.width, h.box.height, h.box.x, h.box.y,
        h.distance);
  }
  to_publish.insert(to_publish.end(), matches->begin(), matches->end());
  return Status::Ok();
}

Status Matcher::HandleBatch(const std::vector<Message>& batch) {
  std::vector<ImageItem> to_fetch;
  std::vector<MatchItem> to_publish;
  for (const Message& m : batch) {
    auto item = ImageItem::Decode(m.value);
    if (!item.ok()) {
      metrics_.BadMessage();
      spdlog::warn("images {}/{}@{}: {}", m.topic, m.partition, m.offset, item.status().ToString());
      continue;
    }
    auto state = store_.Lookup(*item);
    if (!state.ok()) return state.status();
    if (state->done) continue;
    if (state->cached) {  // same image URL already hashed in this crawl
      ImageFaces faces;
      if (faces_ != nullptr) {
        auto stored = store_.StoredFaces(state->cached->sha256_hex);
        if (!stored.ok()) return stored.status();
        faces = std::move(*stored);
      }
      if (Status s = HandleSignal(*item, *state->cached, 200, faces, to_publish); !s.ok()) {
        return s;
      }
      continue;
    }
    to_fetch.push_back(std::move(*item));
  }
  std::vector<FetchRequest> requests;
  for (const ImageItem& item : to_fetch) {
    FetchRequest request;
    request.url = item.image_url;
    request.max_bytes = config_.limits.max_bytes;
    request.allow_private = item.allow_private;
    // Private targets only on the watched site's own host (the page's).
    auto page = Url::Parse(item.page_url);
    request.private_host = page.ok() ? page->host() : "invalid-page.invalid";
    request.host_key = HostKeyOf(item.image_url);
    request.politeness.min_interval = config_.image_host_delay;
    request.politeness.max_concurrency = config_.image_host_concurrency;
    requests.push_back(std::move(request));
  }
  std::vector<FetchResponse> responses = fetcher_.FetchAll(requests);
  for (size_t i = 0; i < to_fetch.size(); ++i) {
    const ImageItem& item = to_fetch[i];
    FetchResponse& r = responses[i];
    std::string error;
    std::string reason;
    if (r.deferred) {
      // The image host's budget for this batch is spent: the ref stays
      // queued and the crawler's reconcile sweep hands it out again.
      metrics_.ImageFailed("deferred");
      spdlog::info("image {} (on {}): {}", item.image_url, item.page_url, r.status.ToString());
      continue;
    }
    if (!r.status.ok()) {
      error = r.status.ToString();
      reason = r.status.code() == Status::Code::kTooLarge  ? "too_large"
               : r.status.code() == Status::Code::kRefused ? "refused"
                                                           : "network";
    } else if (r.http_status >= 400 || r.http_status == 0) {
      error = "HTTP " + std::to_string(r.http_status);
      reason = "http";
    } else {
      auto bytes =
          std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(r.body.data()), r.body.size());
      auto signal = ComputeImageSignal(bytes, config_.limits, JpegLuma::kReducedY);
      Result<ImageFaces> faces = ImageFaces{};
      if (signal.ok()) faces = FacesOf(item, *signal, bytes);
      const int64_t size = static_cast<int64_t>(r.body.size());
      std::string().swap(r.body);  // the bytes go no further than this
      if (!faces.ok()) return faces.status();
      if (signal.ok()) {
        metrics_.ImageHashed(size);
        if (Status s = HandleSignal(item, *signal, r.http_status, *faces, to_publish); !s.ok()) {
          return s;
        }
        continue;
      }
      error = signal.status().ToString();
      reason = signal.status().code() == Status::Code::kTooLarge ? "too_large" : "decode";
    }
    metrics_.ImageFailed(reason);
    spdlog::warn("image {} (on {}): {}", item.image_url, item.page_url, error);
    if (Status s = store_.RecordFailure(item, r.http_status, error); !s.ok()) return s;
  }
  return PublishMatches(to_publish);
}

Status Matcher::PublishMatches(const std::vector<MatchItem>& matches) {
  for (const MatchItem& m : matches) {
    Status s = producer_.Publish(kMatchesTopic, std::to_string(m.subject_id), m.Encode());
    if (!s.ok()) return s;
  }
  return matches.empty() ? Status::Ok() : producer_.Flush(std::chrono::seconds(30));
}

Status Matcher::RetroHunt() {
  if (Status s = RetroHuntFaces(); !s.ok()) return s;
  auto claimed = store_.ClaimRetroHunt(20, config_.retro_settle_seconds);
  if (!claimed.ok()) return claimed.status();
  if (claimed->empty()) return Status::Ok();
  std::vector<int64_t> ids;
  for (const Profile& p : *claimed) ids.push_back(p.profile_id);
  ProfileIndex fresh;
  fresh.Replace(std::move(*claimed));
  size_t images = 0, matches = 0;
  for (int64_t after = 0;;) {
    auto page = store_.ImagesAfter(after, 5000);
    if (!page.ok()) return page.status();
    if (page->empty()) break;
    std::vector<MatchItem> to_publish;
    for (const StoredImage& image : *page) {
      std::vector<Hit> hits = fresh.Match(image.key, config_.policy);
      if (hits.empty()) continue;
      auto found = store_.RecordRetroHits(image.image_id, hits);
      if (!found.ok()) return found.status();
      matches += hits.size();
      to_publish.insert(to_publish.end(), found->begin(), found->end());
    }
    if (Status s = PublishMatches(to_publish); !s.ok()) return s;
    images += page->size();
    after = page->back().image_id;
  }
  metrics_.RetroHunted(ids.size(), images, matches);
  spdlog::info("retro-hunt: {} new profile(s) searched against {} stored image(s): {} match(es)",
               ids.size(), images, matches);
  return store_.FinishRetroHunt(ids, static_cast<int>(matches));
}

Status Matcher::RetroHuntFaces() {
  auto claimed = store_.ClaimFaceRetroHunt(50, config_.retro_settle_seconds);
  if (!claimed.ok()) return claimed.status();
  if (claimed->empty()) return Status::Ok();
  std::vector<int64_t> ids;
  for (const FaceProfile& p : *claimed) ids.push_back(p.face_profile_id);
  FaceProfileIndex fresh;
  fresh.Replace(std::move(*claimed));
  size_t faces = 0, matches = 0;
  for (int64_t after = 0;;) {
    auto page = store_.FacesAfter(after, 5000);
    if (!page.ok()) return page.status();
    if (page->empty()) break;
    // Faces come in id order, so an image's faces are adjacent: gather them
    // and record each image's best hit per subject once.
    std::vector<MatchItem> to_publish;
    for (size_t i = 0; i < page->size();) {
      const int64_t image_id = (*page)[i].image_id;
      std::vector<FoundFace> of_image;
      for (; i < page->size() && (*page)[i].image_id == image_id; ++i) {
        of_image.push_back((*page)[i].face);
      }
      std::vector<FaceHit> hits = fresh.Match(of_image, config_.face_policy);
      if (hits.empty()) continue;
      auto found = store_.RecordRetroFaceHits(image_id, hits);
      if (!found.ok()) return found.status();
      matches += hits.size();
      to_publish.insert(to_publish.end(), found->begin(), found->end());
    }
    if (Status s = PublishMatches(to_publish); !s.ok()) return s;
    faces += page->size();
    after = page->back().face_id;
  }
  metrics_.RetroHunted(ids.size(), faces, matches);
  spdlog::info(
      "retro-hunt: {} new face profile(s) searched against {} stored face(s): {} "
      "match(es) for review",
      ids.size(), faces, matches);
  return store_.FinishFaceRetroHunt(ids, static_cast<int>(matches));
}

Status Matcher::PurgeExpiredFaces() {
  auto purged = store_.PurgeFaces(config_.face_retention);
  if (!purged.ok()) return purged.status();
  if (*purged > 0) {
    metrics_.FacesPurged(*purged);
    spdlog::info("purged {} crawled face(s) older than {} h", *purged,
                 config_.face_retention.count());
  }
  return Status::Ok();
}

int RunMatcherService(const MatcherConfig& config) {
  if (Status s = config.Validate(); !s.ok()) return ExitWith(s, 2);
  std::unique_ptr<FaceAnalyzer> faces;
  if (config.faces) {
    auto loaded = FaceAnalyzer::Load(config.face_models, config.face_options);
    if (!loaded.ok()) return ExitWith(loaded.status(), 2);
    faces = std::move(*loaded);
  } else {
    spdlog::warn("face matching is off (TDM_FACES=off): only hashes are matched");
  }
  auto producer =
      MakeKafkaProducer({config.kafka_bootstrap, "tdm-matcher"}, {std::string(kMatchesTopic)});
  if (!producer.ok()) return ExitWith(producer.status(), 1);
  auto store = MakePgMatchStore(config.pg_dsn);
  auto fetcher = MakeCurlFetcher(config.fetch);
  MetricsRegistry registry;
  MatcherMetrics metrics(registry);
  Matcher matcher(config, *store, *fetcher, **producer, metrics, faces.get());

  // Retro-hunts may scan millions of stored signals: they run on a thread of
  // their own, with their own connections, so live matching (and the
  // consumer's group membership) never waits for one.
  auto hunt_producer = MakeKafkaProducer({config.kafka_bootstrap, "tdm-matcher-retro"});
  if (!hunt_producer.ok()) return ExitWith(hunt_producer.status(), 1);
  auto hunt_store = MakePgMatchStore(config.pg_dsn);
  auto hunt_fetcher = MakeCurlFetcher(config.fetch);
  Matcher hunter(config, *hunt_store, *hunt_fetcher, **hunt_producer, metrics);
  const std::atomic<bool>& stop = StopOnSignals();
  std::atomic<bool> service_done{false};
  std::thread retro([&] {
    auto next_purge = std::chrono::steady_clock::now();
    while (!stop.load() && !service_done.load()) {
      if (Status s = hunter.RetroHunt(); !s.ok()) spdlog::warn("retro-hunt: {}", s.ToString());
      if (std::chrono::steady_clock::now() >= next_purge) {
        if (Status s = hunter.PurgeExpiredFaces(); !s.ok()) {
          spdlog::warn("face purge: {}", s.ToString());
        }
        next_purge = std::chrono::steady_clock::now() + config.face_purge_every;
      }
      const auto until = std::chrono::steady_clock::now() + config.retro_hunt_every;
      while (!stop.load() && !service_done.load() && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
  });

  const int rc = RunKafkaService(
      {"matcher", config.kafka_bootstrap, config.group_id, std::string(kImagesTopic),
       config.batch_size, config.metrics_file, config.metrics_address, config.metrics_url_file},
      registry, [&](const std::vector<Message>& b) { return matcher.HandleBatch(b); },
      {{"profile announcements", config.profile_listen,
        [&] { return matcher.OnProfileAnnouncements(); }},
       {"profiles", config.profile_refresh, [&] { return matcher.RefreshProfiles(); }}});
  service_done.store(true);
  retro.join();
  return rc;
}

}  // namespace tdm::matcher
