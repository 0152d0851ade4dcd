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

namespace {

// The notice templates, which a legal team may edit while the service runs:
// reloaded when a file in their folder changes (name, size or time); a broken
// edit is logged and the last good set kept. Drafts then follow the new text.
class LiveTemplates {
 public:
  LiveTemplates(std::filesystem::path dir, TemplateSet loaded)
      : dir_(std::move(dir)), current_(std::move(loaded)), stamp_(Stamp()) {}

  Draft Render(const DraftInput& in) const { return DraftTakedown(current_, in); }

  // True when a changed folder was loaded.
  bool Reload() {
    const std::string stamp = Stamp();
    if (stamp == stamp_) return false;
    stamp_ = stamp;
    auto loaded = TemplateSet::Load(dir_);
    if (!loaded.ok()) {
      spdlog::error("templates in {} not reloaded, the last good ones stay: {}", dir_.string(),
                    loaded.status().ToString());
      return false;
    }
    current_ = std::move(*loaded);
    spdlog::info("templates in {} reloaded", dir_.string());
    return true;
  }

 private:
  std::string Stamp() const {
    std::error_code ec;
    std::string out;
    for (const auto& e : std::filesystem::directory_iterator(dir_, ec)) {
      std::error_code fe;
      out += e.path().filename().string() + ":" + std::to_string(e.file_size(fe)) + ":" +
             std::to_string(e.last_write_time(fe).time_since_epoch().count()) + ";";
    }
    return out;
  }

  std::filesystem::path dir_;
  TemplateSet current_;
  std::string stamp_;
};

}  // namespace

int RunNotifierService(const NotifierConfig& config) {
  if (Status s = config.Validate(); !s.ok()) return ExitWith(s, 2);
  const std::filesystem::path templates_dir =
      config.templates_dir.empty() ? TemplateSet::DefaultDir() : config.templates_dir;
  auto loaded = TemplateSet::Load(templates_dir);
  if (!loaded.ok()) return ExitWith(loaded.status(), 2);
  LiveTemplates templates(templates_dir, std::move(*loaded));
  const DraftFn draft = [&](const DraftInput& in) { return templates.Render(in); };
  auto store = MakePgTakedownStore(config.pg_dsn);
  auto delivery = MakePgDeliveryStore(config.pg_dsn);
  FetcherOptions fetch;
  fetch.user_agent = config.user_agent;
  fetch.total_timeout = std::chrono::seconds(15);
  auto fetcher = MakeCurlFetcher(fetch);
  RecipientResolver resolver(*fetcher, config.rdap_url == "off" ? "" : config.rdap_url,
                             ResolveHostAddresses);
  RemovalCheckOptions check_options;
  check_options.politeness = kNoticePoliteness;
  RemovalChecker checker(*fetcher, check_options);
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
       {"templates", std::chrono::seconds(5),
        [&]() -> Status {
          if (!templates.Reload()) return Status::Ok();
          auto n = delivery->UnprepareDrafts();
          if (n.ok()) spdlog::info("{} draft(s) will be redrafted from the new templates", *n);
          return n.status();
        }},
       {"recipients", config.work_every, prepare},
       {"evidence", config.work_every, keep_evidence},
       {"removal checks", config.work_every, check_removals}});
}

}  // namespace tdm::notifier
