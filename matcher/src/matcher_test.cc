#include "tdm/matcher/matcher.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <set>

#include "tdm/common/test_doubles.h"
#include "tdm/matcher/testing/images.h"

namespace tdm::matcher {
namespace {

using tdm::matcher::testing::SyntheticPhoto;

using tdm::testing::MessageOf;
using tdm::testing::RecordingProducer;
using tdm::testing::ScriptedFetcher;

// A photo-like 320x240 JPEG, as bytes the fetcher serves.
std::string PhotoLikeJpeg(uint64_t seed, int quality = 90) {
  std::vector<uint8_t> out;
  cv::imencode(".jpg", SyntheticPhoto(seed, 320, 240), out, {cv::IMWRITE_JPEG_QUALITY, quality});
  return std::string(out.begin(), out.end());
}

ImageSignal SignalOf(const std::string& bytes) {
  return *ComputeImageSignal(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
}

// MatchStore in memory, keyed like the real tables.
class InMemoryMatchStore final : public MatchStore {
 public:
  Result<std::string> ProfilesVersion() override { return std::to_string(profiles.size()); }
  Result<std::vector<Profile>> LoadProfiles() override { return profiles; }
  Result<bool> ProfilesChanged() override {
    const bool changed = announced;
    announced = false;
    return changed;
  }
  bool announced = false;
  Result<RefState> Lookup(const ImageItem& item) override {
    if (away) return Status::Unavailable("database away (test)");
    RefState st;
    st.done = refs.count({item.page_url, item.image_url}) > 0;
    if (auto it = signals.find(item.image_url); it != signals.end()) st.cached = it->second;
    return st;
  }
  Result<std::vector<FaceProfile>> LoadFaceProfiles() override { return face_profiles; }
  Result<ImageFaces> StoredFaces(const std::string& sha256_hex) override {
    if (away) return Status::Unavailable("database away (test)");
    auto it = faces_by_sha.find(sha256_hex);
    return it == faces_by_sha.end() ? ImageFaces{} : ImageFaces(it->second);
  }
  Result<std::vector<MatchItem>> RecordImage(const ImageItem& item, const ImageSignal& s, int,
                                             const std::vector<Hit>& hits, const ImageFaces& faces,
                                             const std::vector<FaceHit>& found) override {
    if (away) return Status::Unavailable("database away (test)");
    refs[{item.page_url, item.image_url}] = "done";
    signals[item.image_url] = s;
    if (faces) faces_by_sha[s.sha256_hex] = *faces;
    for (const FaceHit& h : found) face_hits.push_back({item.image_url, h});
    std::vector<MatchItem> out;
    for (const Hit& h : hits) {
      auto key = std::make_pair(h.subject_id, item.page_url + " " + item.image_url);
      auto [it, inserted] = matches.emplace(key, static_cast<int64_t>(matches.size() + 1));
      out.push_back({it->second, h.subject_id});
    }
    return out;
  }
  Status RecordFailure(const ImageItem& item, int, const std::string& error) override {
    refs[{item.page_url, item.image_url}] = "failed: " + error;
    return Status::Ok();
  }
  Result<std::vector<Profile>> ClaimRetroHunt(size_t, int) override {
    std::vector<Profile> out;
    for (const Profile& p : profiles) {
      if (!hunted.count(p.profile_id)) out.push_back(p);
    }
    return out;
  }
  Result<std::vector<StoredImage>> ImagesAfter(int64_t after_id, size_t limit) override {
    std::vector<StoredImage> out;
    for (size_t i = static_cast<size_t>(after_id); i < stored.size() && out.size() < limit; ++i) {
      out.push_back({static_cast<int64_t>(i + 1), stored[i]});
    }
    return out;
  }
  Result<std::vector<MatchItem>> RecordRetroHits(int64_t image_id,
                                                 const std::vector<Hit>& hits) override {
    std::vector<MatchItem> out;
    for (const Hit& h : hits) {
      retro_hits.push_back({image_id, h.subject_id});
      out.push_back({static_cast<int64_t>(1000 + retro_hits.size()), h.subject_id});
    }
    return out;
  }
  Status FinishRetroHunt(const std::vector<int64_t>& ids, int) override {
    hunted.insert(ids.begin(), ids.end());
    return Status::Ok();
  }

  Result<std::vector<FaceProfile>> ClaimFaceRetroHunt(size_t, int) override {
    std::vector<FaceProfile> out;
    for (const FaceProfile& p : face_profiles) {
      if (!faces_hunted.count(p.face_profile_id)) out.push_back(p);
    }
    return out;
  }
  Result<std::vector<StoredFace>> FacesAfter(int64_t after, size_t limit) override {
    std::vector<StoredFace> out;
    for (const StoredFace& f : stored_faces) {
      if (f.face_id > after && out.size() < limit) out.push_back(f);
    }
    return out;
  }
  Result<std::vector<MatchItem>> RecordRetroFaceHits(int64_t image_id,
                                                     const std::vector<FaceHit>& hits) override {
    for (const FaceHit& h : hits) retro_face_hits.push_back({image_id, h});
    return std::vector<MatchItem>{};  // face matches wait for review
  }
  Status FinishFaceRetroHunt(const std::vector<int64_t>& ids, int) override {
    faces_hunted.insert(ids.begin(), ids.end());
    return Status::Ok();
  }
  Result<int64_t> PurgeFaces(std::chrono::hours) override { return int64_t{0}; }

  std::vector<FaceProfile> face_profiles;
  std::map<std::string, std::vector<FoundFace>> faces_by_sha;
  std::vector<std::pair<std::string, FaceHit>> face_hits;  // (image URL, hit)
  std::vector<StoredFace> stored_faces;
  std::set<int64_t> faces_hunted;
  std::vector<std::pair<int64_t, FaceHit>> retro_face_hits;  // (image id, hit)

  std::vector<ImageKey> stored;
  std::set<int64_t> hunted;
  std::vector<std::pair<int64_t, int64_t>> retro_hits;  // (image id, subject id)

  std::vector<Profile> profiles;
  std::map<std::pair<std::string, std::string>, std::string> refs;
  std::map<std::string, ImageSignal> signals;
  std::map<std::pair<int64_t, std::string>, int64_t> matches;
  bool away = false;
};

// Finds the faces it was told an image's bytes hold; counts its calls.
class ScriptedFaceFinder final : public FaceFinder {
 public:
  Result<std::vector<FoundFace>> FindFaces(std::span<const uint8_t> bytes,
                                           const ImageLimits&) override {
    ++calls;
    const std::string key(bytes.begin(), bytes.end());
    if (auto it = faces.find(key); it != faces.end()) return it->second;
    if (fail.count(key)) return Status::Internal("face embedder failed (test)");
    return std::vector<FoundFace>{};
  }
  std::map<std::string, std::vector<FoundFace>> faces;  // by image bytes
  std::set<std::string> fail;
  int calls = 0;
};

FaceEmbedding EmbeddingNear(float x, float y) {
  FaceEmbedding e{};
  e[0] = x;
  e[1] = y;
  return e;
}

class MatcherTest : public ::testing::Test {
 protected:
  MatcherTest()
      : metrics_(registry_),
        matcher_(config_, store_, fetcher_, producer_, metrics_, &face_finder_) {}

  void Register(int64_t subject, const std::string& bytes) {
    ImageSignal s = SignalOf(bytes);
    store_.profiles.push_back({static_cast<int64_t>(store_.profiles.size() + 1),
                               subject,
                               s.sha256_hex,
                               s.md5_hex,
                               {{"orig", s.pdq, s.quality}}});
    // What PostgreSQL's NOTIFY does for the running service.
    store_.announced = true;
    ASSERT_TRUE(matcher_.OnProfileAnnouncements().ok());
  }

  Message Ref(const std::string& page, const std::string& image) {
    return MessageOf(kImagesTopic, ImageItem{3, 1, page, image, false}.Encode());
  }

  std::string RefOutcome(const std::string& image) {
    return store_.refs[{"http://x.example/t", "http://x.example/" + image}];
  }

  MatcherConfig config_;
  InMemoryMatchStore store_;
  ScriptedFaceFinder face_finder_;
  ScriptedFetcher fetcher_;
  RecordingProducer producer_;
  MetricsRegistry registry_;
  MatcherMetrics metrics_;
  Matcher matcher_;
};

TEST_F(MatcherTest, RecompressedCopyMatchesAndUnrelatedPhotoDoesNot) {
  const std::string original = PhotoLikeJpeg(1);
  Register(42, original);
  fetcher_.Serve("http://x.example/copy.jpg", 200, "image/jpeg", PhotoLikeJpeg(1, 40));
  fetcher_.Serve("http://x.example/other.jpg", 200, "image/jpeg", PhotoLikeJpeg(2));
  fetcher_.Serve("http://x.example/same.jpg", 200, "image/jpeg", original);
  ASSERT_TRUE(matcher_
                  .HandleBatch({Ref("http://x.example/t1", "http://x.example/copy.jpg"),
                                Ref("http://x.example/t1", "http://x.example/other.jpg"),
                                Ref("http://x.example/t2", "http://x.example/same.jpg")})
                  .ok());
  auto published = producer_.On(kMatchesTopic);
  ASSERT_EQ(published.size(), 2u);
  for (const auto& m : published) {
    EXPECT_EQ(m.key, "42");
    EXPECT_EQ(MatchItem::Decode(m.value)->subject_id, 42);
  }
  EXPECT_EQ(store_.matches.size(), 2u);
  EXPECT_EQ(store_.refs.size(), 3u);
}

TEST_F(MatcherTest, SameImageUrlOnAnotherPageIsNotFetchedAgain) {
  Register(42, PhotoLikeJpeg(1));
  fetcher_.Serve("http://x.example/a.jpg", 200, "image/jpeg", PhotoLikeJpeg(1));
  ASSERT_TRUE(matcher_.HandleBatch({Ref("http://x.example/t1", "http://x.example/a.jpg")}).ok());
  ASSERT_TRUE(matcher_
                  .HandleBatch({Ref("http://x.example/t2", "http://x.example/a.jpg"),
                                Ref("http://x.example/t1", "http://x.example/a.jpg")})
                  .ok());
  EXPECT_EQ(fetcher_.fetched.size(), 1u);
  EXPECT_EQ(store_.matches.size(), 2u);  // one per page the image was seen on
}

TEST_F(MatcherTest, ImageFetchesKeepToTheirHostsPolitenessBudget) {
  fetcher_.Serve("http://cdn.example:8080/a.jpg", 200, "image/jpeg", PhotoLikeJpeg(1));
  fetcher_.Serve("http://other.example/b.jpg", 200, "image/jpeg", PhotoLikeJpeg(2));
  ASSERT_TRUE(matcher_
                  .HandleBatch({Ref("http://x.example/t1", "http://cdn.example:8080/a.jpg"),
                                Ref("http://x.example/t1", "http://other.example/b.jpg")})
                  .ok());
  ASSERT_EQ(fetcher_.requests_seen.size(), 2u);
  EXPECT_EQ(fetcher_.requests_seen[0].host_key, "cdn.example:8080");
  EXPECT_EQ(fetcher_.requests_seen[1].host_key, "other.example");
  for (const FetchRequest& r : fetcher_.requests_seen) {
    EXPECT_EQ(r.politeness.min_interval, std::chrono::milliseconds(100));
    EXPECT_EQ(r.politeness.max_concurrency, 4);
  }
}

TEST_F(MatcherTest, BrokenImagesAreRecordedAndCountedAndTheBatchGoesOn) {
  Register(42, PhotoLikeJpeg(1));
  std::string truncated = PhotoLikeJpeg(1).substr(0, 600);
  fetcher_.Serve("http://x.example/404.jpg", 404, "text/html", "gone");
  fetcher_.Serve("http://x.example/garbage.jpg", 200, "image/jpeg", "<html>not an image</html>");
  fetcher_.Serve("http://x.example/cut.jpg", 200, "image/jpeg", truncated);
  fetcher_.Serve("http://x.example/ok.jpg", 200, "image/jpeg", PhotoLikeJpeg(1, 60));
  std::vector<Message> batch;
  for (const char* img : {"404.jpg", "garbage.jpg", "cut.jpg", "drop.jpg", "ok.jpg"}) {
    batch.push_back(Ref("http://x.example/t", std::string("http://x.example/") + img));
  }
  batch.push_back(MessageOf(kImagesTopic, "[]"));
  ASSERT_TRUE(matcher_.HandleBatch(batch).ok());
  EXPECT_EQ(RefOutcome("404.jpg"), "failed: HTTP 404");
  EXPECT_NE(RefOutcome("garbage.jpg").find("not an image"), std::string::npos);
  EXPECT_NE(RefOutcome("cut.jpg").find("does not decode"), std::string::npos);
  EXPECT_EQ(RefOutcome("drop.jpg").rfind("failed", 0), 0u);
  EXPECT_EQ(RefOutcome("ok.jpg"), "done");
  EXPECT_EQ(producer_.On(kMatchesTopic).size(), 1u);
  const std::string metrics = registry_.Serialize();
  EXPECT_NE(metrics.find("tdm_matcher_image_failures_total{reason=\"decode\"} 2"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("tdm_matcher_bad_messages_total 1"), std::string::npos) << metrics;
}

TEST_F(MatcherTest, DatabaseAwayMeansRetryNotLoss) {
  Register(42, PhotoLikeJpeg(1));
  fetcher_.Serve("http://x.example/a.jpg", 200, "image/jpeg", PhotoLikeJpeg(1));
  store_.away = true;
  EXPECT_EQ(matcher_.HandleBatch({Ref("http://x.example/t", "http://x.example/a.jpg")}).code(),
            Status::Code::kUnavailable);
  store_.away = false;
  ASSERT_TRUE(matcher_.HandleBatch({Ref("http://x.example/t", "http://x.example/a.jpg")}).ok());
  EXPECT_EQ(producer_.On(kMatchesTopic).size(), 1u);
}

TEST_F(MatcherTest, NewProfileTakesEffectWithoutRestart) {
  fetcher_.Serve("http://x.example/a.jpg", 200, "image/jpeg", PhotoLikeJpeg(5));
  fetcher_.Serve("http://x.example/b.jpg", 200, "image/jpeg", PhotoLikeJpeg(5, 50));
  ASSERT_TRUE(matcher_.HandleBatch({Ref("http://x.example/t", "http://x.example/a.jpg")}).ok());
  EXPECT_TRUE(producer_.On(kMatchesTopic).empty());
  Register(9, PhotoLikeJpeg(5));
  ASSERT_TRUE(matcher_.HandleBatch({Ref("http://x.example/t", "http://x.example/b.jpg")}).ok());
  EXPECT_EQ(producer_.On(kMatchesTopic).size(), 1u);
  EXPECT_EQ(matcher_.profile_count(), 1u);
}

TEST_F(MatcherTest, UnannouncedProfileChangeIsCaughtByTheReconcile) {
  ImageSignal s = SignalOf(PhotoLikeJpeg(31));
  store_.profiles.push_back({1, 8, s.sha256_hex, s.md5_hex, {{"orig", s.pdq, s.quality}}});
  ASSERT_TRUE(matcher_.OnProfileAnnouncements().ok());  // nothing announced: nothing loaded
  EXPECT_EQ(matcher_.profile_count(), 0u);
  ASSERT_TRUE(matcher_.RefreshProfiles().ok());  // the periodic version check
  EXPECT_EQ(matcher_.profile_count(), 1u);
  store_.profiles.clear();  // deleted, and announced
  store_.announced = true;
  ASSERT_TRUE(matcher_.OnProfileAnnouncements().ok());
  EXPECT_EQ(matcher_.profile_count(), 0u);
}

TEST_F(MatcherTest, RetroHuntFindsStoredImagesForANewProfileOnce) {
  // Images crawled before the victim registered.
  for (uint64_t seed : {11, 12, 13, 14}) {
    ImageSignal s = SignalOf(PhotoLikeJpeg(seed, seed == 12 ? 45 : 90));
    store_.stored.push_back({s.sha256_hex, s.md5_hex, s.pdq, s.quality});
  }
  ASSERT_TRUE(matcher_.RetroHunt().ok());
  EXPECT_TRUE(store_.retro_hits.empty());  // no profiles yet
  Register(77, PhotoLikeJpeg(12));         // the victim registers today
  ASSERT_TRUE(matcher_.RetroHunt().ok());
  ASSERT_EQ(store_.retro_hits.size(), 1u);
  EXPECT_EQ(store_.retro_hits[0], (std::pair<int64_t, int64_t>{2, 77}));
  EXPECT_EQ(producer_.On(kMatchesTopic).size(), 1u);
  ASSERT_TRUE(matcher_.RetroHunt().ok());  // nothing new: nothing searched again
  EXPECT_EQ(store_.retro_hits.size(), 1u);
}

TEST_F(MatcherTest, Md5OfIdenticalBytesMatchesAnImportedDigest) {
  const std::string bytes = PhotoLikeJpeg(21);
  ImageSignal s = SignalOf(bytes);
  PdqHash unrelated = SignalOf(PhotoLikeJpeg(22)).pdq;
  store_.profiles.push_back({1, 5, "", s.md5_hex, {{"orig", unrelated, 100}}});
  store_.announced = true;
  ASSERT_TRUE(matcher_.OnProfileAnnouncements().ok());
  fetcher_.Serve("http://x.example/m.jpg", 200, "image/jpeg", bytes);
  ASSERT_TRUE(matcher_.HandleBatch({Ref("http://x.example/t", "http://x.example/m.jpg")}).ok());
  EXPECT_EQ(producer_.On(kMatchesTopic).size(), 1u);
}

// A face profile matches a face in an unseen photo of the subject (another
// PDQ entirely): the hit carries the face's box and distance, waits for
// review and is not published; the review band is kept apart.
TEST_F(MatcherTest, FaceMatchesWaitForReviewWithBoxAndDistance) {
  store_.face_profiles = {{501, 42, EmbeddingNear(0.9f, 0)}, {502, 43, EmbeddingNear(0, 0.9f)}};
  store_.announced = true;
  ASSERT_TRUE(matcher_.OnProfileAnnouncements().ok());
  EXPECT_EQ(matcher_.face_profile_count(), 2u);
  const std::string fake = PhotoLikeJpeg(61);
  face_finder_.faces[fake] = {{{10, 20, 64, 70}, 0.9f, EmbeddingNear(0.9f, 0.3f)},
                              {{200, 20, 60, 60}, 0.95f, EmbeddingNear(0.35f, 0.9f)},
                              {{300, 20, 60, 60}, 0.95f, EmbeddingNear(-1, -1)}};
  fetcher_.Serve("http://x.example/fake.jpg", 200, "image/jpeg", fake);
  ASSERT_TRUE(matcher_.HandleBatch({Ref("http://x.example/t", "http://x.example/fake.jpg")}).ok());
  ASSERT_EQ(store_.face_hits.size(), 2u);
  const FaceHit& a = store_.face_hits[0].second;
  EXPECT_EQ(a.subject_id, 42);
  EXPECT_EQ(a.face_profile_id, 501);
  EXPECT_NEAR(a.distance, 0.3f, 1e-5);
  EXPECT_EQ(a.box.x, 10);
  EXPECT_EQ(a.box.width, 64);
  EXPECT_STREQ(FaceBandName(a), "face");
  const FaceHit& b = store_.face_hits[1].second;
  EXPECT_EQ(b.subject_id, 43);
  EXPECT_NEAR(b.distance, 0.35f, 1e-5);  // below 0.5 too
  EXPECT_TRUE(producer_.On(kMatchesTopic).empty()) << "face matches are never auto-confirmed";
  EXPECT_EQ(store_.faces_by_sha.begin()->second.size(), 3u) << "every face is kept for retro-hunts";

  // 0.55 from the profile: the review band, still recorded, marked as such.
  const std::string near = PhotoLikeJpeg(62);
  face_finder_.faces[near] = {{{0, 0, 50, 50}, 0.9f, EmbeddingNear(0.9f, 0.55f)}};
  fetcher_.Serve("http://x.example/near.jpg", 200, "image/jpeg", near);
  ASSERT_TRUE(matcher_.HandleBatch({Ref("http://x.example/t", "http://x.example/near.jpg")}).ok());
  ASSERT_EQ(store_.face_hits.size(), 3u);
  EXPECT_STREQ(FaceBandName(store_.face_hits[2].second), "face-review");
  // 0.65: nothing.
  const std::string far = PhotoLikeJpeg(63);
  face_finder_.faces[far] = {{{0, 0, 50, 50}, 0.9f, EmbeddingNear(0.9f, 0.65f)}};
  fetcher_.Serve("http://x.example/far.jpg", 200, "image/jpeg", far);
  ASSERT_TRUE(matcher_.HandleBatch({Ref("http://x.example/t", "http://x.example/far.jpg")}).ok());
  EXPECT_EQ(store_.face_hits.size(), 3u);
}

TEST_F(MatcherTest, SameBytesElsewhereReuseTheirStoredFaces) {
  store_.face_profiles = {{501, 42, EmbeddingNear(0.9f, 0)}};
  store_.announced = true;
  ASSERT_TRUE(matcher_.OnProfileAnnouncements().ok());
  const std::string photo = PhotoLikeJpeg(64);
  face_finder_.faces[photo] = {{{10, 20, 64, 70}, 0.9f, EmbeddingNear(0.9f, 0.1f)}};
  fetcher_.Serve("http://x.example/a.jpg", 200, "image/jpeg", photo);
  fetcher_.Serve("http://x.example/b.jpg", 200, "image/jpeg", photo);  // a repost
  ASSERT_TRUE(matcher_.HandleBatch({Ref("http://x.example/t", "http://x.example/a.jpg")}).ok());
  ASSERT_TRUE(matcher_
                  .HandleBatch({Ref("http://x.example/t", "http://x.example/b.jpg"),
                                Ref("http://x.example/t2", "http://x.example/a.jpg")})
                  .ok());
  EXPECT_EQ(face_finder_.calls, 1);
  EXPECT_EQ(store_.face_hits.size(), 3u);  // every sighting has its face match
}

TEST_F(MatcherTest, AFaceAnalysisFailureStillRecordsTheImage) {
  Register(42, PhotoLikeJpeg(65));
  const std::string photo = PhotoLikeJpeg(65, 70);
  face_finder_.fail.insert(photo);
  fetcher_.Serve("http://x.example/a.jpg", 200, "image/jpeg", photo);
  ASSERT_TRUE(matcher_.HandleBatch({Ref("http://x.example/t", "http://x.example/a.jpg")}).ok());
  EXPECT_EQ(RefOutcome("a.jpg"), "done");
  EXPECT_EQ(producer_.On(kMatchesTopic).size(), 1u) << "the hash match is not lost";
  EXPECT_TRUE(store_.faces_by_sha.empty()) << "not marked as looked for";
  EXPECT_NE(registry_.Serialize().find("tdm_matcher_image_failures_total{reason=\"faces\"} 1"),
            std::string::npos);
}

TEST_F(MatcherTest, RetroHuntFindsStoredFacesForANewFaceProfileOnce) {
  store_.stored_faces = {{1, 10, {{0, 0, 40, 40}, 0.9f, EmbeddingNear(-1, 0)}},
                         {2, 11, {{0, 0, 40, 40}, 0.9f, EmbeddingNear(0.5f, 0.5f)}},
                         {3, 11, {{90, 0, 40, 40}, 0.9f, EmbeddingNear(0.7f, 0.1f)}},
                         {4, 12, {{0, 0, 40, 40}, 0.9f, EmbeddingNear(0, -1)}}};
  ASSERT_TRUE(matcher_.RetroHunt().ok());
  EXPECT_TRUE(store_.retro_face_hits.empty());
  store_.face_profiles = {{7, 77, EmbeddingNear(0.8f, 0)}};  // registers today
  ASSERT_TRUE(matcher_.RetroHunt().ok());
  ASSERT_EQ(store_.retro_face_hits.size(), 1u);  // image 11, its nearer face
  EXPECT_EQ(store_.retro_face_hits[0].first, 11);
  EXPECT_EQ(store_.retro_face_hits[0].second.box.x, 90);
  EXPECT_NEAR(store_.retro_face_hits[0].second.distance, std::hypot(0.1f, 0.1f), 1e-5);
  ASSERT_TRUE(matcher_.RetroHunt().ok());
  EXPECT_EQ(store_.retro_face_hits.size(), 1u);
}

}  // namespace
}  // namespace tdm::matcher
