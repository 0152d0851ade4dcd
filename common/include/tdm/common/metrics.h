#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

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

// A histogram (e.g. fetch latency in seconds); thread-safe to observe.
class Histogram {
 public:
  Histogram() = default;
  void Observe(double value) const;

 private:
  friend class MetricsRegistry;
  explicit Histogram(void* impl) : impl_(impl) {}
  void* impl_ = nullptr;  // a prometheus::Histogram owned by the registry
};

// A value that goes up and down (e.g. the age of the oldest queued page).
class Gauge {
 public:
  Gauge() = default;
  void Set(double value) const;

 private:
  friend class MetricsRegistry;
  explicit Gauge(void* impl) : impl_(impl) {}
  void* impl_ = nullptr;  // a prometheus::Gauge owned by the registry
};

// Owns a service's Prometheus metric families. Component probes
// (CrawlerMetrics, MatcherMetrics, ...) ask it for counters; domain code only
// talks to its probe. Services write the text exposition format to a file
// under the home folder (node-exporter textfile style) every few seconds, and
// serve them over HTTP for Prometheus to scrape (Serve). A family name
// belongs to one metric type.
class MetricsRegistry {
 public:
  MetricsRegistry();
  ~MetricsRegistry();
  Counter GetCounter(const std::string& family, const std::string& help,
                     const std::map<std::string, std::string>& labels = {});
  // `buckets`: upper bounds, ascending.
  Histogram GetHistogram(const std::string& family, const std::string& help,
                         const std::vector<double>& buckets,
                         const std::map<std::string, std::string>& labels = {});
  Gauge GetGauge(const std::string& family, const std::string& help,
                 const std::map<std::string, std::string>& labels = {});
  std::string Serialize() const;
  Status WriteTextFile(const std::filesystem::path& path) const;
  // Serves GET /metrics (prometheus-cpp's exposer) on `address`
  // ("127.0.0.1:9464"; port 0 picks a free one) until the registry is
  // destroyed. Returns the port. Errors: Unavailable when it cannot listen.
  Result<int> Serve(const std::string& address);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Sets up spdlog for a service: "[time] [service] [level] message" on stderr.
void InitLogging(const std::string& service, bool verbose);

}  // namespace tdm
