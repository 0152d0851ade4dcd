#pragma once

// Sending e-mail: the Mailer interface and its SMTP adapter over libcurl
// (smtp_curl.cc; this header includes no curl header).

#include <chrono>
#include <memory>
#include <string>

#include "tdm/common/status.h"
#include "tdm/notifier/email.h"

namespace tdm::notifier {

// Where and as whom notices are sent. Validated once at start-up.
struct SmtpConfig {
  // "smtp://host[:port]" (STARTTLS when offered, see require_tls) or
  // "smtps://host[:port]" (TLS from the first byte). A path, if any, is the
  // name sent in EHLO. Credentials never go in the URL.
  std::string url;
  std::string from;       // envelope sender and From: when a message has none
  std::string from_name;  // From: display name when a message has no from
  std::string username;   // SMTP AUTH; empty means no AUTH
  std::string password;   // never logged, never in a Status message
  // false: STARTTLS when the server offers it, else plain text.
  // true: refuse to send unless the connection is encrypted.
  bool require_tls = false;
  std::chrono::seconds timeout{30};  // connect, and the whole conversation

  // InvalidArgument, naming the field, when: url is not smtp:// or smtps://
  // with a host, or carries credentials; from is not a plausible address;
  // from_name has control characters; a password comes without a username,
  // or over smtp:// without require_tls (it could travel in clear); timeout
  // is not positive.
  Status Validate() const;

  // `defaults` with TDM_SMTP_URL, TDM_SMTP_FROM, TDM_SMTP_USER and
  // TDM_SMTP_PASSWORD from the environment in place of url, from, username
  // and password, each when set and non-empty.
  static SmtpConfig FromEnv(SmtpConfig defaults);
};

struct SendReceipt {
  std::string message_id;    // without <>, as sent in Message-ID
  std::string server_reply;  // the server's reply to the message, e.g. "250 2.0.0 Ok: queued as X"
};

// Sends one message. Implementations say whether they are thread-safe.
class Mailer {
 public:
  virtual ~Mailer() = default;
  // Errors:
  //   InvalidArgument  the message cannot be sent as it is (no recipient, an
  //                    implausible address); nothing was sent.
  //   Refused          the server refused it for good (a 5xx reply: unknown
  //                    recipient, rejected content, failed login), or TLS was
  //                    required and not available; resending will not help.
  //                    The message holds the server's code and text.
  //   Unavailable      a passing failure (a 4xx reply, no connection, a
  //                    timeout, a dropped connection); try again later.
  // A message that failed was not accepted by the server; one that
  // succeeded was (delivery beyond the server is its business).
  virtual Result<SendReceipt> Send(const EmailMessage& message) = 0;
};

// SMTP through libcurl: one connection per Send (EHLO, STARTTLS if offered or
// required, AUTH when a username is set, MAIL FROM, RCPT TO for every To and
// Cc address, DATA with FormatRfc5322(message), QUIT). A message without from
// gets config.from and config.from_name; one without message_id gets
// MakeMessageId(0, from, random); one without date gets now. `config` should
// have passed Validate(). Thread-safe: Send may be called from several
// threads at once.
std::unique_ptr<Mailer> MakeCurlMailer(SmtpConfig config);

}  // namespace tdm::notifier
