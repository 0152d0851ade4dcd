#include "tdm/notifier/notifier.h"

#include <spdlog/spdlog.h>

#include "tdm/common/messages.h"
#include "tdm/common/service_loop.h"
#include "tdm/notifier/delivery.h"
#include "tdm/notifier/draft.h"
#include "tdm/notifier/template.h"

namespace tdm::notifier {

Status NotifierConfig::Validate() const {
  if (kafka_bootstrap.empty()) return Status::InvalidArgument("notifier: no kafka bootstrap");
  if (pg_dsn.empty()) return Status::InvalidArgument("notifier: no postgres dsn");
  if (batch_size == 0) return Status::InvalidArgument("notifier: batch_size must be > 0");
  if (rdap_url != "off" && rdap_url.rfind("http://", 0) != 0 &&
      rdap_url.rfind("https://", 0) != 0) {
    return Status::InvalidArgument("notifier: the RDAP URL must be http(s)://... or off, not '" +
                                   rdap_url + "'");
  }
  return Status::Ok();
}

NotifierMetrics::NotifierMetrics(MetricsRegistry& registry)
    : requests_(
          registry.GetCounter("tdm_notifier_requests_drafted_total", "Takedown requests drafted")),
      items_(registry.GetCounter("tdm_notifier_items_added_total", "Matched URLs added")),
      bad_messages_(registry.GetCounter("tdm_notifier_bad_messages_total", "Malformed messages")),
      prepared_(registry.GetCounter("tdm_notifier_drafts_prepared_total",
                                    "Drafts given recipients and regimes")),
      evidence_(registry.GetCounter("tdm_notifier_evidence_pages_total",
                                    "Sighted pages kept as evidence (or tried)")),
      removed_(registry.GetCounter("tdm_notifier_items_checked_removed_total",
                                   "Removal checks that found the item gone")),
      present_(registry.GetCounter("tdm_notifier_items_checked_present_total",
                                   "Removal checks that found the item still up")),
      unknown_(registry.GetCounter("tdm_notifier_items_checked_unknown_total",
                                   "Removal checks that could not tell (retried)")) {}

void NotifierMetrics::Prepared(int drafts) { prepared_.Increment(drafts); }
void NotifierMetrics::EvidenceKept(int pages) { evidence_.Increment(pages); }
void NotifierMetrics::Checked(int removed, int present, int unknown) {
  removed_.Increment(removed);
  present_.Increment(present);
  unknown_.Increment(unknown);
}

void NotifierMetrics::Drafted(bool new_request) {
  items_.Increment();
  if (new_request) requests_.Increment();
}

void NotifierMetrics::BadMessage() { bad_messages_.Increment(); }

Notifier::Notifier(TakedownStore& store, NotifierMetrics& metrics, DraftFn draft)
    : store_(store), metrics_(metrics), draft_(std::move(draft)) {}

Status Notifier::Add(int64_t match_id) {
  auto r = store_.AddMatch(match_id, draft_);
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
  auto templates = TemplateSet::Load(config.templates_dir.empty() ? TemplateSet::DefaultDir()
                                                                  : config.templates_dir);
  if (!templates.ok()) return ExitWith(templates.status(), 2);
  const DraftFn draft = [&](const DraftInput& in) { return DraftTakedown(*templates, in); };
  auto store = MakePgTakedownStore(config.pg_dsn);
  auto delivery = MakePgDeliveryStore(config.pg_dsn);
  FetcherOptions fetch;
  fetch.user_agent = config.user_agent;
  fetch.total_timeout = std::chrono::seconds(15);
  auto fetcher = MakeCurlFetcher(fetch);
  RecipientResolver resolver(*fetcher, config.rdap_url == "off" ? "" : config.rdap_url,
                             ResolveHostAddresses);
  RemovalChecker checker(*fetcher, RemovalCheckOptions());
  RecipientPreparer preparer(*delivery, resolver, draft, config.recipient_ttl);
  EvidenceKeeper evidence(*delivery, *fetcher);
  RemovalVerifier verifier(*delivery, checker);
  MetricsRegistry registry;
  NotifierMetrics metrics(registry);
  Notifier notifier(*store, metrics, draft);
  const auto prepare = [&]() -> Status {
    auto n = preparer.Run(20);
    if (n.ok()) metrics.Prepared(*n);
    return n.status();
  };
  const auto keep_evidence = [&]() -> Status {
    auto n = evidence.Run(32);
    if (n.ok()) metrics.EvidenceKept(*n);
    return n.status();
  };
  const auto check_removals = [&]() -> Status {
    auto reports = verifier.Run(std::nullopt, /*due_only=*/true);
    if (!reports.ok()) return reports.status();
    for (const CheckReport& r : *reports) {
      int removed = 0, present = 0, unknown = 0;
      for (ItemState state : r.states) {
        ++(state == ItemState::kRemoved   ? removed
           : state == ItemState::kPresent ? present
                                          : unknown);
      }
      metrics.Checked(removed, present, unknown);
    }
    return Status::Ok();
  };
  return RunKafkaService(
      {"notifier", config.kafka_bootstrap, config.group_id, std::string(kMatchesTopic),
       config.batch_size, config.metrics_file, config.metrics_address, config.metrics_url_file},
      registry, [&](const std::vector<Message>& b) { return notifier.HandleBatch(b); },
      {{"reconcile", config.reconcile_every, [&] { return notifier.Reconcile(); }},
       {"deadlines", config.reconcile_every, [&] { return notifier.MarkOverdue(); }},
       {"recipients", config.work_every, prepare},
       {"evidence", config.work_every, keep_evidence},
       {"removal checks", config.work_every, check_removals}});
}

}  // namespace tdm::notifier
