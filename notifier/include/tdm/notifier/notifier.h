#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
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
  // How often the service looks for drafts to prepare, pages to keep as
  // evidence and sent requests due a removal check (each request's own
  // check interval comes from its regimes: regime_settings).
  std::chrono::milliseconds work_every{2000};
  // RDAP service for abuse and registrar contacts ($TDM_RDAP_URL; "off": no
  // RDAP lookups); lookups are cached per origin for recipient_ttl (failures
  // for 10 minutes).
  std::string rdap_url = "https://rdap.org";
  std::chrono::seconds recipient_ttl{7 * 24 * 3600};
  // Notice templates ($TDM_TEMPLATE_DIR, else the shipped ones); loaded and
  // checked at start: a broken template stops the service with its name.
  std::filesystem::path templates_dir;
  std::string user_agent = "tdm/0.1 (+takedown monitor)";
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
  void Prepared(int drafts);
  void EvidenceKept(int pages);
  // One round of removal checks: items found removed / still up / unknown.
  void Checked(int removed, int present, int unknown);

 private:
  Counter requests_, items_, bad_messages_, prepared_, evidence_, removed_, present_, unknown_;
};

// Consumes tdm.matches and drafts one takedown request per (subject, site
// host), adding every matched URL as an item. Nothing is sent by the service:
// requests wait in status `draft` for a person to approve and send them
// (`tdm takedowns approve`, `send`). Not thread-safe.
class Notifier {
 public:
  // `draft` renders a notice (DraftTakedown with the loaded templates).
  Notifier(TakedownStore& store, NotifierMetrics& metrics,
           std::function<Draft(const DraftInput&)> draft);
  Status HandleBatch(const std::vector<Message>& batch);
  Status Reconcile();
  // Sent or acknowledged requests past their removal deadline become overdue.
  Status MarkOverdue();

 private:
  Status Add(int64_t match_id);

  TakedownStore& store_;
  NotifierMetrics& metrics_;
  std::function<Draft(const DraftInput&)> draft_;
};

int RunNotifierService(const NotifierConfig& config);

}  // namespace tdm::notifier
