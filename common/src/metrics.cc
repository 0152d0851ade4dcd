#include "tdm/common/metrics.h"

#include <prometheus/counter.h>
#include <prometheus/exposer.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <mutex>
#include <sstream>

#include "tdm/common/home.h"

namespace tdm {

struct MetricsRegistry::Impl {
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  std::mutex mu;
  std::map<std::string, prometheus::Family<prometheus::Counter>*> families;
  std::map<std::string, prometheus::Family<prometheus::Histogram>*> histograms;
  std::map<std::string, prometheus::Family<prometheus::Gauge>*> gauges;
  std::unique_ptr<prometheus::Exposer> exposer;  // declared last: stops serving first
};

void Histogram::Observe(double value) const {
  if (impl_) static_cast<prometheus::Histogram*>(impl_)->Observe(value);
}

void Gauge::Set(double value) const {
  if (impl_) static_cast<prometheus::Gauge*>(impl_)->Set(value);
}

void Counter::Increment(double by) const {
  if (impl_) static_cast<prometheus::Counter*>(impl_)->Increment(by);
}

double Counter::Value() const {
  return impl_ ? static_cast<prometheus::Counter*>(impl_)->Value() : 0;
}

MetricsRegistry::MetricsRegistry() : impl_(std::make_unique<Impl>()) {}
MetricsRegistry::~MetricsRegistry() = default;

Counter MetricsRegistry::GetCounter(const std::string& family, const std::string& help,
                                    const std::map<std::string, std::string>& labels) {
  std::lock_guard lock(impl_->mu);
  auto& f = impl_->families[family];
  if (f == nullptr) {
    f = &prometheus::BuildCounter().Name(family).Help(help).Register(*impl_->registry);
  }
  return Counter(&f->Add(labels));
}

Histogram MetricsRegistry::GetHistogram(const std::string& family, const std::string& help,
                                        const std::vector<double>& buckets,
                                        const std::map<std::string, std::string>& labels) {
  std::lock_guard lock(impl_->mu);
  auto& f = impl_->histograms[family];
  if (f == nullptr) {
    f = &prometheus::BuildHistogram().Name(family).Help(help).Register(*impl_->registry);
  }
  return Histogram(&f->Add(labels, prometheus::Histogram::BucketBoundaries(buckets)));
}

Gauge MetricsRegistry::GetGauge(const std::string& family, const std::string& help,
                                const std::map<std::string, std::string>& labels) {
  std::lock_guard lock(impl_->mu);
  auto& f = impl_->gauges[family];
  if (f == nullptr) {
    f = &prometheus::BuildGauge().Name(family).Help(help).Register(*impl_->registry);
  }
  return Gauge(&f->Add(labels));
}

Result<int> MetricsRegistry::Serve(const std::string& address) {
  try {
    auto exposer = std::make_unique<prometheus::Exposer>(address, /*num_threads=*/1);
    exposer->RegisterCollectable(impl_->registry);
    const std::vector<int> ports = exposer->GetListeningPorts();
    if (ports.empty()) return Status::Unavailable("metrics: not listening on " + address);
    std::lock_guard lock(impl_->mu);
    impl_->exposer = std::move(exposer);
    return ports.front();
  } catch (const std::exception& e) {
    return Status::Unavailable("metrics: cannot listen on " + address + ": " + e.what());
  }
}

std::string MetricsRegistry::Serialize() const {
  prometheus::TextSerializer serializer;
  std::ostringstream out;
  serializer.Serialize(out, impl_->registry->Collect());
  return out.str();
}

Status MetricsRegistry::WriteTextFile(const std::filesystem::path& path) const {
  return WriteFileAtomically(path, Serialize());
}

void InitLogging(const std::string& service, bool verbose) {
  auto logger = spdlog::stderr_color_mt(service);
  logger->set_pattern("[%Y-%m-%d %H:%M:%S.%e] [%n] [%l] %v");
  logger->set_level(verbose ? spdlog::level::debug : spdlog::level::info);
  spdlog::set_default_logger(logger);
  spdlog::flush_every(std::chrono::seconds(1));
}

}  // namespace tdm
