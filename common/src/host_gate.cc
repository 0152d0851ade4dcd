#include "tdm/common/host_gate.h"

#include <algorithm>

namespace tdm {

std::optional<HostGate::Clock::time_point> HostGate::NextStart(const std::string& host,
                                                               const Policy& policy,
                                                               Clock::time_point now) const {
  auto it = hosts_.find(host);
  if (it == hosts_.end()) return now;
  const State& s = it->second;
  if (policy.max_concurrency > 0 && s.in_flight >= policy.max_concurrency) return std::nullopt;
  const Clock::time_point earliest =
      s.last_start == Clock::time_point{} ? now : s.last_start + policy.min_interval;
  return std::max({now, earliest, s.not_before});
}

void HostGate::Defer(const std::string& host, Clock::time_point until) {
  State& s = hosts_[host];
  s.not_before = std::max(s.not_before, until);
}

void HostGate::Started(const std::string& host, Clock::time_point at) {
  if (hosts_.size() > kPruneAbove) Prune(at);
  State& s = hosts_[host];
  s.last_start = std::max(s.last_start, at);
  ++s.in_flight;
}

void HostGate::Finished(const std::string& host) {
  auto it = hosts_.find(host);
  if (it != hosts_.end() && it->second.in_flight > 0) --it->second.in_flight;
}

void HostGate::Prune(Clock::time_point now) {
  std::erase_if(hosts_, [&](const auto& entry) {
    return entry.second.in_flight == 0 && now - entry.second.last_start > std::chrono::hours(1) &&
           entry.second.not_before < now;
  });
}

}  // namespace tdm
