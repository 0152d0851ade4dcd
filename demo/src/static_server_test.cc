#include "tdm/demo/static_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>

#include "loopback_client.h"

namespace tdm::demo {
namespace {

namespace fs = std::filesystem;

using testing::Connect;

// Reads until EOF or `timeout_ms` of silence; `eof` tells which.
std::string ReadAll(int fd, bool* eof = nullptr, int timeout_ms = 5000) {
  std::string out;
  char buf[4096];
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) {
      if (eof) *eof = false;
      return out;
    }
    const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) {
      if (eof) *eof = true;
      return out;
    }
    out.append(buf, static_cast<size_t>(n));
  }
}

// One raw HTTP exchange: sends `request` verbatim, returns every byte back.
std::string Exchange(uint16_t port, const std::string& request, bool* eof = nullptr) {
  const int fd = Connect(port);
  EXPECT_EQ(::send(fd, request.data(), request.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(request.size()));
  std::string response = ReadAll(fd, eof);
  ::close(fd);
  return response;
}

std::string Get(uint16_t port, const std::string& target, const std::string& method = "GET") {
  return Exchange(port, method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
}

std::string BodyOf(const std::string& response) {
  const size_t end = response.find("\r\n\r\n");
  return end == std::string::npos ? "" : response.substr(end + 4);
}

class StaticServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::path(::testing::TempDir()) /
            ("static_server_test_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(base_);
    root_ = base_ / "root";
    fs::create_directories(root_ / "forum" / "sub dir");
    Write(base_ / "secret.txt", "outside root");
    Write(root_ / "forum" / "index.html", "<html>index</html>");
    Write(root_ / "forum" / "sub dir" / "a b.txt", "spaced");
    photo_ = std::string("\xFF\xD8\xFF\xE0", 4) + std::string(5000, '\0') + "tail";
    Write(root_ / "forum" / "photo.jpg", photo_);
    Write(root_ / "forum" / "blob.bin", "x");
    fs::create_symlink(base_ / "secret.txt", root_ / "forum" / "link.txt");
    server_ = std::make_unique<StaticServer>(root_);
    auto port = server_->Start();
    ASSERT_TRUE(port.ok()) << port.status().ToString();
    port_ = *port;
  }
  void TearDown() override {
    server_.reset();
    fs::remove_all(base_);
  }
  static void Write(const fs::path& p, const std::string& data) {
    std::ofstream(p, std::ios::binary) << data;
  }

  fs::path base_, root_;
  std::string photo_;
  std::unique_ptr<StaticServer> server_;
  uint16_t port_ = 0;
};

TEST_F(StaticServerTest, ServesFileBytesWithHeaders) {
  EXPECT_NE(port_, 0);
  EXPECT_EQ(server_->port(), port_);
  const std::string r = Get(port_, "/forum/photo.jpg");
  EXPECT_EQ(r.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << r.substr(0, 200);
  EXPECT_NE(r.find("Content-Type: image/jpeg\r\n"), std::string::npos);
  EXPECT_NE(r.find("Content-Length: " + std::to_string(photo_.size()) + "\r\n"), std::string::npos);
  EXPECT_NE(r.find("Connection: close\r\n"), std::string::npos);
  EXPECT_EQ(BodyOf(r), photo_);
  EXPECT_EQ(server_->requests_served(), 1);
}

TEST_F(StaticServerTest, ContentTypesDirectoryIndexQueryAndPercentDecoding) {
  EXPECT_NE(Get(port_, "/forum/").find("Content-Type: text/html; charset=utf-8"),
            std::string::npos);
  EXPECT_EQ(BodyOf(Get(port_, "/forum/index.html?page=2#top")), "<html>index</html>");
  EXPECT_EQ(BodyOf(Get(port_, "/forum/sub%20dir/a%20b.txt")), "spaced");
  EXPECT_NE(Get(port_, "/forum/blob.bin").find("Content-Type: application/octet-stream"),
            std::string::npos);
  EXPECT_EQ(BodyOf(Get(port_, "http://127.0.0.1/forum/index.html")), "<html>index</html>");
}

TEST_F(StaticServerTest, MissingIs404WithHtmlBody) {
  const std::string r = Get(port_, "/forum/nope.html");
  EXPECT_EQ(r.rfind("HTTP/1.1 404 Not Found\r\n", 0), 0u);
  EXPECT_NE(BodyOf(r).find("<html>"), std::string::npos);
}

TEST_F(StaticServerTest, TraversalIsRefused) {
  for (const char* target : {"/../secret.txt", "/forum/../../secret.txt", "/%2e%2e/secret.txt",
                             "/forum/%2E%2E/%2e%2e/secret.txt", "/forum/link.txt"}) {
    const std::string r = Get(port_, target);
    EXPECT_EQ(r.rfind("HTTP/1.1 403 Forbidden\r\n", 0), 0u) << target << "\n" << r;
    EXPECT_EQ(r.find("outside root"), std::string::npos);
  }
  EXPECT_EQ(Get(port_, "/forum/bad%zzescape").rfind("HTTP/1.1 400", 0), 0u);
  EXPECT_EQ(Get(port_, "/forum/nul%00.txt").rfind("HTTP/1.1 400", 0), 0u);
}

TEST_F(StaticServerTest, HeadHasLengthButNoBody) {
  const std::string r = Get(port_, "/forum/photo.jpg", "HEAD");
  EXPECT_EQ(r.rfind("HTTP/1.1 200 OK\r\n", 0), 0u);
  EXPECT_NE(r.find("Content-Length: " + std::to_string(photo_.size())), std::string::npos);
  EXPECT_EQ(BodyOf(r), "");
  EXPECT_EQ(Get(port_, "/forum/photo.jpg", "POST").rfind("HTTP/1.1 405", 0), 0u);
}

TEST_F(StaticServerTest, DropClosesWithoutAnyBytes) {
  for (const char* target : {"/fault/drop", "/forum/fault/drop-thread.html"}) {
    bool eof = false;
    EXPECT_EQ(Exchange(port_, std::string("GET ") + target + " HTTP/1.1\r\nHost: x\r\n\r\n", &eof),
              "");
    EXPECT_TRUE(eof) << target;
  }
  EXPECT_EQ(server_->requests_served(), 2);
}

TEST_F(StaticServerTest, RedirectLoopPointsAtItself) {
  const std::string r = Get(port_, "/forum/fault/redirect-loop.html?x=1");
  EXPECT_EQ(r.rfind("HTTP/1.1 302 Found\r\n", 0), 0u);
  EXPECT_NE(r.find("Location: /forum/fault/redirect-loop.html\r\n"), std::string::npos);
}

TEST_F(StaticServerTest, RedirectAndGoneMarkersStandForAMovedOrDeletedPage) {
  Write(root_ / "forum" / "thread.html.redirect", "/forum/\n");
  Write(root_ / "forum" / "old.html.gone", "");
  const std::string moved = Get(port_, "/forum/thread.html");
  EXPECT_EQ(moved.rfind("HTTP/1.1 301 Moved Permanently\r\n", 0), 0u) << moved;
  EXPECT_NE(moved.find("Location: /forum/\r\n"), std::string::npos) << moved;
  EXPECT_EQ(Get(port_, "/forum/old.html").rfind("HTTP/1.1 410 Gone\r\n", 0), 0u);
  // A real file wins over its marker.
  Write(root_ / "forum" / "old.html", "<html>back</html>");
  EXPECT_EQ(BodyOf(Get(port_, "/forum/old.html")), "<html>back</html>");
}

TEST_F(StaticServerTest, SlowStallsUntilStop) {
  const int fd = Connect(port_);
  const std::string req = "GET /fault/slow HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_EQ(::send(fd, req.data(), req.size(), MSG_NOSIGNAL), static_cast<ssize_t>(req.size()));
  bool eof = true;
  const std::string headers = ReadAll(fd, &eof, 300);
  EXPECT_FALSE(eof);
  EXPECT_EQ(headers.rfind("HTTP/1.1 200 OK\r\n", 0), 0u);
  EXPECT_EQ(BodyOf(headers), "");
  const auto start = std::chrono::steady_clock::now();
  server_->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  ReadAll(fd, &eof, 2000);
  EXPECT_TRUE(eof);
  ::close(fd);
}

TEST_F(StaticServerTest, StopWakesIdleConnectionsAndIsIdempotent) {
  const int idle = Connect(port_);  // sends nothing: the server waits in its read
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const auto start = std::chrono::steady_clock::now();
  std::thread other([this] { server_->Stop(); });
  server_->Stop();
  other.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  EXPECT_EQ(server_->port(), 0);
  ::close(idle);
  // Restartable after Stop().
  auto port = server_->Start();
  ASSERT_TRUE(port.ok());
  EXPECT_EQ(BodyOf(Get(*port, "/forum/index.html")), "<html>index</html>");
  EXPECT_FALSE(server_->Start().ok());  // already running
}

TEST(StaticServerStartTest, RootMustBeADirectory) {
  StaticServer server("/nonexistent/tdm/root");
  EXPECT_FALSE(server.Start().ok());
}

}  // namespace
}  // namespace tdm::demo
