// The libcurl fetcher against a real HTTP server on 127.0.0.1: the SSRF guard,
// caps, and servers that misbehave.

#include "tdm/common/fetcher.h"

#include <gtest/gtest.h>

#include <fstream>

#include "tdm/demo/static_server.h"

namespace tdm {
namespace {

class Fetcher : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/tdm-fetch-XXXXXX";
    root_ = mkdtemp(tmpl);
    std::ofstream(root_ / "page.html") << "<html><body>hello</body></html>";
    std::ofstream(root_ / "big.bin") << std::string(64 * 1024, 'x');
    server_ = std::make_unique<demo::StaticServer>(root_);
    auto port = server_->Start(0);
    ASSERT_TRUE(port.ok());
    base_ = "http://127.0.0.1:" + std::to_string(*port);
  }
  void TearDown() override {
    server_->Stop();
    std::filesystem::remove_all(root_);
  }

  FetchResponse Get(const std::string& path, bool allow_private = true, int64_t max = 1 << 20) {
    FetcherOptions o;
    o.total_timeout = std::chrono::milliseconds(1500);
    auto f = MakeCurlFetcher(o);
    return f->FetchAll({{base_ + path, max, allow_private}})[0];
  }

  std::filesystem::path root_;
  std::unique_ptr<demo::StaticServer> server_;
  std::string base_;
};

TEST_F(Fetcher, FetchesAPageWithItsContentType) {
  auto r = Get("/page.html");
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.http_status, 200);
  EXPECT_NE(r.content_type.find("text/html"), std::string::npos);
  EXPECT_EQ(r.body, "<html><body>hello</body></html>");
}

TEST_F(Fetcher, LoopbackIsRefusedUnlessTheSiteAllowsIt) {
  auto r = Get("/page.html", /*allow_private=*/false);
  EXPECT_EQ(r.status.code(), Status::Code::kRefused) << r.status.ToString();
  EXPECT_TRUE(r.body.empty());
  EXPECT_EQ(server_->requests_served(), 0);
}

TEST_F(Fetcher, NotFoundIsAResponseNotAnError) {
  auto r = Get("/missing.html");
  EXPECT_TRUE(r.status.ok());
  EXPECT_EQ(r.http_status, 404);
}

TEST_F(Fetcher, BodyOverTheCapIsTooLarge) {
  auto r = Get("/big.bin", true, 1024);
  EXPECT_EQ(r.status.code(), Status::Code::kTooLarge) << r.status.ToString();
  EXPECT_TRUE(r.body.empty());
}

TEST_F(Fetcher, DroppedConnectionSlowServerAndRedirectLoopAreUnavailable) {
  FetcherOptions o;
  o.total_timeout = std::chrono::milliseconds(1500);
  o.max_redirects = 3;
  auto f = MakeCurlFetcher(o);
  auto rs = f->FetchAll({{base_ + "/fault/drop-x.html", 1 << 20, true},
                         {base_ + "/fault/slow-x.html", 1 << 20, true},
                         {base_ + "/fault/redirect-loop", 1 << 20, true},
                         {base_ + "/page.html", 1 << 20, true}});
  ASSERT_EQ(rs.size(), 4u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(rs[i].status.code(), Status::Code::kUnavailable) << rs[i].url;
  }
  EXPECT_TRUE(rs[3].status.ok()) << "one bad server does not spoil the batch";
}

}  // namespace
}  // namespace tdm
