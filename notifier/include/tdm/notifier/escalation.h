#pragma once

// The text of an escalation: when a host did not remove the material by its
// deadline (or refused), the notice goes on to whoever can act over its head
// (the hosting provider's abuse desk, the domain's registrar) or to search
// engines for delisting. Pure: no I/O, no clock.

#include <string>
#include <vector>

namespace tdm::notifier {

struct EscalationInput {
  int64_t request_id = 0;
  std::string kind;  // "hosting-abuse", "registrar-abuse", "security-txt", "site", "search-engine"
  std::string host;
  std::string first_recipient;  // who the notice went to first
  std::string sent_at;          // when ("2026-05-20 10:00 UTC")
  std::string deadline;         // when removal was due
  std::string status;           // what became of it: "overdue", "rejected", "partially_removed"
  std::vector<std::string> still_up;  // URLs still reachable at the last check
  std::string original_subject, original_body;
};

struct EscalationText {
  std::string subject;
  std::string body;
};

// A cover letter naming the first notice (date, recipient, deadline, what
// happened), the URLs still up, what is asked of this recipient (suspend the
// hosting of the material; act under the registrar's abuse policy; delist
// the URLs), then the original notice quoted in full.
EscalationText DraftEscalation(const EscalationInput& in);

}  // namespace tdm::notifier
