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
};

// The main of a consuming service: subscribes, runs RunServiceLoop until
// SIGTERM/SIGINT, and writes `registry` to spec.metrics_file every 5 s and
// on the way out. Returns the process exit code (1 when Kafka is unusable).
int RunKafkaService(const ServiceSpec& spec, const MetricsRegistry& registry,
                    const std::function<Status(const std::vector<Message>&)>& handle,
                    std::vector<PeriodicTask> tasks);

// Logs `status` as the one line a failing service prints, and returns `code`.
int ExitWith(const Status& status, int code);

}  // namespace tdm
