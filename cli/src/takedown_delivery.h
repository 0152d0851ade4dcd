#pragma once

// `tdm takedowns send | verify | escalate | evidence | regime`: getting an
// approved notice to its recipient and following it to removal.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "tdm/common/home.h"
#include "tdm/common/status.h"
#include "tdm/notifier/smtp.h"

namespace tdm::cli {

// The mail server and sender: `<home>/smtp.conf` ("url = smtp://...",
// "from = ...", "from_name = ...", "user = ...", "password = ...",
// "require_tls = yes"; '#' comments), then TDM_SMTP_URL / TDM_SMTP_FROM /
// TDM_SMTP_USER / TDM_SMTP_PASSWORD, which override it. Errors:
// InvalidArgument for a bad line or an invalid result (no server, no sender).
Result<notifier::SmtpConfig> LoadSmtpConfig(const Home& home);

// Sends an approved request (or a pending escalation) by SMTP and marks it
// sent; a refusal is recorded and returned with the server's reply.
Result<std::string> SendTakedownNow(const Home& home, int64_t id, const std::string& actor);

// Re-checks the listed URLs of one sent request, or of every sent one, now.
Result<std::string> VerifyTakedowns(const Home& home, std::optional<int64_t> id);

// Moves an overdue, refused or partly honoured request on to `target`: a kind
// of recipient found for it ("hosting-abuse", "registrar-abuse",
// "security-txt", "site"), an email address, or "search-engine" (delisting;
// no email: exported for the engines' forms). Drafts the escalation text;
// `send` sends it.
Result<std::string> EscalateTakedown(const Home& home, int64_t id, const std::string& target,
                                     const std::string& actor, const std::string& reason);

// The request's evidence: a listing, and with `warc_out` a WARC file of every
// page record (warcinfo first).
Result<std::string> TakedownEvidence(const Home& home, int64_t id,
                                     const std::optional<std::filesystem::path>& warc_out);

}  // namespace tdm::cli
