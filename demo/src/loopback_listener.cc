#include "loopback_listener.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace tdm::demo::detail {

bool SendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

LoopbackListener::LoopbackListener(Options options, Handler serve, Handler overflow)
    : options_(std::move(options)), serve_(std::move(serve)), overflow_(std::move(overflow)) {}

LoopbackListener::~LoopbackListener() { Stop(); }

Result<uint16_t> LoopbackListener::Start(uint16_t port) {
  std::lock_guard<std::mutex> lifecycle(lifecycle_mu_);
  if (listen_fd_ != -1) return Status::InvalidArgument(options_.name + " already running");
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::Unavailable(std::string("socket: ") + std::strerror(errno));
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  socklen_t len = sizeof(addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || ::listen(fd, 128) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0 ||
      ::pipe2(wake_pipe_, O_CLOEXEC) != 0) {
    const std::string why = std::strerror(errno);
    ::close(fd);
    return Status::Unavailable("bind 127.0.0.1:" + std::to_string(port) + ": " + why);
  }
  listen_fd_ = fd;
  port_ = ntohs(addr.sin_port);
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = false;
  }
  accept_thread_ = std::thread([this] { AcceptLoop(); });
  return port_.load();
}

void LoopbackListener::Stop() {
  std::lock_guard<std::mutex> lifecycle(lifecycle_mu_);
  if (listen_fd_ == -1) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  const char byte = 1;
  [[maybe_unused]] ssize_t ignored = ::write(wake_pipe_[1], &byte, 1);
  accept_thread_.join();

  std::list<std::unique_ptr<Connection>> conns;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& c : connections_) {
      if (c->fd != -1) ::shutdown(c->fd, SHUT_RDWR);  // wakes a blocked poll/recv
    }
    conns.swap(connections_);
  }
  for (auto& c : conns) c->thread.join();

  ::close(listen_fd_);
  ::close(wake_pipe_[0]);
  ::close(wake_pipe_[1]);
  listen_fd_ = -1;
  wake_pipe_[0] = wake_pipe_[1] = -1;
  port_ = 0;
}

bool LoopbackListener::stopping() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stopping_;
}

bool LoopbackListener::SleepUnlessStopped(std::chrono::milliseconds duration) {
  std::unique_lock<std::mutex> lock(mu_);
  return !stop_cv_.wait_for(lock, duration, [this] { return stopping_; });
}

void LoopbackListener::ReapFinished() {
  for (auto it = connections_.begin(); it != connections_.end();) {
    if ((*it)->done) {
      (*it)->thread.join();
      it = connections_.erase(it);
    } else {
      ++it;
    }
  }
}

void LoopbackListener::AcceptLoop() {
  for (;;) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_pipe_[0], POLLIN, 0}};
    const int r = ::poll(fds, 2, 1000);
    if (r < 0 && errno != EINTR) return;
    if (fds[1].revents != 0) return;
    std::unique_lock<std::mutex> lock(mu_);
    ReapFinished();
    if (stopping_) return;
    if (r <= 0 || (fds[0].revents & POLLIN) == 0) continue;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    const auto ms = options_.send_timeout.count();
    const timeval send_timeout{static_cast<time_t>(ms / 1000),
                               static_cast<suseconds_t>((ms % 1000) * 1000)};
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &send_timeout, sizeof(send_timeout));
    if (connections_.size() >= static_cast<size_t>(options_.max_connections)) {
      lock.unlock();  // a slow overflow reply must not hold up Stop() or finishing handlers
      overflow_(fd);
      ::close(fd);
      continue;
    }
    auto conn = std::make_unique<Connection>();
    conn->fd = fd;
    Connection* raw = conn.get();
    connections_.push_back(std::move(conn));
    raw->thread = std::thread([this, raw] { Serve(raw); });
  }
}

void LoopbackListener::Serve(Connection* conn) {
  serve_(conn->fd);  // conn->fd is written only below, on this thread
  std::lock_guard<std::mutex> lock(mu_);
  ::close(conn->fd);
  conn->fd = -1;
  conn->done = true;
}

}  // namespace tdm::demo::detail
