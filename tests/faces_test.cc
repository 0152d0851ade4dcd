// Face profiles end to end on the local stack: a face-only profile finds an
// unseen photo of the same person on a crawled page, for review in `tdm
// matches list`; a face registered after the crawl is retro-hunted; crawled
// faces past the retention window are purged; deleting a subject erases all
// of their embeddings at once.

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <pqxx/pqxx>
#include <regex>
#include <thread>

#include "stack_fixture.h"
#include "tdm/demo/static_server.h"
#include "tdm/matcher/testing/images.h"

namespace tdm::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using nlohmann::json;

int64_t Count(const LocalStack& stack, const std::string& sql) {
  pqxx::connection c(stack.dsn());
  pqxx::work tx(c);
  return tx.exec1(sql)[0].as<int64_t>();
}

void Exec(const LocalStack& stack, const std::string& sql) {
  pqxx::connection c(stack.dsn());
  pqxx::work tx(c);
  tx.exec(sql);
  tx.commit();
}

bool Await(const std::function<bool()>& ready, std::chrono::seconds d) {
  const auto until = std::chrono::steady_clock::now() + d;
  while (std::chrono::steady_clock::now() < until) {
    if (ready()) return true;
    std::this_thread::sleep_for(100ms);
  }
  return ready();
}

std::vector<fs::path> PhotosOf(const std::string& person) {
  std::vector<fs::path> out;
  for (const auto& f : fs::directory_iterator(fs::path(TDM_ASSETS_DIR) / "johns" / person)) {
    out.push_back(f.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// A registration photo: the face on a plain border, as a portrait would be.
fs::path Portrait(const fs::path& chip, const fs::path& out) {
  cv::Mat padded;
  cv::copyMakeBorder(cv::imread(chip.string()), padded, 75, 75, 75, 75, cv::BORDER_CONSTANT,
                     cv::Scalar::all(190));
  cv::imwrite(out.string(), padded);
  return out;
}

// A leaked photo: the face at twice its size inside a larger scene.
void InScene(const fs::path& chip, cv::Point at, uint64_t seed, const fs::path& out) {
  cv::Mat scene = matcher::testing::SyntheticPhoto(seed, 900, 700);
  cv::Mat face;
  cv::resize(cv::imread(chip.string()), face, cv::Size(300, 300), 0, 0, cv::INTER_CUBIC);
  face.copyTo(scene(cv::Rect(at, face.size())));
  cv::imwrite(out.string(), scene, {cv::IMWRITE_JPEG_QUALITY, 85});
}

json FaceMatches(const LocalStack& stack, int64_t subject) {
  auto listed =
      Tdm(stack.home(), {"matches", "list", "--json", "--subject", std::to_string(subject)});
  EXPECT_EQ(listed.exit_code, 0) << listed.out;
  return json::parse(listed.out, nullptr, false);
}

TEST(Faces, FaceOnlyProfileFindsAnUnseenPhotoRetroHuntsAndErases) {
  setenv("TDM_FACE_PURGE_EVERY_S", "1", 1);  // inherited by this stack's matcher
  LocalStack stack;
  unsetenv("TDM_FACE_PURGE_EVERY_S");
  ASSERT_TRUE(stack.up_ok()) << stack.up_result().out << stack.Logs();

  const auto victim = PhotosOf("John_Simm");
  const auto other = PhotosOf("John_Savage");
  const fs::path photos = stack.home() / "photos";
  const fs::path site = stack.home() / "site";
  fs::create_directories(photos);
  fs::create_directories(site);
  // The leak: a photo of the victim that was never registered, a photo of
  // someone else, and a photo without a face.
  InScene(victim[7], {420, 200}, 5, site / "leak.jpg");
  InScene(other[7], {100, 150}, 6, site / "other.jpg");
  cv::imwrite((site / "plain.jpg").string(), matcher::testing::SyntheticPhoto(7, 800, 600));
  std::ofstream(site / "index.html")
      << "<html><body><h1>thread</h1><img src=\"leak.jpg\"><img src=\"other.jpg\">"
         "<img src=\"plain.jpg\"></body></html>";
  demo::StaticServer server(site);
  auto port = server.Start(0);
  ASSERT_TRUE(port.ok());

  auto subject = Tdm(stack.home(), {"subject", "add", "--name", "Face Victim"});
  ASSERT_EQ(subject.exit_code, 0) << subject.out;
  const int64_t victim_id = subject.LastId();
  auto none = Tdm(stack.home(), {"profile", "add", "--subject", subject.LastWord(), "--faces",
                                 (site / "plain.jpg").string()});
  EXPECT_EQ(none.exit_code, 1) << none.out;
  EXPECT_NE(none.out.find("plain.jpg: no face found"), std::string::npos) << none.out;
  auto faces = Tdm(stack.home(), {"profile", "add", "--subject", subject.LastWord(), "--faces",
                                  Portrait(victim[0], photos / "a.jpg").string(),
                                  Portrait(victim[1], photos / "b.jpg").string()});
  ASSERT_EQ(faces.exit_code, 0) << faces.out;
  EXPECT_NE(faces.out.find("2 face(s) registered"), std::string::npos) << faces.out;
  EXPECT_EQ(Count(stack, "SELECT count(*) FROM face_profiles"), 2);
  EXPECT_EQ(Count(stack, "SELECT count(*) FROM hash_profiles"), 0) << "a face-only profile";
  // Live within seconds: the matcher logs its face profile count.
  ASSERT_TRUE(Await(
      [&] {
        const std::string log = Shell("cat " + (stack.home() / "logs/matcher.log").string()).out;
        return log.find("and 2 face profile(s)") != std::string::npos;
      },
      10s))
      << stack.Logs();

  auto site_id = Tdm(stack.home(), {"site", "add", "--name", "forum", "--allow-private",
                                    "http://127.0.0.1:" + std::to_string(*port) + "/index.html"});
  ASSERT_EQ(site_id.exit_code, 0) << site_id.out;
  auto crawl = Tdm(stack.home(), {"crawl", "--site", site_id.LastWord(), "--wait"});
  ASSERT_EQ(crawl.exit_code, 0) << crawl.out << stack.Logs();

  // One match, for review, with the face's box and distance.
  json matches = FaceMatches(stack, victim_id);
  ASSERT_TRUE(matches.is_array()) << matches;
  ASSERT_EQ(matches.size(), 1u) << matches.dump(2) << stack.Logs();
  const json& m = matches[0];
  EXPECT_EQ(m["kind"], "face");
  EXPECT_EQ(m["band"], "face");
  EXPECT_EQ(m["status"], "pending_review");
  EXPECT_NE(m["image_url"].get<std::string>().find("leak.jpg"), std::string::npos);
  const double distance = m["face"]["distance"].get<double>();
  EXPECT_LT(distance, 0.5);
  std::cout << "face match distance " << distance << "\n";
  const auto box = m["face"]["box"];
  ASSERT_EQ(box.size(), 4u);
  // On the victim's photo (placed at 420,200, 300 px), about its face's size.
  const int centre_x = box[0].get<int>() + box[2].get<int>() / 2;
  const int centre_y = box[1].get<int>() + box[3].get<int>() / 2;
  EXPECT_GT(centre_x, 420 + 100);
  EXPECT_LT(centre_x, 420 + 200);
  EXPECT_GT(centre_y, 200 + 80);
  EXPECT_LT(centre_y, 200 + 220);
  EXPECT_GT(box[2].get<int>(), 120);
  EXPECT_LT(box[2].get<int>(), 320);
  auto text = Tdm(stack.home(), {"matches", "list"});
  EXPECT_NE(text.out.find("(face "), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("pending_review"), std::string::npos) << text.out;
  EXPECT_EQ(Count(stack, "SELECT count(*) FROM takedowns"), 0) << "nothing drafted before review";
  // Every face seen is kept (for retro-hunts), and every image was looked at.
  EXPECT_EQ(Count(stack, "SELECT count(*) FROM image_faces"), 2);
  EXPECT_EQ(Count(stack, "SELECT count(*) FROM images WHERE faces_checked_at IS NULL"), 0);

  // The other man registers after the crawl: the retro-hunt finds him
  // without a recrawl.
  auto second = Tdm(stack.home(), {"subject", "add", "--name", "Second"});
  ASSERT_EQ(second.exit_code, 0);
  auto second_faces = Tdm(stack.home(), {"profile", "add", "--subject", second.LastWord(),
                                         "--faces", Portrait(other[0], photos / "c.jpg").string()});
  ASSERT_EQ(second_faces.exit_code, 0) << second_faces.out;
  ASSERT_TRUE(Await([&] { return FaceMatches(stack, second.LastId()).size() == 1; }, 40s))
      << stack.Logs();
  const json retro = FaceMatches(stack, second.LastId())[0];
  EXPECT_EQ(retro["found_by"], "retro-hunt");
  EXPECT_NE(retro["image_url"].get<std::string>().find("other.jpg"), std::string::npos);
  EXPECT_EQ(FaceMatches(stack, victim_id).size(), 1u) << "still only the victim's photo";

  // Reviewed and confirmed, a face match is drafted like any other.
  auto confirmed =
      Tdm(stack.home(), {"matches", "confirm", std::to_string(m["id"].get<int64_t>())});
  ASSERT_EQ(confirmed.exit_code, 0) << confirmed.out;
  ASSERT_TRUE(Await([&] { return Count(stack, "SELECT count(*) FROM takedown_items") == 1; }, 30s))
      << stack.Logs();

  // Retention: a crawled face older than the window is purged, others stay.
  Exec(stack,
       "UPDATE image_faces SET found_at = now() - interval '91 days' WHERE id = "
       "(SELECT min(f.id) FROM image_faces f JOIN images i ON i.id = f.image_id"
       " JOIN sightings s ON s.image_id = i.id WHERE s.image_url LIKE '%other.jpg')");
  ASSERT_TRUE(Await([&] { return Count(stack, "SELECT count(*) FROM image_faces") == 1; }, 20s))
      << stack.Logs();

  // Erasing the victim removes their face profiles, their matches and
  // requests, and the stored embedding of the crawled face that matched.
  auto erased = Tdm(stack.home(), {"subject", "delete", std::to_string(victim_id)});
  ASSERT_EQ(erased.exit_code, 0) << erased.out;
  EXPECT_NE(erased.out.find("2 face profile(s)"), std::string::npos) << erased.out;
  EXPECT_EQ(Count(stack, "SELECT count(*) FROM face_profiles WHERE subject_id = " +
                             std::to_string(victim_id)),
            0);
  EXPECT_EQ(Count(stack, "SELECT count(*) FROM image_faces"), 0);
  EXPECT_EQ(
      Count(stack, "SELECT count(*) FROM matches WHERE subject_id = " + std::to_string(victim_id)),
      0);
  EXPECT_EQ(Count(stack, "SELECT count(*) FROM takedowns"), 0);
  EXPECT_EQ(Count(stack, "SELECT count(*) FROM face_profiles"), 1) << "the other subject's stays";
  server.Stop();
}

// Nothing is downloaded at run time: without its model the matcher stops at
// start-up, and `tdm up` fails saying which file is missing.
TEST(Faces, MissingModelFailsUpWithOneClearLine) {
  setenv("TDM_MODELS_DIR", "/nonexistent-models", 1);
  LocalStack stack;
  unsetenv("TDM_MODELS_DIR");
  EXPECT_FALSE(stack.up_ok());
  EXPECT_NE(stack.up_result().out.find("tdm: error: unavailable: matcher stopped at start-up: "),
            std::string::npos)
      << stack.up_result().out;
  EXPECT_NE(stack.up_result().out.find("/nonexistent-models/face_detector.onnx is missing"),
            std::string::npos)
      << stack.up_result().out;
}

}  // namespace
}  // namespace tdm::testing
