#pragma once

// A tiny real HTTP/1.1 file server on 127.0.0.1 for the demo and for tests
// that need real HTTP over loopback (POSIX sockets, no third-party code).

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>

#include "tdm/common/status.h"

namespace tdm::demo {
namespace detail {
class LoopbackListener;  // demo/src/loopback_listener.h
}  // namespace detail

// Serves the files under `root`, one request per connection ("Connection:
// close"), one thread per connection (at most kMaxConnections at a time;
// more are answered 503).
//
// Requests: GET and HEAD (others get 405). The path is %XX-decoded; the query
// string and fragment are ignored. A path with a ".." segment, a NUL, or that
// resolves (through symlinks) outside `root` gets 403; a missing file gets
// 404 with a small HTML body; a directory serves its index.html. Content-Type
// follows the extension (html, jpg, png, webp, gif, txt, pdf, css; anything
// else, e.g. bin, is application/octet-stream).
//
// Fault routes, for tests of crawlers and fetchers. The rule is "the decoded
// path CONTAINS the marker", not "starts with", so that a fault page can sit
// inside a crawl scope such as /forum/ (e.g. /forum/fault/drop-thread.html):
//   "/fault/drop"          read the request, then close without any response
//   "/fault/slow"          send 200 headers announcing a body, then stall 30 s
//                          (cut short by Stop()), then close
//   "/fault/redirect-loop" 302 with Location: the request's own path
//   "/fault/huge"          200 text/html announcing and streaming 50 MiB
//   "/fault/gzip-bomb"     200 text/html, Content-Encoding: gzip, ~50 KiB that
//                          inflate to 50 MiB of spaces
//   "/members-only/"       403 unless the request carries the cookie
//                          tdm-test-session=1 (a forum behind a login)
//   "/fault/huge-headers"  200 with ~200 KiB of response headers (200 lines of
//                          1 KiB) and a small HTML body
//   "/fault/trickle"       200 headers announcing 1 MiB, then one byte every
//                          200 ms (a slow-loris body) until Stop() or close
//
// A missing file X for which "X.redirect" exists answers 301 Moved
// Permanently to the first line of that file; one for which "X.gone" exists
// answers 410 Gone (a page moved or deleted after a takedown).
//
// Files are served with validators, ETag (size and modification time) and
// Last-Modified, and a conditional GET whose copy is current gets 304 Not
// Modified without a body (If-None-Match decides when sent, else
// If-Modified-Since), counted by not_modified_served().
//
// Each connection has a read timeout (kReadTimeoutMs) for the request head;
// a head that is malformed or has a bad %XX escape gets 400.
// Thread-safety: Start, Stop and the accessors may be called from any thread;
// Stop() is idempotent, joins every thread it started and is called by the
// destructor. After Stop() the server may be started again.
class StaticServer {
 public:
  static constexpr int kMaxConnections = 64;
  static constexpr int kReadTimeoutMs = 5000;
  static constexpr int kSlowStallMs = 30000;

  explicit StaticServer(std::filesystem::path root);
  ~StaticServer();
  StaticServer(const StaticServer&) = delete;
  StaticServer& operator=(const StaticServer&) = delete;

  // Binds 127.0.0.1:`port` (0 picks a free port) and starts serving.
  // Errors: InvalidArgument if root is not a directory or the server is
  // already running; Unavailable if the socket cannot be bound.
  Result<uint16_t> Start(uint16_t port = 0);
  void Stop();

  // The bound port; 0 when not running.
  uint16_t port() const;
  // Requests whose head was read and answered (or, for drop, dropped);
  // incremented before the connection is closed.
  int64_t requests_served() const { return requests_served_.load(); }
  // The most requests this server was answering at the same time, for tests
  // of politeness (a request counts from its head being read to its response
  // being sent).
  int max_in_flight() const { return max_in_flight_.load(); }
  // Conditional requests answered 304 Not Modified.
  int64_t not_modified_served() const { return not_modified_served_.load(); }
  // Every response waits this long first (0 by default): a slow site, so that
  // overlapping requests would show in max_in_flight().
  void set_response_delay_ms(int ms) { response_delay_ms_.store(ms); }

 private:
  void Serve(int fd);               // one connection, on its own thread
  bool SleepUnlessStopped(int ms);  // false when stopped

  const std::filesystem::path root_;
  std::filesystem::path canonical_root_;  // written by Start() only while stopped
  std::atomic<int64_t> requests_served_{0};
  std::atomic<int64_t> not_modified_served_{0};
  std::atomic<int> in_flight_{0};
  std::atomic<int> max_in_flight_{0};
  std::atomic<int> response_delay_ms_{0};

  std::mutex lifecycle_mu_;  // serialises Start and Stop
  // Declared last: destroyed first, so that no connection outlives the state above.
  std::unique_ptr<detail::LoopbackListener> listener_;
};

}  // namespace tdm::demo
