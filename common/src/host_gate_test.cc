#include "tdm/common/host_gate.h"

#include <gtest/gtest.h>

namespace tdm {
namespace {

using namespace std::chrono_literals;
using TimePoint = HostGate::Clock::time_point;

TEST(HostGate, SpacesStartsAndCapsConcurrencyPerHost) {
  HostGate gate;
  const HostGate::Policy polite{1000ms, 2};
  const TimePoint t0 = TimePoint{} + 100h;
  // First request to a host: now.
  ASSERT_EQ(gate.NextStart("a", polite, t0), t0);
  gate.Started("a", t0);
  // The next one a second after the first started, not before.
  EXPECT_EQ(gate.NextStart("a", polite, t0 + 300ms), t0 + 1000ms);
  EXPECT_EQ(gate.NextStart("a", polite, t0 + 1500ms), t0 + 1500ms);
  gate.Started("a", t0 + 1500ms);
  // Two in flight: the third waits for one to finish, whatever the time.
  EXPECT_EQ(gate.NextStart("a", polite, t0 + 10s), std::nullopt);
  gate.Finished("a");
  EXPECT_EQ(gate.NextStart("a", polite, t0 + 2000ms), t0 + 2500ms);
  // Other hosts are independent.
  EXPECT_EQ(gate.NextStart("b", polite, t0 + 300ms), t0 + 300ms);
  // No policy: no waiting.
  EXPECT_EQ(gate.NextStart("a", {}, t0 + 1600ms), t0 + 1600ms);
}

TEST(HostGate, ADeferredHostWaitsUntilTheTimeItAskedFor) {
  HostGate gate;
  const TimePoint t0 = TimePoint{} + 100h;
  gate.Started("a", t0);
  gate.Finished("a");
  gate.Defer("a", t0 + 30s);  // 429 with Retry-After: 30
  EXPECT_EQ(gate.NextStart("a", {1000ms, 2}, t0 + 2s), t0 + 30s);
  gate.Defer("a", t0 + 10s);  // an earlier deferral does not shorten it
  EXPECT_EQ(gate.NextStart("a", {}, t0 + 2s), t0 + 30s);
  EXPECT_EQ(gate.NextStart("b", {}, t0 + 2s), t0 + 2s);
  gate.Defer("new", t0 + 5s);  // a host never started can be deferred too
  EXPECT_EQ(gate.NextStart("new", {}, t0), t0 + 5s);
}

TEST(HostGate, FinishedWithoutStartIsHarmlessAndIdleHostsArePruned) {
  HostGate gate;
  gate.Finished("never-started");
  const TimePoint t0 = TimePoint{} + 100h;
  for (int i = 0; i < 10002; ++i) {
    gate.Started("h" + std::to_string(i), t0);
    gate.Finished("h" + std::to_string(i));
  }
  EXPECT_GT(gate.hosts(), 10000u);
  gate.Started("late", t0 + 2h);  // the old ones have been idle for 2 hours
  EXPECT_EQ(gate.hosts(), 1u);
}

}  // namespace
}  // namespace tdm
