#include "tdm/notifier/escalation.h"

#include <sstream>

namespace tdm::notifier {
namespace {

std::string Ask(const std::string& kind, const std::string& host) {
  if (kind == "hosting-abuse") {
    return "You provide hosting to " + host +
           ". As its hosting provider, please have the material below removed or disable "
           "access to it, under your acceptable use policy and, where it applies, the law "
           "cited in the notice.";
  }
  if (kind == "registrar-abuse") {
    return "You are the registrar of the domain of " + host +
           ". Please act on this report under your abuse policy (ICANN Registrar "
           "Accreditation Agreement, section 3.18) and ask the registrant to remove the "
           "material below.";
  }
  if (kind == "search-engine") {
    return "Please remove the URLs below from your search results: they show non-consensual "
           "intimate images of the person named in the notice.";
  }
  return "Please remove the material below, or disable access to it, without further delay.";
}

// One line per paragraph of the original, each prefixed "> " (RFC 3676 style).
std::string Quoted(const std::string& text) {
  std::istringstream lines(text);
  std::string line, out;
  while (std::getline(lines, line)) out += line.empty() ? ">\n" : "> " + line + "\n";
  return out;
}

}  // namespace

EscalationText DraftEscalation(const EscalationInput& in) {
  const std::string ref = "tdm request #" + std::to_string(in.request_id);
  EscalationText out;
  out.subject =
      (in.kind == "search-engine" ? "Delisting request: " : "Escalation: ") + in.original_subject;
  std::string b;
  b += "This is an escalation of a removal request (" + ref + ") about material on " + in.host +
       ".\n\n";
  b += "The request below was sent to " + in.first_recipient + " on " + in.sent_at + ".";
  if (!in.deadline.empty()) b += " Removal was due by " + in.deadline + ".";
  if (in.status == "rejected") {
    b += " The host refused to remove the material.";
  } else if (in.status == "partially_removed") {
    b += " The host removed only part of the material.";
  } else {
    b += " The material was not removed by then.";
  }
  b += "\n\n" + Ask(in.kind, in.host) + "\n\n";
  if (!in.still_up.empty()) {
    b += "Still reachable at our last check:\n\n";
    for (size_t i = 0; i < in.still_up.size(); ++i) {
      b += "  " + std::to_string(i + 1) + ". " + in.still_up[i] + "\n";
    }
    b += "\n";
  }
  b += "Please quote " + ref + " in any reply.\n\n";
  b += "---------- The original request ----------\n";
  b += "Subject: " + in.original_subject + "\n\n";
  b += Quoted(in.original_body);
  out.body = std::move(b);
  return out;
}

}  // namespace tdm::notifier
