#include "tdm/demo/static_server.h"

#include <poll.h>
#include <sys/socket.h>
#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "loopback_listener.h"

namespace tdm::demo {
namespace {

namespace fs = std::filesystem;

constexpr size_t kMaxHeadBytes = 16 * 1024;

using detail::SendAll;

// Reads until the end of the request head ("\r\n\r\n"). Returns nullopt on
// timeout, EOF, error or an oversized head (a shutdown() by Stop() shows as EOF).
std::optional<std::string> ReadHead(int fd, int timeout_ms) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  std::string head;
  char buf[4096];
  while (head.find("\r\n\r\n") == std::string::npos && head.find("\n\n") == std::string::npos) {
    if (head.size() > kMaxHeadBytes) return std::nullopt;
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return std::nullopt;
    pollfd p{fd, POLLIN, 0};
    const int r = ::poll(&p, 1, static_cast<int>(left));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return std::nullopt;
    const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return std::nullopt;
    head.append(buf, static_cast<size_t>(n));
  }
  return head;
}

std::optional<std::string> PercentDecode(std::string_view in) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out += in[i];
      continue;
    }
    if (i + 2 >= in.size()) return std::nullopt;
    const int hi = hex(in[i + 1]), lo = hex(in[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

std::string ContentType(const fs::path& file) {
  std::string ext = file.extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (ext == ".html" || ext == ".htm") return "text/html; charset=utf-8";
  if (ext == ".jpg" || ext == ".jpeg") return "image/jpeg";
  if (ext == ".png") return "image/png";
  if (ext == ".webp") return "image/webp";
  if (ext == ".gif") return "image/gif";
  if (ext == ".txt") return "text/plain; charset=utf-8";
  if (ext == ".pdf") return "application/pdf";
  if (ext == ".css") return "text/css";
  return "application/octet-stream";
}

std::string Head(std::string_view status, std::string_view type, uint64_t length,
                 std::string_view extra = "") {
  std::string h = "HTTP/1.1 " + std::string(status) + "\r\nServer: tdm-demo\r\n";
  if (!type.empty()) h += "Content-Type: " + std::string(type) + "\r\n";
  h += "Content-Length: " + std::to_string(length) + "\r\n" + std::string(extra) +
       "Connection: close\r\n\r\n";
  return h;
}

// 50 MiB of spaces, gzip-compressed once (~50 KiB).
const std::string& GzipBomb() {
  static const std::string bomb = [] {
    z_stream z{};
    deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16 /* gzip */, 9, Z_DEFAULT_STRATEGY);
    const std::string chunk(1 << 20, ' ');
    std::string out;
    char buf[1 << 16];
    for (int i = 0; i < 50; ++i) {
      z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(chunk.data()));
      z.avail_in = static_cast<uInt>(chunk.size());
      const int flush = i == 49 ? Z_FINISH : Z_NO_FLUSH;
      do {
        z.next_out = reinterpret_cast<Bytef*>(buf);
        z.avail_out = sizeof(buf);
        deflate(&z, flush);
        out.append(buf, sizeof(buf) - z.avail_out);
      } while (z.avail_out == 0);
    }
    deflateEnd(&z);
    return out;
  }();
  return bomb;
}

// A complete small response with an HTML body (omitted for HEAD).
std::string Simple(std::string_view status, bool head_only, std::string_view extra = "") {
  const std::string body =
      "<!doctype html><html><body><h1>" + std::string(status) + "</h1></body></html>\n";
  return Head(status, "text/html; charset=utf-8", body.size(), extra) + (head_only ? "" : body);
}

struct Request {
  std::string method;
  std::string raw_path;  // as sent, without query or fragment
  std::string path;      // %XX-decoded
};

// Parses the request line; nullopt means 400.
std::optional<Request> ParseRequestLine(const std::string& head) {
  const std::string line = head.substr(0, head.find_first_of("\r\n"));
  const size_t sp1 = line.find(' ');
  const size_t sp2 = sp1 == std::string::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string::npos || line.compare(sp2 + 1, 5, "HTTP/") != 0) return std::nullopt;
  Request req;
  req.method = line.substr(0, sp1);
  std::string target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  if (const size_t scheme = target.find("://"); scheme != std::string::npos && target[0] != '/') {
    const size_t slash = target.find('/', scheme + 3);
    target = slash == std::string::npos ? "/" : target.substr(slash);
  }
  target = target.substr(0, target.find_first_of("?#"));
  if (target.empty() || target[0] != '/') return std::nullopt;
  auto decoded = PercentDecode(target);
  if (!decoded || decoded->find('\0') != std::string::npos) return std::nullopt;
  req.raw_path = std::move(target);
  req.path = std::move(*decoded);
  return req;
}

bool HasDotDotSegment(std::string_view path) {
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    if (path.substr(start, end - start) == "..") return true;
    start = end + 1;
  }
  return false;
}

// Half-closes, drains what the client still sends (so close() sends FIN, not
// RST, which could destroy the response in flight) for at most 200 ms.
void LingerDrain(int fd) {
  ::shutdown(fd, SHUT_WR);
  char buf[4096];
  for (int i = 0; i < 16; ++i) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 200) <= 0) return;
    if (::recv(fd, buf, sizeof(buf), 0) <= 0) return;
  }
}

// A request header's value ("" when absent); names compare case-blind.
std::string HeaderValue(const std::string& head, std::string_view name) {
  size_t at = head.find("\r\n");
  while (at != std::string::npos && at + 2 < head.size()) {
    const size_t start = at + 2;
    const size_t end = head.find("\r\n", start);
    const std::string_view line(head.data() + start,
                                (end == std::string::npos ? head.size() : end) - start);
    if (line.size() > name.size() && line[name.size()] == ':' &&
        std::equal(name.begin(), name.end(), line.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) ==
                 std::tolower(static_cast<unsigned char>(b));
        })) {
      std::string_view v = line.substr(name.size() + 1);
      while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
      while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
      return std::string(v);
    }
    at = end;
  }
  return "";
}

// A file's validators: a strong ETag from its size and modification time (ns),
// and Last-Modified as an HTTP date (IMF-fixdate).
struct Validators {
  std::string etag;
  std::string last_modified;
  std::time_t mtime = 0;
};

Validators ValidatorsOf(const fs::path& file, uint64_t size) {
  std::error_code ec;
  const auto written = fs::last_write_time(file, ec);
  const auto since = written.time_since_epoch();
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(since).count();
  const auto sys = std::chrono::file_clock::to_sys(written);
  Validators v;
  v.mtime = std::chrono::system_clock::to_time_t(
      std::chrono::time_point_cast<std::chrono::system_clock::duration>(sys));
  char etag[64];
  std::snprintf(etag, sizeof(etag), "\"%llx-%llx\"", static_cast<unsigned long long>(size),
                static_cast<unsigned long long>(ns));
  v.etag = etag;
  std::tm tm{};
  gmtime_r(&v.mtime, &tm);
  char date[64];
  std::strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  v.last_modified = date;
  return v;
}

// RFC 9110 13.2.2: If-None-Match decides when present; else If-Modified-Since.
bool NotModified(const std::string& head, const Validators& v) {
  const std::string none_match = HeaderValue(head, "If-None-Match");
  if (!none_match.empty()) {
    return none_match == "*" || none_match.find(v.etag) != std::string::npos;
  }
  const std::string since = HeaderValue(head, "If-Modified-Since");
  std::tm tm{};
  if (since.empty() || strptime(since.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm) == nullptr) {
    return false;
  }
  return v.mtime <= timegm(&tm);
}

}  // namespace

StaticServer::StaticServer(fs::path root)
    : root_(std::move(root)),
      listener_(std::make_unique<detail::LoopbackListener>(
          detail::LoopbackListener::Options{
              .name = "static server",
              .max_connections = kMaxConnections,
              .send_timeout = std::chrono::milliseconds(kReadTimeoutMs)},
          [this](int fd) { Serve(fd); },
          [](int fd) { SendAll(fd, Simple("503 Service Unavailable", false)); })) {}

StaticServer::~StaticServer() { Stop(); }

Result<uint16_t> StaticServer::Start(uint16_t port) {
  std::lock_guard<std::mutex> lifecycle(lifecycle_mu_);
  if (listener_->running()) return Status::InvalidArgument("static server already running");
  std::error_code ec;
  if (!fs::is_directory(root_, ec)) {
    return Status::InvalidArgument("static server root is not a directory: " + root_.string());
  }
  canonical_root_ = fs::canonical(root_, ec);
  if (ec) return Status::InvalidArgument("cannot resolve " + root_.string() + ": " + ec.message());
  return listener_->Start(port);
}

void StaticServer::Stop() {
  std::lock_guard<std::mutex> lifecycle(lifecycle_mu_);
  listener_->Stop();
}

uint16_t StaticServer::port() const { return listener_->port(); }

bool StaticServer::SleepUnlessStopped(int ms) {
  return listener_->SleepUnlessStopped(std::chrono::milliseconds(ms));
}

void StaticServer::Serve(int fd) {
  bool linger = true;
  if (const auto head = ReadHead(fd, kReadTimeoutMs)) {
    const int now_in_flight = ++in_flight_;
    for (int seen = max_in_flight_.load();
         now_in_flight > seen && !max_in_flight_.compare_exchange_weak(seen, now_in_flight);) {
    }
    if (const int delay = response_delay_ms_.load(); delay > 0) SleepUnlessStopped(delay);
    const auto req = ParseRequestLine(*head);
    const bool head_only = req && req->method == "HEAD";
    if (!req) {
      SendAll(fd, Simple("400 Bad Request", false));
    } else if (req->path.find("/fault/drop") != std::string::npos) {
      linger = false;  // close at once: no response at all
    } else if (req->path.find("/fault/slow") != std::string::npos) {
      SendAll(fd, Head("200 OK", "text/html; charset=utf-8", 1 << 20));
      SleepUnlessStopped(kSlowStallMs);
    } else if (req->path.find("/members-only/") != std::string::npos &&
               head->find("tdm-test-session=1") == std::string::npos) {
      SendAll(fd, Simple("403 Forbidden", head_only));
    } else if (req->path.find("/fault/huge-headers") != std::string::npos) {
      std::string extra;
      for (int i = 0; i < 200; ++i) {
        extra += "X-Filler-" + std::to_string(i) + ": " + std::string(1000, 'f') + "\r\n";
      }
      SendAll(fd, Simple("200 OK", head_only, extra));
    } else if (req->path.find("/fault/huge") != std::string::npos) {
      constexpr uint64_t kHuge = 50ull << 20;
      if (SendAll(fd, Head("200 OK", "text/html", kHuge)) && !head_only) {
        const std::string chunk(64 << 10, 'a');
        for (uint64_t sent = 0; sent < kHuge && SleepUnlessStopped(0); sent += chunk.size()) {
          if (!SendAll(fd, chunk)) break;  // the client gave up: fine
        }
      }
    } else if (req->path.find("/fault/gzip-bomb") != std::string::npos) {
      const std::string& bomb = GzipBomb();
      SendAll(fd, Head("200 OK", "text/html", bomb.size(), "Content-Encoding: gzip\r\n"));
      if (!head_only) SendAll(fd, bomb);
    } else if (req->path.find("/fault/trickle") != std::string::npos) {
      if (SendAll(fd, Head("200 OK", "text/html", 1 << 20)) && !head_only) {
        while (SendAll(fd, "<") && SleepUnlessStopped(200)) {
        }
      }
    } else if (req->path.find("/fault/redirect-loop") != std::string::npos) {
      SendAll(fd, Simple("302 Found", head_only, "Location: " + req->raw_path + "\r\n"));
    } else if (req->method != "GET" && !head_only) {
      SendAll(fd, Simple("405 Method Not Allowed", false, "Allow: GET, HEAD\r\n"));
    } else if (HasDotDotSegment(req->path)) {
      SendAll(fd, Simple("403 Forbidden", head_only));
    } else {
      std::error_code ec;
      fs::path file = root_ / fs::path(req->path).relative_path();
      if (fs::is_directory(file, ec)) file /= "index.html";
      const fs::path real = fs::canonical(file, ec);
      const fs::path inside = ec ? fs::path() : real.lexically_relative(canonical_root_);
      fs::path moved = file;
      moved += ".redirect";
      fs::path gone = file;
      gone += ".gone";
      if ((ec || !fs::is_regular_file(real, ec)) && fs::is_regular_file(moved, ec)) {
        std::ifstream in(moved);
        std::string target;
        std::getline(in, target);
        while (!target.empty() && (target.back() == '\r' || target.back() == ' ')) {
          target.pop_back();
        }
        SendAll(fd, Simple("301 Moved Permanently", head_only, "Location: " + target + "\r\n"));
      } else if ((ec || !fs::is_regular_file(real, ec)) && fs::is_regular_file(gone, ec)) {
        SendAll(fd, Simple("410 Gone", head_only));
      } else if (ec || !fs::is_regular_file(real, ec)) {
        SendAll(fd, Simple("404 Not Found", head_only));
      } else if (inside.empty() || *inside.begin() == "..") {
        SendAll(fd, Simple("403 Forbidden", head_only));
      } else {
        std::ifstream in(real, std::ios::binary);
        const uint64_t size = fs::file_size(real, ec);
        if (!in || ec) {
          SendAll(fd, Simple("404 Not Found", head_only));
        } else if (const Validators v = ValidatorsOf(real, size); NotModified(*head, v)) {
          ++not_modified_served_;
          SendAll(fd, "HTTP/1.1 304 Not Modified\r\nServer: tdm-demo\r\nETag: " + v.etag +
                          "\r\nConnection: close\r\n\r\n");
        } else if (SendAll(fd, Head("200 OK", ContentType(real), size,
                                    "ETag: " + v.etag + "\r\nLast-Modified: " + v.last_modified +
                                        "\r\n")) &&
                   !head_only) {
          std::vector<char> buf(64 * 1024);
          while (in.read(buf.data(), static_cast<std::streamsize>(buf.size())) || in.gcount() > 0) {
            if (!SendAll(fd, std::string_view(buf.data(), static_cast<size_t>(in.gcount())))) break;
          }
        }
      }
    }
    ++requests_served_;
    --in_flight_;
  }
  if (linger) LingerDrain(fd);
}

}  // namespace tdm::demo
