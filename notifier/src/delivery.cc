#include "tdm/notifier/delivery.h"

#include <spdlog/spdlog.h>

#include <map>
#include <random>

#include "tdm/common/url.h"
#include "tdm/notifier/email.h"
#include "tdm/notifier/warc.h"

namespace tdm::notifier {
namespace {

// A page response and the item's hashes as two WARC records (response +
// metadata); empty when no page arrived or it was not a page (never image
// bytes: WarcResponseRecord refuses them).
std::string EvidenceWarc(const WarcCapture& page, const ItemToCheck& item,
                         std::vector<std::pair<std::string, std::string>> fields,
                         std::string* problem) {
  static thread_local std::mt19937_64 ids{std::random_device{}()};
  const std::string response_id = NewWarcRecordId(ids(), ids());
  auto response = WarcResponseRecord(page, response_id);
  if (!response.ok()) {
    *problem = response.status().message();
    return "";
  }
  fields.insert(fields.begin(), {{"image-url", item.image_url},
                                 {"image-sha256", item.sha256_hex},
                                 {"image-pdq", item.pdq_hex}});
  return *response + WarcMetadataRecord(page.target_uri, page.date, response_id, fields,
                                        NewWarcRecordId(ids(), ids()));
}

}  // namespace

RecipientPreparer::RecipientPreparer(DeliveryStore& store, RecipientResolver& resolver,
                                     DraftFn draft, std::chrono::seconds ttl)
    : store_(store), resolver_(resolver), draft_(std::move(draft)), ttl_(ttl) {}

Result<int> RecipientPreparer::Run(size_t limit) {
  auto jobs = store_.Unprepared(limit);
  if (!jobs.ok()) return jobs.status();
  int done = 0;
  for (const PrepareJob& job : *jobs) {
    auto cached = store_.CachedRecipients(job.origin);
    if (!cached.ok()) return cached.status();
    RecipientResolution found;
    if (cached->has_value()) {
      found = **cached;
    } else {
      RecipientQuery query;
      query.site_url = job.origin + "/";
      query.allow_private = job.allow_private;
      found = resolver_.ResolveFromNetwork(query);
      for (const auto& p : found.problems) spdlog::warn("recipients for {}: {}", job.origin, p);
      // Failed lookups are retried sooner than good answers.
      const auto ttl = found.candidates.empty() ? std::chrono::seconds(600) : ttl_;
      if (Status s = store_.CacheRecipients(job.origin, found, ttl); !s.ok()) return s;
    }
    found = WithSiteContact(std::move(found), job.site_contact);
    if (Status s = store_.Prepare(job, found, draft_); !s.ok()) return s;
    spdlog::info("takedown request {} prepared: {} recipient candidate(s) for {}", job.takedown_id,
                 found.candidates.size(), job.origin);
    ++done;
  }
  return done;
}

EvidenceKeeper::EvidenceKeeper(DeliveryStore& store, Fetcher& fetcher, HostGate::Policy politeness)
    : store_(store), fetcher_(fetcher), politeness_(politeness) {}

Result<int> EvidenceKeeper::Run(size_t limit) {
  auto jobs = store_.ItemsWithoutEvidence(limit);
  if (!jobs.ok()) return jobs.status();
  if (jobs->empty()) return 0;
  std::vector<FetchRequest> requests;
  std::map<std::string, size_t> page_of;  // page URL -> its request
  std::vector<size_t> response_of;        // per job
  for (const EvidenceJob& job : *jobs) {
    auto [it, fresh] = page_of.try_emplace(job.item.page_url, requests.size());
    response_of.push_back(it->second);
    if (!fresh) continue;
    FetchRequest req;
    req.url = job.item.page_url;
    req.allow_private = job.item.allow_private;
    req.private_host = job.item.private_host;
    req.headers = job.item.session_headers;
    req.cookie = job.item.session_cookie;
    req.host_key = HostKeyOf(req.url);
    req.politeness = politeness_;
    requests.push_back(std::move(req));
  }
  auto responses = fetcher_.FetchAll(requests);
  responses.resize(requests.size());
  std::vector<EvidenceRecord> records;
  for (size_t i = 0; i < jobs->size(); ++i) {
    const EvidenceJob& job = (*jobs)[i];
    const FetchResponse& resp = responses[response_of[i]];
    EvidenceRecord e;
    e.takedown_id = job.takedown_id;
    e.item_id = job.item_id;
    e.kind = "sighting";
    e.url = job.item.page_url;
    e.final_url = resp.final_url;
    e.http_status = resp.http_status;
    e.headers = resp.response_headers;
    e.image_url = job.item.image_url;
    e.image_sha256 = job.item.sha256_hex;
    e.image_pdq = job.item.pdq_hex;
    e.verdict = "sighted";
    if (!resp.status.ok() || resp.http_status == 0) {
      e.reason = "page not captured: " + resp.status.ToString();
    } else {
      WarcCapture page;
      page.target_uri = resp.final_url.empty() ? job.item.page_url : resp.final_url;
      page.date = std::chrono::system_clock::now();
      page.ip = resp.remote_ip;
      page.http_headers = resp.response_headers;
      page.body = resp.body;
      std::string problem;
      e.warc = EvidenceWarc(page, job.item, {{"match-kind", job.match_kind}}, &problem);
      e.reason = e.warc.empty() ? "page not recorded: " + problem
                                : "page captured (HTTP " + std::to_string(resp.http_status) + ")";
    }
    records.push_back(std::move(e));
  }
  if (Status s = store_.RecordEvidence(records); !s.ok()) return s;
  return static_cast<int>(records.size());
}

RemovalVerifier::RemovalVerifier(DeliveryStore& store, RemovalChecker& checker)
    : store_(store), checker_(checker) {}

Result<std::vector<CheckReport>> RemovalVerifier::Run(std::optional<int64_t> only, bool due_only,
                                                      size_t limit) {
  auto jobs = store_.ChecksDue(only, due_only, limit);
  if (!jobs.ok()) return jobs.status();
  std::vector<CheckReport> reports;
  for (const CheckJob& job : *jobs) {
    const auto verdicts = checker_.Check(job.items);
    std::vector<CheckedItem> checked;
    CheckReport report;
    report.takedown_id = job.takedown_id;
    for (size_t i = 0; i < verdicts.size() && i < job.items.size(); ++i) {
      CheckedItem c;
      c.item_id = job.item_ids[i];
      c.verdict = verdicts[i];
      if (verdicts[i].page_capture) {
        std::string problem;
        c.warc = EvidenceWarc(
            *verdicts[i].page_capture, job.items[i],
            {{"verdict", ItemStateName(verdicts[i].state)}, {"reason", verdicts[i].reason}},
            &problem);
      }
      report.states.push_back(verdicts[i].state);
      report.lines.push_back(std::string(ItemStateName(verdicts[i].state)) + "  " +
                             job.items[i].image_url + "  (" + verdicts[i].reason + ")");
      checked.push_back(std::move(c));
    }
    auto outcome = store_.RecordChecks(job, checked);
    if (!outcome.ok()) return outcome.status();
    report.outcome = *outcome;
    if (outcome->status_before != outcome->status_after) {
      spdlog::info("takedown request {}: {} -> {} ({} removed, {} still up)", job.takedown_id,
                   outcome->status_before, outcome->status_after, outcome->removed,
                   outcome->present);
    }
    reports.push_back(std::move(report));
  }
  return reports;
}

EmailMessage NoticeEmail(const OutgoingNotice& notice, const SmtpConfig& smtp) {
  EmailMessage m;
  m.from = smtp.from;
  m.from_name = smtp.from_name;
  m.to = {notice.to};
  m.subject = notice.subject;
  m.body = notice.body;
  m.message_id = notice.message_id;
  m.date = std::chrono::system_clock::now();
  if (!notice.references.empty()) {
    m.in_reply_to = "<" + notice.references + ">";
    m.references = "<" + notice.references + ">";
  }
  m.extra_headers.push_back({"X-TDM-Request", std::to_string(notice.takedown_id)});
  return m;
}

Result<std::string> SendTakedown(DeliveryStore& store, Mailer& mailer, const SmtpConfig& smtp,
                                 int64_t id, const std::string& actor) {
  auto notice = store.BeginSend(id, smtp.from);
  if (!notice.ok()) return notice.status();
  auto receipt = mailer.Send(NoticeEmail(*notice, smtp));
  if (!receipt.ok()) {
    if (Status s = store.SendFailed(*notice, actor, receipt.status().ToString()); !s.ok()) {
      spdlog::warn("takedown {}: could not record the failed attempt: {}", id, s.ToString());
    }
    return receipt.status();
  }
  return store.FinishSend(*notice, actor, smtp.url);
}

}  // namespace tdm::notifier
