#pragma once

// The accept-and-thread machinery shared by the demo's loopback servers
// (StaticServer, SmtpSink). Internal to tdm::demo: public headers only
// forward-declare it.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "tdm/common/status.h"

namespace tdm::demo::detail {

// Listens on 127.0.0.1 and runs one thread per accepted connection, at most
// `max_connections` at a time. The owner speaks the protocol through two
// handlers, each given the connection's socket:
//   serve     runs on the connection's own thread; the listener closes the
//             socket when it returns (a handler that wants a graceful close
//             half-closes or drains before returning).
//   overflow  runs on the accept thread when the cap is reached (a short
//             "busy" reply); the socket is closed right after.
// Every accepted socket gets SO_SNDTIMEO = send_timeout, so that a client
// that stops reading cannot block a handler (or the accept thread) forever.
//
// Stop() wakes the accept thread, shuts down every live connection socket
// (a blocked poll/recv sees EOF, a send fails), wakes SleepUnlessStopped(),
// and joins every thread; handlers are expected to return soon after.
//
// Thread-safety: Start and Stop are serialised and may be called from any
// thread, including concurrently; the accessors and SleepUnlessStopped may be
// called from any thread, handlers included. Stop() is idempotent and called
// by the destructor; after Stop() the listener may be started again. The
// handlers must not call Start or Stop.
class LoopbackListener {
 public:
  using Handler = std::function<void(int fd)>;

  struct Options {
    std::string name = "loopback listener";  // in error messages
    int max_connections = 64;
    std::chrono::milliseconds send_timeout{5000};
  };

  LoopbackListener(Options options, Handler serve, Handler overflow);
  ~LoopbackListener();
  LoopbackListener(const LoopbackListener&) = delete;
  LoopbackListener& operator=(const LoopbackListener&) = delete;

  // Binds 127.0.0.1:`port` (0 picks a free port) and starts accepting.
  // Errors: InvalidArgument if already running; Unavailable if the socket
  // cannot be bound.
  Result<uint16_t> Start(uint16_t port = 0);
  void Stop();

  // The bound port; 0 when not running.
  uint16_t port() const { return port_.load(); }
  bool running() const { return port() != 0; }
  // True from the start of Stop() until the next Start().
  bool stopping() const;
  // Waits up to `duration` or until Stop(); false when stopping.
  bool SleepUnlessStopped(std::chrono::milliseconds duration);

 private:
  struct Connection {
    int fd = -1;  // -1 once closed; guarded by mu_
    std::thread thread;
    bool done = false;  // guarded by mu_
  };

  void AcceptLoop();
  void Serve(Connection* conn);
  void ReapFinished();  // joins connections whose handler has returned; holds mu_

  const Options options_;
  const Handler serve_;
  const Handler overflow_;

  std::mutex lifecycle_mu_;  // serialises Start and Stop
  int listen_fd_ = -1;
  int wake_pipe_[2] = {-1, -1};  // written by Stop() to wake the accept loop
  std::thread accept_thread_;

  std::atomic<uint16_t> port_{0};

  mutable std::mutex mu_;  // guards stopping_ and connections_
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::list<std::unique_ptr<Connection>> connections_;
};

// Sends all of `data` (MSG_NOSIGNAL: a closed peer is an error, not SIGPIPE);
// false when the peer is gone or the send timed out.
bool SendAll(int fd, std::string_view data);

}  // namespace tdm::demo::detail
