#include "tdm/common/metrics.h"

#include <prometheus/counter.h>
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
};

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
