#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "tdm/common/kafka.h"
#include "tdm/common/metrics.h"
#include "tdm/common/status.h"
#include "tdm/notifier/takedown_store.h"

namespace tdm::notifier {

struct NotifierConfig {
  std::string kafka_bootstrap;
  std::string pg_dsn;
  std::string group_id = "tdm-notifier";
  size_t batch_size = 64;
  std::chrono::milliseconds reconcile_every{5000};  // sweep for matches whose message was lost
  std::filesystem::path metrics_file;
  std::string metrics_address;             // GET /metrics here ("127.0.0.1:0"); empty: off
  std::filesystem::path metrics_url_file;  // where the served URL is written

  Status Validate() const;
};

class NotifierMetrics {
 public:
  explicit NotifierMetrics(MetricsRegistry& registry);
  void Drafted(bool new_request);
  void BadMessage();

 private:
  Counter requests_, items_, bad_messages_;
};

// Consumes tdm.matches and drafts one takedown request per (subject, site
// host), adding every matched URL as an item. Nothing is sent: requests wait
// in status `draft` for a person to approve them. Not thread-safe.
class Notifier {
 public:
  Notifier(TakedownStore& store, NotifierMetrics& metrics);
  Status HandleBatch(const std::vector<Message>& batch);
  Status Reconcile();
  // Sent or acknowledged requests past their removal deadline become overdue.
  Status MarkOverdue();

 private:
  Status Add(int64_t match_id);

  TakedownStore& store_;
  NotifierMetrics& metrics_;
};

int RunNotifierService(const NotifierConfig& config);

}  // namespace tdm::notifier
