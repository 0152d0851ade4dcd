#include "loopback_listener.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>

#include "loopback_client.h"

namespace tdm::demo::detail {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

using testing::Connect;

// Reads until EOF (true) or 5 s of silence (false).
bool ReadToEof(int fd, std::string* out) {
  char buf[256];
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 5000) <= 0) return false;
    const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) return true;
    out->append(buf, static_cast<size_t>(n));
  }
}

// Counts handlers that have entered and returned, so that a test can await
// them with a deadline instead of sleeping.
class Gauge {
 public:
  void Enter() { Bump(&entered_); }
  void Leave() { Bump(&left_); }
  bool AwaitEntered(int n) { return Await(&entered_, n); }
  bool AwaitLeft(int n) { return Await(&left_, n); }
  int left() {
    std::lock_guard<std::mutex> lock(mu_);
    return left_;
  }

 private:
  void Bump(int* counter) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++*counter;
    }
    cv_.notify_all();
  }
  bool Await(int* counter, int n) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(5), [&] { return *counter >= n; });
  }

  std::mutex mu_;
  std::condition_variable cv_;
  int entered_ = 0;
  int left_ = 0;
};

// A handler that blocks in a plain recv() (no poll, no timeout) until the
// client closes or Stop() shuts the socket down.
void BlockInRecv(Gauge& gauge, int fd) {
  gauge.Enter();
  char byte;
  while (::recv(fd, &byte, 1, 0) > 0) {
  }
  gauge.Leave();
}

TEST(LoopbackListener, AtTheCapTheOverflowHandlerAnswersAndTheSocketCloses) {
  Gauge gauge;
  std::atomic<int> overflows{0};
  LoopbackListener listener(
      {.name = "test listener", .max_connections = 1, .send_timeout = milliseconds(1000)},
      [&](int fd) { BlockInRecv(gauge, fd); },
      [&](int fd) {
        ++overflows;
        SendAll(fd, "busy\n");
      });
  auto port = listener.Start(0);
  ASSERT_TRUE(port.ok()) << port.status().ToString();

  const int first = Connect(*port);
  ASSERT_TRUE(gauge.AwaitEntered(1));
  const int second = Connect(*port);
  std::string reply;
  EXPECT_TRUE(ReadToEof(second, &reply)) << "the listener closes an overflowed socket";
  EXPECT_EQ(reply, "busy\n");
  EXPECT_EQ(overflows.load(), 1);
  ::close(second);

  // Once the first handler returns its slot is free again.
  ::close(first);
  ASSERT_TRUE(gauge.AwaitLeft(1));
  const int third = Connect(*port);
  ASSERT_TRUE(gauge.AwaitEntered(2)) << "a finished connection no longer counts";
  EXPECT_EQ(overflows.load(), 1);
  ::close(third);
  listener.Stop();
}

TEST(LoopbackListener, ServeHandlersSocketIsClosedWhenItReturns) {
  LoopbackListener listener(
      {.name = "test listener"}, [](int fd) { SendAll(fd, "hello\n"); }, [](int) {});
  auto port = listener.Start(0);
  ASSERT_TRUE(port.ok()) << port.status().ToString();
  const int fd = Connect(*port);
  std::string reply;
  EXPECT_TRUE(ReadToEof(fd, &reply));
  EXPECT_EQ(reply, "hello\n");
  ::close(fd);
}

TEST(LoopbackListener, StopWakesAndJoinsAHandlerBlockedInRecv) {
  Gauge gauge;
  LoopbackListener listener(
      {.name = "test listener"}, [&](int fd) { BlockInRecv(gauge, fd); }, [](int) {});
  auto port = listener.Start(0);
  ASSERT_TRUE(port.ok()) << port.status().ToString();
  const int fd = Connect(*port);  // and stays silent
  ASSERT_TRUE(gauge.AwaitEntered(1));

  const auto before = Clock::now();
  listener.Stop();
  EXPECT_LT(Clock::now() - before, std::chrono::seconds(2));
  EXPECT_EQ(gauge.left(), 1) << "Stop() returns only after every handler has";
  EXPECT_EQ(listener.port(), 0);
  EXPECT_TRUE(listener.stopping());
  listener.Stop();  // idempotent
  ::close(fd);
}

TEST(LoopbackListener, SleepUnlessStoppedIsCutShortByStop) {
  Gauge gauge;
  std::atomic<bool> slept_through{true};
  LoopbackListener listener(
      {.name = "test listener"},
      [&](int) {
        gauge.Enter();
        slept_through = listener.SleepUnlessStopped(std::chrono::seconds(30));
      },
      [](int) {});
  EXPECT_TRUE(listener.SleepUnlessStopped(milliseconds(1))) << "not stopping while idle";
  auto port = listener.Start(0);
  ASSERT_TRUE(port.ok()) << port.status().ToString();
  EXPECT_FALSE(listener.stopping());
  const int fd = Connect(*port);
  ASSERT_TRUE(gauge.AwaitEntered(1));
  const auto before = Clock::now();
  listener.Stop();
  EXPECT_LT(Clock::now() - before, std::chrono::seconds(2));
  EXPECT_FALSE(slept_through.load());
  ::close(fd);
}

TEST(LoopbackListener, StartsAgainAfterStopButNotTwice) {
  Gauge gauge;
  LoopbackListener listener(
      {.name = "test listener"}, [&](int) { gauge.Enter(); }, [](int) {});
  auto port = listener.Start(0);
  ASSERT_TRUE(port.ok()) << port.status().ToString();
  EXPECT_EQ(listener.port(), *port);
  const auto again = listener.Start(0);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(again.status().ToString().find("test listener already running"), std::string::npos)
      << again.status().ToString();
  listener.Stop();
  EXPECT_EQ(listener.port(), 0);

  port = listener.Start(0);
  ASSERT_TRUE(port.ok()) << port.status().ToString();
  EXPECT_FALSE(listener.stopping());
  const int fd = Connect(*port);
  EXPECT_TRUE(gauge.AwaitEntered(1)) << "the restarted listener serves";
  ::close(fd);
}

TEST(LoopbackListener, AnOccupiedPortIsUnavailable) {
  LoopbackListener first(
      {.name = "first"}, [](int) {}, [](int) {});
  auto port = first.Start(0);
  ASSERT_TRUE(port.ok()) << port.status().ToString();
  // SO_REUSEADDR does not let a second socket listen on a port in LISTEN.
  LoopbackListener second(
      {.name = "second"}, [](int) {}, [](int) {});
  const auto clash = second.Start(*port);
  ASSERT_FALSE(clash.ok());
  EXPECT_EQ(clash.status().code(), Status::Code::kUnavailable);
  EXPECT_EQ(second.port(), 0);
}

}  // namespace
}  // namespace tdm::demo::detail
