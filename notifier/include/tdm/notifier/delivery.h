#pragma once

// The notifier's work after drafting, each step a small class over the
// DeliveryStore: finding recipients, keeping evidence, checking removal and
// sending. The service runs the first three on a schedule; `tdm takedowns
// send` and `verify` run them on demand. Not thread-safe: one per thread.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "tdm/common/fetcher.h"
#include "tdm/common/status.h"
#include "tdm/notifier/delivery_store.h"
#include "tdm/notifier/recipients.h"
#include "tdm/notifier/removal_check.h"
#include "tdm/notifier/smtp.h"

namespace tdm::notifier {

using DraftFn = std::function<Draft(const DraftInput&)>;

// The notifier's per-host budget for evidence and removal checks: a few
// requests per notice, spaced less than a crawl's (1 s) but never a burst.
inline const HostGate::Policy kNoticePoliteness{std::chrono::milliseconds(200), 2};

// Decides who each new draft goes to (the site's contact, else RDAP and
// security.txt, cached per origin for `ttl`) and under which regimes, then
// redrafts it. Borrowed references outlive the object.
class RecipientPreparer {
 public:
  RecipientPreparer(DeliveryStore& store, RecipientResolver& resolver, DraftFn draft,
                    std::chrono::seconds ttl = std::chrono::hours(24 * 7));
  // Prepares up to `limit` drafts; returns how many.
  Result<int> Run(size_t limit);

 private:
  DeliveryStore& store_;
  RecipientResolver& resolver_;
  DraftFn draft_;
  std::chrono::seconds ttl_;
};

// Keeps, for each item of a request, its page as it was when sighted: the
// response as a WARC record plus the image's hashes (never image bytes).
// Each page is fetched once per round however many items it holds, within
// `politeness` per host.
class EvidenceKeeper {
 public:
  EvidenceKeeper(DeliveryStore& store, Fetcher& fetcher,
                 HostGate::Policy politeness = kNoticePoliteness);
  Result<int> Run(size_t limit);

 private:
  DeliveryStore& store_;
  Fetcher& fetcher_;
  HostGate::Policy politeness_;
};

// One request's checks: its status before and after, and each item's verdict.
struct CheckReport {
  int64_t takedown_id = 0;
  CheckOutcome outcome;
  std::vector<ItemState> states;   // each item checked, in order
  std::vector<std::string> lines;  // "removed  URL  (reason)"
};

// Re-fetches the listed URLs of sent requests and stores what it found: an
// item is removed only on positive evidence (404/410, image gone, hash no
// longer on the page); a request whose items are all removed becomes
// removed. `only`: one request, checked now; else the due ones (all sent
// ones when `due_only` is false).
class RemovalVerifier {
 public:
  RemovalVerifier(DeliveryStore& store, RemovalChecker& checker);
  Result<std::vector<CheckReport>> Run(std::optional<int64_t> only, bool due_only,
                                       size_t limit = 50);

 private:
  DeliveryStore& store_;
  RemovalChecker& checker_;
};

// Sends request `id` (approved, or an escalation) by SMTP and records it:
// sent with its Message-ID and deadline, or the refusal as an event (the
// request stays as it was and can be sent again with the same Message-ID).
// Returns the event's description; errors: those of BeginSend, and Refused
// / Unavailable from the mail server, with its reply.
Result<std::string> SendTakedown(DeliveryStore& store, Mailer& mailer, const SmtpConfig& smtp,
                                 int64_t id, const std::string& actor);

// The notice as an email (From the configured sender, To its recipient).
EmailMessage NoticeEmail(const OutgoingNotice& notice, const SmtpConfig& smtp);

}  // namespace tdm::notifier
