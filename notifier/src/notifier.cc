#include "tdm/notifier/notifier.h"

#include <spdlog/spdlog.h>

#include "tdm/common/messages.h"
#include "tdm/common/service_loop.h"
#include "tdm/notifier/draft.h"

namespace tdm::notifier {

Status NotifierConfig::Validate() const {
  if (kafka_bootstrap.empty()) return Status::InvalidArgument("notifier: no kafka bootstrap");
  if (pg_dsn.empty()) return Status::InvalidArgument("notifier: no postgres dsn");
  if (batch_size == 0) return Status::InvalidArgument("notifier: batch_size must be > 0");
  return Status::Ok();
}

NotifierMetrics::NotifierMetrics(MetricsRegistry& registry)
    : requests_(
          registry.GetCounter("tdm_notifier_requests_drafted_total", "Takedown requests drafted")),
      items_(registry.GetCounter("tdm_notifier_items_added_total", "Matched URLs added")),
      bad_messages_(registry.GetCounter("tdm_notifier_bad_messages_total", "Malformed messages")) {}

void NotifierMetrics::Drafted(bool new_request) {
  items_.Increment();
  if (new_request) requests_.Increment();
}

void NotifierMetrics::BadMessage() { bad_messages_.Increment(); }

Notifier::Notifier(TakedownStore& store, NotifierMetrics& metrics)
    : store_(store), metrics_(metrics) {}

Status Notifier::Add(int64_t match_id) {
  auto r = store_.AddMatch(match_id, DraftTakedown);
  if (!r.ok()) return r.status();
  if (r->new_item) {
    metrics_.Drafted(r->new_request);
    spdlog::info("match {} {} takedown request {}", match_id, r->new_request ? "opened" : "joined",
                 r->takedown_id);
  }
  return Status::Ok();
}

Status Notifier::HandleBatch(const std::vector<Message>& batch) {
  for (const Message& m : batch) {
    auto item = MatchItem::Decode(m.value);
    if (!item.ok()) {
      metrics_.BadMessage();
      spdlog::warn("matches {}/{}@{}: {}", m.topic, m.partition, m.offset,
                   item.status().ToString());
      continue;
    }
    if (Status s = Add(item->match_id); !s.ok()) return s;
  }
  return Status::Ok();
}

Status Notifier::MarkOverdue() {
  auto ids = store_.MarkOverdue();
  if (!ids.ok()) return ids.status();
  for (int64_t id : *ids) spdlog::info("takedown request {} is overdue", id);
  return Status::Ok();
}

Status Notifier::Reconcile() {
  auto ids = store_.UndraftedMatches(500);
  if (!ids.ok()) return ids.status();
  if (!ids->empty()) spdlog::info("drafting {} match(es) found by the sweep", ids->size());
  for (int64_t id : *ids) {
    if (Status s = Add(id); !s.ok()) return s;
  }
  return Status::Ok();
}

int RunNotifierService(const NotifierConfig& config) {
  if (Status s = config.Validate(); !s.ok()) return ExitWith(s, 2);
  auto store = MakePgTakedownStore(config.pg_dsn);
  MetricsRegistry registry;
  NotifierMetrics metrics(registry);
  Notifier notifier(*store, metrics);
  return RunKafkaService(
      {"notifier", config.kafka_bootstrap, config.group_id, std::string(kMatchesTopic),
       config.batch_size, config.metrics_file, config.metrics_address, config.metrics_url_file},
      registry, [&](const std::vector<Message>& b) { return notifier.HandleBatch(b); },
      {{"reconcile", config.reconcile_every, [&] { return notifier.Reconcile(); }},
       {"deadlines", config.reconcile_every, [&] { return notifier.MarkOverdue(); }}});
}

}  // namespace tdm::notifier
