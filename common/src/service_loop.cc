#include "tdm/common/service_loop.h"

#include <spdlog/spdlog.h>

#include <csignal>
#include <thread>

#include "tdm/common/home.h"

namespace tdm {
namespace {

std::atomic<bool> g_stop{false};

void OnSignal(int) { g_stop.store(true); }

using SteadyClock = std::chrono::steady_clock;

void SleepUnlessStopped(std::chrono::milliseconds d, const std::atomic<bool>& stop) {
  const auto until = SteadyClock::now() + d;
  while (!stop.load() && SteadyClock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace

const std::atomic<bool>& StopOnSignals() {
  std::signal(SIGTERM, OnSignal);
  std::signal(SIGINT, OnSignal);
  return g_stop;
}

void RunServiceLoop(const std::string& service, Consumer& consumer,
                    const std::function<Status(const std::vector<Message>&)>& handle,
                    std::vector<PeriodicTask> tasks, const std::atomic<bool>& stop,
                    const ServiceLoopOptions& options) {
  std::vector<SteadyClock::time_point> next_run(tasks.size(), SteadyClock::now());
  spdlog::info("{} running", service);
  while (!stop.load()) {
    for (size_t i = 0; i < tasks.size(); ++i) {
      if (SteadyClock::now() < next_run[i]) continue;
      Status s = tasks[i].run();
      if (!s.ok()) spdlog::warn("{}: {}", tasks[i].name, s.ToString());
      next_run[i] = SteadyClock::now() + tasks[i].every;
    }
    auto batch = consumer.Poll(options.batch_size, options.poll_timeout);
    if (!batch.ok()) {
      spdlog::warn("poll: {}", batch.status().ToString());
      SleepUnlessStopped(std::chrono::seconds(1), stop);
      continue;
    }
    if (batch->empty()) continue;
    std::chrono::milliseconds backoff(200);
    while (!stop.load()) {
      Status s = handle(*batch);
      if (s.ok()) break;
      if (s.code() != Status::Code::kUnavailable) {
        spdlog::error("batch of {} failed, skipped: {}", batch->size(), s.ToString());
        break;
      }
      spdlog::warn("batch of {} will be retried in {} ms: {}", batch->size(), backoff.count(),
                   s.ToString());
      SleepUnlessStopped(backoff, stop);
      backoff = std::min(backoff * 2, options.max_backoff);
    }
    if (stop.load()) break;  // uncommitted: redelivered to whoever runs next
    Status c = consumer.Commit(*batch);
    if (!c.ok()) spdlog::warn("{}", c.ToString());
  }
  spdlog::info("{} stopping", service);
}

int RunKafkaService(const ServiceSpec& spec, MetricsRegistry& registry,
                    const std::function<Status(const std::vector<Message>&)>& handle,
                    std::vector<PeriodicTask> tasks) {
  const auto& stop = StopOnSignals();
  if (!spec.metrics_address.empty()) {
    auto port = registry.Serve(spec.metrics_address);
    if (!port.ok()) return ExitWith(port.status(), 2);
    const std::string host = spec.metrics_address.substr(0, spec.metrics_address.rfind(':'));
    const std::string url = "http://" + (host.empty() || host == "0.0.0.0" ? "127.0.0.1" : host) +
                            ":" + std::to_string(*port) + "/metrics";
    spdlog::info("metrics at {}", url);
    if (!spec.metrics_url_file.empty())
      (void)WriteFileAtomically(spec.metrics_url_file, url + "\n");
  }
  auto consumer =
      MakeKafkaConsumer({spec.kafka_bootstrap, "tdm-" + spec.name}, spec.group_id, {spec.topic});
  if (!consumer.ok()) return ExitWith(consumer.status(), 1);
  if (!spec.metrics_file.empty()) {
    tasks.push_back({"metrics", std::chrono::seconds(5),
                     [&] { return registry.WriteTextFile(spec.metrics_file); }});
  }
  ServiceLoopOptions options;
  options.batch_size = spec.batch_size;
  RunServiceLoop(spec.name, **consumer, handle, std::move(tasks), stop, options);
  if (!spec.metrics_file.empty()) (void)registry.WriteTextFile(spec.metrics_file);
  return 0;
}

int ExitWith(const Status& status, int code) {
  spdlog::error("{}", status.ToString());
  return code;
}

}  // namespace tdm
