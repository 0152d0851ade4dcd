#include "tdm/notifier/removal_check.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <opencv2/imgcodecs.hpp>
#include <span>

#include "tdm/common/test_doubles.h"
#include "tdm/matcher/image_signal.h"
#include "tdm/matcher/testing/images.h"

namespace tdm::notifier {
namespace {

using tdm::testing::ScriptedFetcher;

const std::string kSite = "https://leaks.example";
const std::string kPage = kSite + "/t/1.html";
const std::string kImage = kSite + "/m/a.jpg";

std::string Encode(const cv::Mat& img, const std::string& ext, int jpeg_quality = 92) {
  std::vector<uchar> buf;
  cv::imencode(ext, img, buf, {cv::IMWRITE_JPEG_QUALITY, jpeg_quality});
  return std::string(buf.begin(), buf.end());
}

// The matched image, another person's photo, and the match re-encoded.
struct Images {
  std::string original = Encode(matcher::testing::SyntheticPhoto(1), ".jpg");
  std::string reencoded = Encode(matcher::testing::SyntheticPhoto(1), ".png");
  std::string other = Encode(matcher::testing::SyntheticPhoto(2), ".jpg");
  std::string third = Encode(matcher::testing::SyntheticPhoto(3), ".jpg");
};
const Images& Img() {
  static const Images images;
  return images;
}

std::string Html(const std::vector<std::string>& image_paths) {
  std::string html = "<html><body><p>thread</p>";
  for (const auto& p : image_paths) html += "<img src=\"" + p + "\">";
  return html + "</body></html>";
}

ItemToCheck Item(const std::string& page = kPage, const std::string& image = kImage) {
  auto signal = matcher::ComputeImageSignal(
      std::span(reinterpret_cast<const uint8_t*>(Img().original.data()), Img().original.size()));
  EXPECT_TRUE(signal.ok());
  ItemToCheck item;
  item.page_url = page;
  item.image_url = image;
  item.sha256_hex = signal->sha256_hex;
  item.pdq_hex = signal->pdq.ToHex();
  return item;
}

// Adds what the real fetcher fills and ScriptedFetcher does not: the final
// response's headers and address (test_doubles.h is not ours to change).
class WithHeaders final : public Fetcher {
 public:
  explicit WithHeaders(ScriptedFetcher& inner) : inner_(inner) {}
  void Set(const std::string& url, std::string headers, std::string ip) {
    extra_[url] = {std::move(headers), std::move(ip)};
  }
  std::vector<FetchResponse> FetchAll(const std::vector<FetchRequest>& requests) override {
    auto out = inner_.FetchAll(requests);
    for (auto& r : out) {
      if (auto it = extra_.find(r.url); it != extra_.end()) {
        r.response_headers = it->second.first;
        r.remote_ip = it->second.second;
      }
    }
    return out;
  }

 private:
  ScriptedFetcher& inner_;
  std::map<std::string, std::pair<std::string, std::string>> extra_;
};

class RemovalCheck : public ::testing::Test {
 protected:
  ItemVerdict CheckOne(const ItemToCheck& item = Item(), RemovalCheckOptions o = {}) {
    RemovalChecker checker(fetcher_, std::move(o));
    auto verdicts = checker.Check({item});
    EXPECT_EQ(verdicts.size(), 1u);
    return verdicts.at(0);
  }
  int TimesFetched(const std::string& url) const {
    return static_cast<int>(std::count(fetcher_.fetched.begin(), fetcher_.fetched.end(), url));
  }

  ScriptedFetcher fetcher_;
};

TEST_F(RemovalCheck, PageAnswering404Or410IsRemoved) {
  for (int status : {404, 410}) {
    fetcher_.Serve(kPage, status, "text/html", "<html><body>gone</body></html>");
    auto v = CheckOne();
    EXPECT_EQ(v.state, ItemState::kRemoved) << status;
    EXPECT_EQ(v.reason, "page answers " + std::to_string(status));
    EXPECT_EQ(v.page_status, status);
    ASSERT_TRUE(v.page_capture.has_value()) << "the 404 page is evidence too";
    EXPECT_EQ(v.page_capture->body, "<html><body>gone</body></html>");
  }
  EXPECT_EQ(TimesFetched(kImage), 0);
}

TEST_F(RemovalCheck, ImageStillOnThePageIsPresent) {
  fetcher_.Serve(kPage, 200, "text/html", Html({"/m/a.jpg"}));
  fetcher_.Serve(kImage, 200, "image/jpeg", Img().original);
  auto v = CheckOne();
  EXPECT_EQ(v.state, ItemState::kPresent) << v.reason;
  EXPECT_EQ(v.reason, "still on the page");
  EXPECT_EQ(v.image_status, 200);
  EXPECT_EQ(v.found_image_url, kImage);
}

TEST_F(RemovalCheck, SameImageReencodedAtTheSameUrlIsPresent) {
  fetcher_.Serve(kPage, 200, "text/html", Html({"/m/a.jpg"}));
  fetcher_.Serve(kImage, 200, "image/png", Img().reencoded);
  auto v = CheckOne();
  EXPECT_EQ(v.state, ItemState::kPresent) << v.reason;
}

TEST_F(RemovalCheck, ImageAnswering404IsRemoved) {
  fetcher_.Serve(kPage, 200, "text/html", Html({"/m/a.jpg"}));
  fetcher_.Serve(kImage, 404, "text/html", "not found");
  auto v = CheckOne();
  EXPECT_EQ(v.state, ItemState::kRemoved) << v.reason;
  EXPECT_EQ(v.reason.rfind("image answers 404", 0), 0u) << v.reason;
  EXPECT_EQ(v.image_status, 404);
}

TEST_F(RemovalCheck, ADifferentImageAtTheSameUrlIsRemoved) {
  fetcher_.Serve(kPage, 200, "text/html", Html({"/m/a.jpg"}));
  fetcher_.Serve(kImage, 200, "image/jpeg", Img().other);
  auto v = CheckOne();
  EXPECT_EQ(v.state, ItemState::kRemoved) << v.reason;
  EXPECT_EQ(v.reason.rfind("hash changed at the image URL (distance ", 0), 0u) << v.reason;
  const int distance = std::stoi(v.reason.substr(v.reason.find("distance ") + 9));
  EXPECT_GT(distance, 31);
}

TEST_F(RemovalCheck, AReplacedImageFoundElsewhereOnThePageIsPresent) {
  fetcher_.Serve(kPage, 200, "text/html", Html({"/m/a.jpg", "/m/copy.png"}));
  fetcher_.Serve(kImage, 404, "text/html", "not found");
  fetcher_.Serve(kSite + "/m/copy.png", 200, "image/png", Img().reencoded);
  auto v = CheckOne();
  EXPECT_EQ(v.state, ItemState::kPresent) << v.reason;
  EXPECT_EQ(v.found_image_url, kSite + "/m/copy.png");
}

TEST_F(RemovalCheck, SameImageReencodedAtANewUrlOnThePageIsPresentAtAnotherUrl) {
  fetcher_.Serve(kPage, 200, "text/html", Html({"/m/b.jpg", "/m/new.png"}));
  fetcher_.Serve(kSite + "/m/b.jpg", 200, "image/jpeg", Img().other);
  fetcher_.Serve(kSite + "/m/new.png", 200, "image/png", Img().reencoded);
  auto v = CheckOne();
  EXPECT_EQ(v.state, ItemState::kPresent) << v.reason;
  EXPECT_EQ(v.reason, "still on the page at another URL " + kSite + "/m/new.png");
  EXPECT_EQ(v.found_image_url, kSite + "/m/new.png");
  EXPECT_EQ(v.image_status, 0) << "the old URL is not on the page: not fetched";
  EXPECT_EQ(TimesFetched(kImage), 0);
}

TEST_F(RemovalCheck, ImageGoneFromThePageWithNoMatchIsRemoved) {
  fetcher_.Serve(kPage, 200, "text/html", Html({"/m/b.jpg", "/m/c.jpg", "/m/broken.jpg"}));
  fetcher_.Serve(kSite + "/m/b.jpg", 200, "image/jpeg", Img().other);
  fetcher_.Serve(kSite + "/m/c.jpg", 200, "image/jpeg", Img().third);
  fetcher_.Serve(kSite + "/m/broken.jpg", 200, "image/jpeg", Img().original.substr(0, 200));
  auto v = CheckOne();
  EXPECT_EQ(v.state, ItemState::kRemoved) << v.reason;
  EXPECT_EQ(v.reason,
            "image no longer on the page and no image on it has its hash (checked 3, 1 did not "
            "decode)");
}

TEST_F(RemovalCheck, OnlyMaxImagesPerPageAreHashed) {
  fetcher_.Serve(kPage, 200, "text/html",
                 Html({"/m/1.jpg", "/m/2.jpg", "/m/3.jpg", "/m/4.jpg", "/m/5.jpg"}));
  for (int i = 1; i <= 5; ++i) {
    fetcher_.Serve(kSite + "/m/" + std::to_string(i) + ".jpg", 200, "image/jpeg", Img().other);
  }
  RemovalCheckOptions o;
  o.max_images_per_page = 2;
  auto v = CheckOne(Item(), o);
  EXPECT_EQ(v.state, ItemState::kRemoved) << v.reason;
  EXPECT_NE(v.reason.find("checked 2 of 5"), std::string::npos) << v.reason;
  EXPECT_EQ(TimesFetched(kSite + "/m/3.jpg"), 0);
  EXPECT_EQ(TimesFetched(kSite + "/m/1.jpg"), 1);
}

TEST_F(RemovalCheck, PageRedirectingToTheHomePageWithoutTheImageIsRemovedAndSaysSo) {
  fetcher_.Redirect(kPage, kSite + "/", Html({"/logo.png"}));
  fetcher_.Serve(kSite + "/logo.png", 200, "image/png", Img().third);
  auto v = CheckOne();
  EXPECT_EQ(v.state, ItemState::kRemoved) << v.reason;
  EXPECT_EQ(v.reason.rfind(
                "page redirects to " + kSite + "/ (a different page); the image is not there", 0),
            0u)
      << v.reason;
  EXPECT_EQ(v.page_final_url, kSite + "/");
}

TEST_F(RemovalCheck, PageRedirectingToAPageThatStillHasTheImageIsPresent) {
  fetcher_.Redirect(kPage, kSite + "/t/1-moved.html", Html({"/m/a.jpg"}));
  fetcher_.Serve(kImage, 200, "image/jpeg", Img().original);
  auto v = CheckOne();
  EXPECT_EQ(v.state, ItemState::kPresent) << v.reason;
  EXPECT_EQ(v.reason,
            "page redirects to " + kSite + "/t/1-moved.html (a different page); still on the page");
}

TEST_F(RemovalCheck, SchemeUpgradeAndTrailingSlashAreTheSamePage) {
  const std::string page = "http://leaks.example/t/1";
  fetcher_.Redirect(page, "https://leaks.example/t/1/", Html({"/m/a.jpg"}));
  fetcher_.Serve(kImage, 200, "image/jpeg", Img().original);
  auto v = CheckOne(Item(page));
  EXPECT_EQ(v.state, ItemState::kPresent) << v.reason;
  EXPECT_EQ(v.reason, "still on the page");
}

TEST_F(RemovalCheck, ServerErrorsAndUnreachablePagesAreUnknown) {
  fetcher_.Serve(kPage, 503, "text/html", "busy");
  auto busy = CheckOne();
  EXPECT_EQ(busy.state, ItemState::kUnknown) << busy.reason;
  EXPECT_EQ(busy.reason, "503: server error (will retry)");

  ItemToCheck nowhere = Item(kSite + "/t/unserved.html");  // ScriptedFetcher: connection refused
  auto refused = CheckOne(nowhere);
  EXPECT_EQ(refused.state, ItemState::kUnknown);
  EXPECT_EQ(refused.reason.rfind("page unreachable: ", 0), 0u) << refused.reason;
  EXPECT_NE(refused.reason.find("(will retry)"), std::string::npos);
  EXPECT_FALSE(refused.page_capture.has_value());
}

TEST_F(RemovalCheck, AccessRefusedRateLimitedAndDeferredAreUnknown) {
  fetcher_.Serve(kPage, 403, "text/html", "<html>cloudflare says no</html>");
  auto v = CheckOne();
  EXPECT_EQ(v.state, ItemState::kUnknown);
  EXPECT_EQ(v.reason, "403: access refused (will retry)");
  for (int status : {401, 429, 451, 302, 400}) {
    fetcher_.Serve(kPage, status, "text/html", "");
    EXPECT_EQ(CheckOne().state, ItemState::kUnknown) << status;
  }
  fetcher_.Serve(kPage, 200, "text/html", "   \n");
  EXPECT_EQ(CheckOne().state, ItemState::kUnknown) << "an empty 200 proves nothing";
  fetcher_.Serve(kPage, 200, "text/html", Html({"/m/a.jpg"}));
  fetcher_.Defer(kPage, 60);
  auto deferred = CheckOne();
  EXPECT_EQ(deferred.state, ItemState::kUnknown);
  EXPECT_NE(deferred.reason.find("deferred"), std::string::npos) << deferred.reason;
}

TEST_F(RemovalCheck, ImageFailuresAreUnknownNeverRemoved) {
  fetcher_.Serve(kPage, 200, "text/html", Html({"/m/a.jpg"}));
  fetcher_.Serve(kImage, 503, "text/html", "busy");
  auto busy = CheckOne();
  EXPECT_EQ(busy.state, ItemState::kUnknown) << busy.reason;
  EXPECT_EQ(busy.image_status, 503);

  fetcher_.Serve(kImage, 200, "text/html", "<html>image removed</html>");
  auto html = CheckOne();
  EXPECT_EQ(html.state, ItemState::kUnknown) << html.reason;
  EXPECT_EQ(html.reason.rfind("image does not decode", 0), 0u) << html.reason;
}

TEST_F(RemovalCheck, ACandidateThatCannotBeFetchedKeepsTheVerdictUnknown) {
  fetcher_.Serve(kPage, 200, "text/html", Html({"/m/b.jpg", "/m/unserved.jpg"}));
  fetcher_.Serve(kSite + "/m/b.jpg", 200, "image/jpeg", Img().other);
  auto v = CheckOne();
  EXPECT_EQ(v.state, ItemState::kUnknown) << v.reason;
  EXPECT_NE(v.reason.find("could not be fetched"), std::string::npos) << v.reason;
}

TEST_F(RemovalCheck, WithoutAPdqHashAChangedSha256IsUnknown) {
  fetcher_.Serve(kPage, 200, "text/html", Html({"/m/a.jpg"}));
  fetcher_.Serve(kImage, 200, "image/png", Img().reencoded);
  ItemToCheck item = Item();
  item.pdq_hex.clear();
  EXPECT_EQ(CheckOne(item).state, ItemState::kUnknown);
  fetcher_.Serve(kImage, 200, "image/jpeg", Img().original);
  EXPECT_EQ(CheckOne(item).state, ItemState::kPresent) << "the same bytes need no PDQ";
}

TEST_F(RemovalCheck, APageThatIsTheImageItselfIsTestedAsTheImage) {
  fetcher_.Serve(kImage, 200, "image/jpeg", Img().original);
  auto v = CheckOne(Item(kImage, kImage));
  EXPECT_EQ(v.state, ItemState::kPresent) << v.reason;
  EXPECT_FALSE(v.page_capture.has_value()) << "never image bytes as evidence";
  fetcher_.Serve(kImage, 200, "image/jpeg", Img().other);
  EXPECT_EQ(CheckOne(Item(kImage, kImage)).state, ItemState::kRemoved);
}

TEST_F(RemovalCheck, EachPageIsFetchedOnceAndEachImageOnce) {
  fetcher_.Serve(kPage, 200, "text/html", Html({"/m/a.jpg", "/m/b.jpg"}));
  fetcher_.Serve(kImage, 200, "image/jpeg", Img().original);
  fetcher_.Serve(kSite + "/m/b.jpg", 200, "image/jpeg", Img().other);
  ItemToCheck first = Item();
  ItemToCheck second = Item(kPage, kSite + "/m/b.jpg");
  ItemToCheck third = Item(kPage, kSite + "/m/gone.jpg");
  RemovalChecker checker(fetcher_, {});
  auto v = checker.Check({first, second, third});
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[0].state, ItemState::kPresent);
  // b.jpg is another photo: its URL answers with a different hash, but a.jpg
  // on the same page has the matched hash.
  EXPECT_EQ(v[1].state, ItemState::kPresent) << v[1].reason;
  EXPECT_EQ(v[1].found_image_url, kImage);
  EXPECT_EQ(v[2].state, ItemState::kPresent) << v[2].reason;
  EXPECT_EQ(TimesFetched(kPage), 1);
  EXPECT_EQ(TimesFetched(kImage), 1);
  EXPECT_EQ(TimesFetched(kSite + "/m/b.jpg"), 1);
}

TEST_F(RemovalCheck, TheSitesSessionGoesToItsOwnHostOnly) {
  const std::string elsewhere = "https://cdn.example/m/c.jpg";
  fetcher_.Serve(kPage, 200, "text/html", Html({"/m/a.jpg", elsewhere}));
  fetcher_.Serve(kImage, 404, "text/html", "gone");
  fetcher_.Serve(elsewhere, 200, "image/jpeg", Img().other);
  ItemToCheck item = Item();
  item.session_headers = {"Authorization: Bearer s3cr3t"};
  item.session_cookie = "sid=s3cr3t";
  CheckOne(item);
  ASSERT_EQ(fetcher_.requests_seen.size(), 3u);
  for (const auto& req : fetcher_.requests_seen) {
    const bool own_host = req.url.rfind(kSite, 0) == 0;
    EXPECT_EQ(req.cookie, own_host ? "sid=s3cr3t" : "") << req.url;
    EXPECT_EQ(req.headers.size(), own_host ? 1u : 0u) << req.url;
  }
}

TEST_F(RemovalCheck, ThePageResponseIsKeptAsAWarcCapture) {
  const std::string html = Html({"/m/a.jpg"});
  fetcher_.Serve(kPage, 200, "text/html", html);
  fetcher_.Serve(kImage, 200, "image/jpeg", Img().original);
  WithHeaders with_headers(fetcher_);
  with_headers.Set(kPage, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n", "203.0.113.9");
  with_headers.Set(kImage, "HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\n", "203.0.113.9");
  RemovalCheckOptions o;
  const auto at = std::chrono::system_clock::time_point(std::chrono::seconds(1780315200));
  o.now = [at] { return at; };
  RemovalChecker checker(with_headers, o);
  auto v = checker.Check({Item()}).at(0);
  ASSERT_EQ(v.state, ItemState::kPresent) << v.reason;
  ASSERT_TRUE(v.page_capture.has_value());
  EXPECT_EQ(v.page_capture->target_uri, kPage);
  EXPECT_EQ(v.page_capture->ip, "203.0.113.9");
  EXPECT_EQ(v.page_capture->date, at);
  EXPECT_EQ(v.page_capture->body, html);
  auto record = WarcResponseRecord(*v.page_capture, NewWarcRecordId(1, 2));
  ASSERT_TRUE(record.ok()) << record.status().ToString();
  EXPECT_NE(record->find("WARC-Target-URI: " + kPage + "\r\n"), std::string::npos);
  EXPECT_EQ(record->find("\xFF\xD8\xFF"), std::string::npos) << "no image bytes in evidence";
}

}  // namespace
}  // namespace tdm::notifier
