#pragma once

// The notifier's PostgreSQL view for everything after drafting: finding a
// request's recipients and regimes, keeping evidence, checking removal, and
// sending. Errors: Unavailable when the database is away; NotFound /
// InvalidArgument as each method says. Thread-safety: one per thread.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tdm/common/status.h"
#include "tdm/notifier/draft.h"
#include "tdm/notifier/recipients.h"
#include "tdm/notifier/removal_check.h"

namespace tdm::notifier {

// A draft whose recipients and regimes are to be (re)decided.
struct PrepareJob {
  int64_t takedown_id = 0;
  std::string origin;        // scheme://host[:port] of its pages
  std::string site_contact;  // the site's configured contact; may be empty
  bool allow_private = false;
};

// An item whose page has no sighting evidence yet.
struct EvidenceJob {
  int64_t takedown_id = 0;
  int64_t item_id = 0;
  ItemToCheck item;
  std::string match_kind;  // "sha256", "pdq", "face"...
};

// One evidence row: a page response (as a WARC record; never image bytes)
// and what it showed about the item.
struct EvidenceRecord {
  int64_t takedown_id = 0;
  int64_t item_id = 0;
  std::string kind;  // "sighting" or "check"
  std::string url, final_url;
  int http_status = 0;
  std::string headers;
  std::string image_url, image_sha256, image_pdq;
  std::string verdict, reason;
  std::string warc;  // empty: no page arrived
};

// The items of one sent request whose removal is to be checked.
struct CheckJob {
  int64_t takedown_id = 0;
  std::string status;
  std::vector<int64_t> item_ids;
  std::vector<ItemToCheck> items;  // parallel to item_ids
};

struct CheckedItem {
  int64_t item_id = 0;
  ItemVerdict verdict;
  std::string warc;  // the page as evidence; empty: none
};

// What a round of checks did to a request.
struct CheckOutcome {
  std::string status_before, status_after;
  int removed = 0, present = 0, unknown = 0;  // items, after this round
  // A removed request whose content is back at one of its URLs: the draft
  // that now lists it again (citing the removed request); 0: none.
  int64_t reopened_as = 0;
};

// A notice ready to go: an approved request, or an escalated one whose
// escalation is still to be sent.
struct OutgoingNotice {
  int64_t takedown_id = 0;
  bool escalation = false;
  std::string to, to_source;
  std::string subject, body;
  std::string message_id;  // fixed before the first attempt
  std::string references;  // the first notice's Message-ID, for an escalation
};

class DeliveryStore {
 public:
  virtual ~DeliveryStore() = default;

  // Drafts (at most `limit`) whose recipients and regimes are to be decided.
  virtual Result<std::vector<PrepareJob>> Unprepared(size_t limit) = 0;
  // RDAP / security.txt results per origin, until they expire.
  virtual Result<std::optional<RecipientResolution>> CachedRecipients(
      const std::string& origin) = 0;
  virtual Status CacheRecipients(const std::string& origin, const RecipientResolution& found,
                                 std::chrono::seconds ttl) = 0;
  // Stores the recipients (`found`, in order: the first is who the notice
  // goes to), chooses the regimes
  // unless a person set them, redrafts and marks the draft prepared. A
  // request that is no longer a draft is left alone.
  virtual Status Prepare(const PrepareJob& job, const RecipientResolution& found,
                         const std::function<Draft(const DraftInput&)>& draft) = 0;
  // Every draft is to be prepared again (the templates changed); returns how many.
  virtual Result<int> UnprepareDrafts() = 0;
  // Redrafts one request now (e.g. after its regimes changed).
  virtual Status Redraft(int64_t takedown_id,
                         const std::function<Draft(const DraftInput&)>& draft) = 0;

  virtual Result<std::vector<EvidenceJob>> ItemsWithoutEvidence(size_t limit) = 0;
  virtual Status RecordEvidence(const std::vector<EvidenceRecord>& records) = 0;

  // Sent requests whose next check is due (all of them when `due_only` is
  // false), or just request `only`; only items not yet removed. Removed
  // requests still watched (watch_until) come with all their items.
  virtual Result<std::vector<CheckJob>> ChecksDue(std::optional<int64_t> only, bool due_only,
                                                  size_t limit) = 0;
  // Stores the verdicts and evidence; moves the request to removed when
  // every item is gone (actor "tdm", with the reasons; then watched weekly
  // for 90 days), and schedules the next check from its regimes' check
  // interval. For a watched removed request, items found present again are
  // listed in the subject's draft for the host, which cites it.
  virtual Result<CheckOutcome> RecordChecks(const CheckJob& job,
                                            const std::vector<CheckedItem>& checked) = 0;

  // Sending. BeginSend fixes the Message-ID (kept across retries). Errors:
  // NotFound; InvalidArgument when the request is not approved (or escalated
  // with an unsent escalation), or has no recipient.
  virtual Result<OutgoingNotice> BeginSend(int64_t takedown_id,
                                           const std::string& from_address) = 0;
  // Marks it sent (deadline from its regimes) or records the escalation as
  // sent, with an event naming the recipient, the server and the Message-ID.
  virtual Result<std::string> FinishSend(const OutgoingNotice& notice, const std::string& actor,
                                         const std::string& via) = 0;
  // A refused or failed attempt, recorded as an event; the status stays.
  virtual Status SendFailed(const OutgoingNotice& notice, const std::string& actor,
                            const std::string& error) = 0;
};

std::unique_ptr<DeliveryStore> MakePgDeliveryStore(const std::string& dsn);

}  // namespace tdm::notifier
