// The libcurl fetcher against a real HTTP server on 127.0.0.1: the SSRF guard,
// caps, and servers that misbehave.

#include "tdm/common/fetcher.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "tdm/demo/static_server.h"

namespace tdm {
namespace {

FetchRequest Request(const std::string& url, bool allow_private = true, int64_t max = 1 << 20,
                     const std::string& host_key = "", HostGate::Policy politeness = {}) {
  FetchRequest r;
  r.url = url;
  r.max_bytes = max;
  r.allow_private = allow_private;
  r.host_key = host_key;
  r.politeness = politeness;
  return r;
}

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
    return f->FetchAll({Request(base_ + path, allow_private, max)})[0];
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

TEST_F(Fetcher, ValidatorsComeBackAndAConditionalGetOfAnUnchangedPageIs304) {
  auto first = Get("/page.html");
  ASSERT_EQ(first.http_status, 200);
  ASSERT_FALSE(first.etag.empty());
  ASSERT_FALSE(first.last_modified.empty());
  auto f = MakeCurlFetcher({});
  FetchRequest by_etag = Request(base_ + "/page.html");
  by_etag.if_none_match = first.etag;
  FetchRequest by_date = Request(base_ + "/page.html");
  by_date.if_modified_since = first.last_modified;
  FetchRequest stale = Request(base_ + "/page.html");
  stale.if_none_match = "\"some-older-version\"";
  auto rs = f->FetchAll({by_etag, by_date, stale});
  EXPECT_EQ(rs[0].http_status, 304);
  EXPECT_TRUE(rs[0].body.empty());
  EXPECT_EQ(rs[0].etag, first.etag);
  EXPECT_EQ(rs[1].http_status, 304);
  EXPECT_EQ(rs[2].http_status, 200);
  EXPECT_EQ(rs[2].body, first.body);
  EXPECT_EQ(server_->not_modified_served(), 2);
}

TEST_F(Fetcher, RequestsAHostCannotTakeSoonEnoughComeBackDeferredUnfetched) {
  FetcherOptions o;
  o.max_host_wait = std::chrono::seconds(1);
  auto f = MakeCurlFetcher(o);
  HostGate::Policy slow;
  slow.min_interval = std::chrono::milliseconds(700);
  std::vector<FetchRequest> requests;
  for (int i = 0; i < 4; ++i)
    requests.push_back(Request(base_ + "/page.html", true, 1 << 20, "h", slow));
  const auto t0 = std::chrono::steady_clock::now();
  auto rs = f->FetchAll(requests);
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  // Starts at 0 and 0.7 s fit in the second allowed; 1.4 s and 2.1 s do not.
  EXPECT_EQ(rs[0].http_status, 200);
  EXPECT_EQ(rs[1].http_status, 200);
  for (int i : {2, 3}) {
    EXPECT_TRUE(rs[i].deferred) << i;
    EXPECT_EQ(rs[i].status.code(), Status::Code::kUnavailable) << i;
    EXPECT_GE(rs[i].retry_after, 1) << i;
    EXPECT_EQ(rs[i].http_status, 0) << i;
  }
  EXPECT_LT(took, 1.4) << "the batch did not wait for the deferred requests";
  // The server counts a request just after its response is sent: give it a moment.
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (server_->requests_served() < 2 && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(server_->requests_served(), 2);
}

TEST_F(Fetcher, HeadersOverTheCapAreTooLarge) {
  auto r = Get("/fault/huge-headers.html");  // ~200 KiB of headers, over the default 128
  EXPECT_EQ(r.status.code(), Status::Code::kTooLarge) << r.status.ToString();
  EXPECT_NE(r.status.message().find("headers"), std::string::npos) << r.status.ToString();
  EXPECT_TRUE(r.body.empty());
  FetcherOptions roomy;
  roomy.max_header_bytes = 256 << 10;
  auto ok = MakeCurlFetcher(roomy)->FetchAll({Request(base_ + "/fault/huge-headers.html")})[0];
  EXPECT_TRUE(ok.status.ok()) << ok.status.ToString();
  EXPECT_EQ(ok.http_status, 200);
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
  auto rs =
      f->FetchAll({Request(base_ + "/fault/drop-x.html"), Request(base_ + "/fault/slow-x.html"),
                   Request(base_ + "/fault/redirect-loop"), Request(base_ + "/page.html")});
  ASSERT_EQ(rs.size(), 4u);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(rs[i].status.code(), Status::Code::kUnavailable) << rs[i].url;
  }
  EXPECT_EQ(rs[2].status.code(), Status::Code::kInvalidArgument) << "a loop is not retried";
  EXPECT_TRUE(rs[3].status.ok()) << "one bad server does not spoil the batch";
}

// Politeness: one host's requests start at least min_interval apart, at most
// max_concurrency at a time, and the spacing carries over to the next batch;
// other hosts do not wait.
TEST_F(Fetcher, PolitenessSpacesStartsAndCapsConcurrencyPerHost) {
  using Clock = std::chrono::steady_clock;
  FetcherOptions o;
  o.total_timeout = std::chrono::milliseconds(1000);
  auto f = MakeCurlFetcher(o);
  const HostGate::Policy polite{std::chrono::milliseconds(200), 2};
  std::vector<FetchRequest> batch;
  for (int i = 0; i < 5; ++i)
    batch.push_back(Request(base_ + "/page.html", true, 1 << 20, "h", polite));
  batch.push_back(Request(base_ + "/page.html?other", true, 1 << 20, "other-host", polite));
  const auto first_call = Clock::now();
  auto rs = f->FetchAll(batch);
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(rs[i].status.ok()) << rs[i].status.ToString();
    EXPECT_GE(rs[i].started_after, 0.2 * i - 0.005) << i;
    EXPECT_LT(rs[i].started_after, 0.2 * i + 0.4) << i;
  }
  EXPECT_LT(rs[5].started_after, 0.1) << "another host does not wait";
  const auto last_start = first_call + std::chrono::duration_cast<Clock::duration>(
                                           std::chrono::duration<double>(rs[4].started_after));
  const auto second_call = Clock::now();
  auto next = f->FetchAll({Request(base_ + "/page.html", true, 1 << 20, "h", polite)});
  const auto next_start = second_call + std::chrono::duration_cast<Clock::duration>(
                                            std::chrono::duration<double>(next[0].started_after));
  EXPECT_GE(next_start - last_start, std::chrono::milliseconds(195)) << "spacing across batches";

  // Three slow requests (each held until the 1 s timeout), two at a time.
  const HostGate::Policy two{std::chrono::milliseconds(0), 2};
  auto slow = f->FetchAll({Request(base_ + "/fault/slow-1.html", true, 1 << 20, "s", two),
                           Request(base_ + "/fault/slow-2.html", true, 1 << 20, "s", two),
                           Request(base_ + "/fault/slow-3.html", true, 1 << 20, "s", two)});
  EXPECT_LT(slow[0].started_after, 0.1);
  EXPECT_LT(slow[1].started_after, 0.1);
  EXPECT_GE(slow[2].started_after, 0.9) << "the third waits for a slot";
}

// Hostile servers: a 50 MiB body and a gzip bomb stop at the cap (counted
// after decompression), a slow-loris body is abandoned by the low-speed
// limit long before the total timeout.
TEST_F(Fetcher, HugeBodyGzipBombAndSlowLorisAreCutShort) {
  using Clock = std::chrono::steady_clock;
  FetcherOptions o;
  o.total_timeout = std::chrono::milliseconds(20000);
  o.low_speed_bytes = 256;
  o.low_speed_time = std::chrono::seconds(2);
  auto f = MakeCurlFetcher(o);
  const auto start = Clock::now();
  auto rs = f->FetchAll({Request(base_ + "/fault/huge.html", true, 1 << 20),
                         Request(base_ + "/fault/gzip-bomb.html", true, 1 << 20),
                         Request(base_ + "/fault/trickle.html", true, 1 << 20)});
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  EXPECT_EQ(rs[0].status.code(), Status::Code::kTooLarge) << rs[0].status.ToString();
  EXPECT_EQ(rs[1].status.code(), Status::Code::kTooLarge) << rs[1].status.ToString();
  EXPECT_TRUE(rs[0].body.empty() && rs[1].body.empty());
  EXPECT_EQ(rs[2].status.code(), Status::Code::kUnavailable) << rs[2].status.ToString();
  EXPECT_LT(seconds, 10) << "the trickle is dropped by the low-speed limit, not the 20 s timeout";
  // The same bomb within a larger cap inflates to exactly what was sent.
  auto whole = f->FetchAll({Request(base_ + "/fault/gzip-bomb.html", true, 64 << 20)});
  ASSERT_TRUE(whole[0].status.ok()) << whole[0].status.ToString();
  EXPECT_EQ(whole[0].body.size(), 50u << 20);
}

// A one-shot server on 127.0.0.1 that answers one request with a 302 to
// `location` (the static server has no redirects but the loop).
class OneRedirect {
 public:
  explicit OneRedirect(std::string location) : location_(std::move(location)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(a);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), len) != 0 || ::listen(fd_, 1) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
      return;
    }
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] {
      const int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      std::string head;
      char buf[1024];
      while (head.find("\r\n\r\n") == std::string::npos) {
        const ssize_t n = ::recv(c, buf, sizeof(buf), 0);
        if (n <= 0) break;
        head.append(buf, static_cast<size_t>(n));
      }
      const std::string reply = "HTTP/1.1 302 Found\r\nLocation: " + location_ +
                                "\r\nX-Hop: first\r\nContent-Length: 0\r\n"
                                "Connection: close\r\n\r\n";
      ::send(c, reply.data(), reply.size(), MSG_NOSIGNAL);
      ::close(c);
    });
  }
  ~OneRedirect() {
    ::shutdown(fd_, SHUT_RDWR);
    if (thread_.joinable()) thread_.join();
    ::close(fd_);
  }
  int port() const { return port_; }

 private:
  std::string location_;
  int fd_ = -1;
  int port_ = 0;
  std::thread thread_;
};

// Evidence records (notifier/warc.h) need the final response's headers as
// received and the address it came from; a redirect's own hop is not kept.
TEST_F(Fetcher, ResponseHeadersAndRemoteIpAreTheFinalResponses) {
  auto plain = Get("/page.html");
  ASSERT_TRUE(plain.status.ok()) << plain.status.ToString();
  EXPECT_EQ(plain.remote_ip, "127.0.0.1");
  EXPECT_EQ(plain.response_headers.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << plain.response_headers;
  EXPECT_NE(plain.response_headers.find("\r\nContent-Type: text/html"), std::string::npos);
  EXPECT_NE(plain.response_headers.find("\r\nETag: " + plain.etag + "\r\n"), std::string::npos);
  ASSERT_GE(plain.response_headers.size(), 2u);
  EXPECT_EQ(plain.response_headers.substr(plain.response_headers.size() - 2), "\r\n");
  EXPECT_EQ(plain.response_headers.find("\r\n\r\n"), std::string::npos)
      << "no blank line at the end";

  OneRedirect hop(base_ + "/page.html");
  ASSERT_NE(hop.port(), 0);
  FetcherOptions o;
  o.total_timeout = std::chrono::milliseconds(1500);
  auto r = MakeCurlFetcher(o)->FetchAll(
      {Request("http://127.0.0.1:" + std::to_string(hop.port()) + "/old")})[0];
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.final_url, base_ + "/page.html");
  EXPECT_EQ(r.http_status, 200);
  EXPECT_EQ(r.remote_ip, "127.0.0.1");
  EXPECT_EQ(r.response_headers.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << r.response_headers;
  EXPECT_EQ(r.response_headers.find("302"), std::string::npos) << r.response_headers;
  EXPECT_EQ(r.response_headers.find("X-Hop"), std::string::npos) << r.response_headers;
  EXPECT_EQ(r.response_headers.find("Location"), std::string::npos) << r.response_headers;
  EXPECT_EQ(r.body, "<html><body>hello</body></html>");
}

// --allow-private allows the site's own host only: with the site on
// 127.0.0.1, a link to 127.0.0.2 is refused before any connection.
TEST_F(Fetcher, AllowPrivateAllowsOnlyTheSitesOwnHost) {
  const std::string port = base_.substr(base_.rfind(':') + 1);
  FetchRequest own = Request(base_ + "/page.html");
  own.private_host = "127.0.0.1";
  FetchRequest other = Request("http://127.0.0.2:" + port + "/page.html");
  other.private_host = "127.0.0.1";
  FetchRequest metadata = Request("http://169.254.169.254/latest/meta-data/");
  metadata.private_host = "127.0.0.1";
  FetcherOptions o;
  o.total_timeout = std::chrono::milliseconds(1500);
  auto rs = MakeCurlFetcher(o)->FetchAll({own, other, metadata});
  EXPECT_TRUE(rs[0].status.ok()) << rs[0].status.ToString();
  EXPECT_EQ(rs[1].status.code(), Status::Code::kRefused) << rs[1].status.ToString();
  EXPECT_NE(rs[1].status.message().find("127.0.0.2"), std::string::npos);
  EXPECT_EQ(rs[2].status.code(), Status::Code::kRefused) << rs[2].status.ToString();
  EXPECT_EQ(server_->requests_served(), 1);
}

}  // namespace
}  // namespace tdm
