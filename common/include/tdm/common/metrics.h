#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "tdm/common/status.h"

namespace tdm {

// A counter handed out by MetricsRegistry; cheap to copy, thread-safe to bump.
class Counter {
 public:
  Counter() = default;
  void Increment(double by = 1) const;
  double Value() const;

 private:
  friend class MetricsRegistry;
  explicit Counter(void* impl) : impl_(impl) {}
  void* impl_ = nullptr;  // a prometheus::Counter owned by the registry
};

// Owns a service's Prometheus metric families. Component probes
// (CrawlerMetrics, MatcherMetrics, ...) ask it for counters; domain code only
// talks to its probe. Services write the text exposition format to a file
// under the home folder (node-exporter textfile style) every few seconds.
class MetricsRegistry {
 public:
  MetricsRegistry();
  ~MetricsRegistry();
  Counter GetCounter(const std::string& family, const std::string& help,
                     const std::map<std::string, std::string>& labels = {});
  std::string Serialize() const;
  Status WriteTextFile(const std::filesystem::path& path) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Sets up spdlog for a service: "[time] [service] [level] message" on stderr.
void InitLogging(const std::string& service, bool verbose);

}  // namespace tdm
