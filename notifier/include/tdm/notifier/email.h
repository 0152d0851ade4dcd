#pragma once

// One e-mail message as RFC 5322 text (pure: no I/O, no clock, no
// randomness). The SMTP adapter (smtp.h) sends what FormatRfc5322 returns.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tdm::notifier {

struct EmailMessage {
  std::string from;       // envelope sender and From: address, e.g. "notices@tdm.example"
  std::string from_name;  // display name in From:, UTF-8; may be empty
  std::vector<std::string> to;
  std::vector<std::string> cc;
  std::string subject;     // UTF-8
  std::string body;        // UTF-8 plain text, '\n' line ends
  std::string message_id;  // without <>, e.g. from MakeMessageId
  std::chrono::system_clock::time_point date;
  // Message ids being answered, with or without <>; References may list
  // several separated by spaces. Empty means the header is left out.
  std::string in_reply_to;
  std::string references;
  // More headers, e.g. {"X-Tdm-Request", "42"}. A name that is not a valid
  // field name, or that is one of the headers FormatRfc5322 writes itself
  // (or Bcc, which would show every recipient), is left out.
  std::vector<std::pair<std::string, std::string>> extra_headers;
};

// The message as RFC 5322 text with CRLF line ends, ready for SMTP DATA:
// Date (UTC, "+0000"), From, To, Cc (when any), Subject, Message-ID,
// In-Reply-To and References (when set), the extra headers, MIME-Version,
// Content-Type: text/plain; charset=utf-8 and Content-Transfer-Encoding:
// quoted-printable, a blank line, then the body in quoted-printable.
//
// Header values cannot inject headers: CR, LF and every other control
// character (a tab becomes a space) are removed from each value first.
// A subject, display name or extra header value that is not plain ASCII, or
// that holds a word too long to fold or something that looks like an encoded
// word ("=?"), is written as RFC 2047 encoded words (UTF-8, base64, none over
// 75 characters, never splitting a character); runs of whitespace in a
// subject become one space. Header lines are folded at 78 columns wherever
// a space allows it.
//
// The body is quoted-printable (RFC 2045): lines of at most 76 characters
// with soft breaks, '=', control characters (CR too), 8-bit bytes and
// whitespace at a line's end encoded, so any line length and any bytes travel
// and DecodeQuotedPrintable gives back the body byte for byte (a body that
// does not end in '\n' ends in a soft break, so none is added). A line that
// starts with "." is left as it is: the SMTP client dot-stuffs it on the wire
// (RFC 5321 4.5.2; libcurl does) and the server removes the extra dot.
std::string FormatRfc5322(const EmailMessage& message);

// "tdm.<request_id>.<nonce as 16 hex digits>@<domain of from_address>", the
// domain being "localhost" when from_address has none (characters that may
// not appear in a message id's domain are dropped).
std::string MakeMessageId(int64_t request_id, std::string_view from_address, uint64_t nonce);

// True for what looks like a deliverable address, for validating configured
// contacts: exactly one '@'; a local part of 1-64 printable ASCII characters
// without spaces, controls, quotes or any of ()<>[]:;\, and without a
// leading, trailing or doubled dot; a domain that is "localhost", a bracketed
// IP literal ("[192.0.2.1]", "[IPv6:...]") or at least two dot-separated
// labels of letters, digits and inner hyphens; at most 254 bytes in all.
// Non-ASCII addresses (SMTPUTF8) are not accepted.
bool IsPlausibleEmailAddress(std::string_view address);

// Quoted-printable back to bytes: "=XX" becomes the byte, a soft break ("="
// at a line's end) disappears, CRLF becomes '\n', whitespace before a line
// break is dropped (RFC 2045 6.7: it was added in transport). A malformed
// "=" sequence is kept as it is.
std::string DecodeQuotedPrintable(std::string_view encoded);

// A header value with its RFC 2047 encoded words ("=?UTF-8?B?...?=" or
// "?Q?", any charset label taken as UTF-8) decoded, and folding (CRLF before
// whitespace) undone; whitespace between two adjacent encoded words is
// dropped, as RFC 2047 6.2 requires. For tests and for reading replies.
std::string DecodeHeaderValue(std::string_view value);

}  // namespace tdm::notifier
