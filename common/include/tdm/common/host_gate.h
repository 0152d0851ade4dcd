#pragma once

// Per-host politeness for one fetcher: at most `max_concurrency` requests in
// flight to a host, and at least `min_interval` between the starts of two
// requests to it. The state outlives a batch, so the spacing holds from one
// batch to the next. Because the frontier is partitioned by host, one crawler
// process owns a host at a time, and its gate is the host's whole budget.
//
// Pure bookkeeping on a caller-supplied clock (time points are arguments), so
// it is tested without sleeping. Not thread-safe: one per fetcher.

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <unordered_map>

namespace tdm {

class HostGate {
 public:
  using Clock = std::chrono::steady_clock;

  struct Policy {
    std::chrono::milliseconds min_interval{0};
    int max_concurrency = 0;  // 0: no limit
  };

  // When a request to `host` may start: `now` or later. nullopt while the
  // host is at its concurrency limit (ask again after a Finished()).
  std::optional<Clock::time_point> NextStart(const std::string& host, const Policy& policy,
                                             Clock::time_point now) const;
  void Started(const std::string& host, Clock::time_point at);
  void Finished(const std::string& host);
  // No request to `host` starts before `until` (the host said 429 or 503,
  // perhaps with Retry-After).
  void Defer(const std::string& host, Clock::time_point until);

  size_t hosts() const { return hosts_.size(); }

 private:
  struct State {
    Clock::time_point last_start{};
    Clock::time_point not_before{};
    int in_flight = 0;
  };
  // Hosts idle for an hour are forgotten once this many are known.
  static constexpr size_t kPruneAbove = 10000;
  void Prune(Clock::time_point now);

  std::unordered_map<std::string, State> hosts_;
};

}  // namespace tdm
