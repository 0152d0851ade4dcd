#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "tdm/common/kafka.h"
#include "tdm/common/metrics.h"
#include "tdm/common/status.h"

namespace tdm {

// A task a service runs every `every` besides consuming (reconcile sweeps,
// metrics dumps). Its failures are logged and retried next time.
struct PeriodicTask {
  std::string name;
  std::chrono::milliseconds every;
  std::function<Status()> run;
};

struct ServiceLoopOptions {
  size_t batch_size = 32;
  std::chrono::milliseconds poll_timeout{500};
  std::chrono::milliseconds max_backoff{5000};
};

// The consume-process-commit loop every tdm service shares. `handle` must be
// idempotent and must return ok only once the batch's effects are durable;
// an Unavailable result (database or broker away) retries the same batch with
// backoff, so nothing is lost, and offsets are committed only after success.
// Any other error is a bug in the handler: it is logged and the batch is
// committed so one poisoned batch cannot stall a partition forever.
// Returns when `stop` becomes true.
void RunServiceLoop(const std::string& service, Consumer& consumer,
                    const std::function<Status(const std::vector<Message>&)>& handle,
                    std::vector<PeriodicTask> tasks, const std::atomic<bool>& stop,
                    const ServiceLoopOptions& options = {});

// Installs SIGTERM/SIGINT handlers that set the returned flag.
const std::atomic<bool>& StopOnSignals();

// What RunKafkaService needs to know of a service.
struct ServiceSpec {
  std::string name;  // "crawler", for logs
  std::string kafka_bootstrap;
  std::string group_id;
  std::string topic;  // the one topic it consumes
  size_t batch_size = 32;
  std::filesystem::path metrics_file;  // empty: metrics are not written
  // Where Prometheus scrapes GET /metrics ("127.0.0.1:0": a free port);
  // empty: not served. The URL is written to metrics_url_file when set.
  std::string metrics_address;
  std::filesystem::path metrics_url_file;
};

// The main of a consuming service: subscribes, runs RunServiceLoop until
// SIGTERM/SIGINT, serves `registry` over HTTP and writes it to
// spec.metrics_file every 5 s and on the way out. Returns the process exit
// code (1 when Kafka is unusable, 2 when the metrics address cannot be used).
int RunKafkaService(const ServiceSpec& spec, MetricsRegistry& registry,
                    const std::function<Status(const std::vector<Message>&)>& handle,
                    std::vector<PeriodicTask> tasks);

// Logs `status` as the one line a failing service prints, and returns `code`.
int ExitWith(const Status& status, int code);

}  // namespace tdm
