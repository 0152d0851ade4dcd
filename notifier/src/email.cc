#include "tdm/notifier/email.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>

#include "mime.h"

namespace tdm::notifier {
namespace {

using mime::AddEncodedWords;
using mime::EncodeQuotedPrintable;
using mime::HeaderWriter;
using mime::Is8Bit;
using mime::IsWsp;
using mime::kFoldAt;
using mime::NeedsEncoding;

bool EqualsNoCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// The one place header text is cleaned: CR, LF and every other control
// character (C0 and DEL) go, a tab becomes a space. Nothing that reaches a
// header can end the line it is on.
std::string StripControls(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (char c : in) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '\t') {
      out += ' ';
    } else if (u >= 0x20 && u != 0x7f) {
      out += c;
    }
  }
  return out;
}

// An address as it may appear between header punctuation: printable ASCII
// only, without the characters that delimit addresses in a list.
std::string CleanAddress(std::string_view in) {
  std::string out;
  for (char c : StripControls(in)) {
    if (Is8Bit(c) || c == ' ' || std::string_view("<>,;\"()").find(c) != std::string_view::npos) {
      continue;
    }
    out += c;
  }
  return out;
}

std::vector<std::string> SplitWords(std::string_view text) {
  std::vector<std::string> words;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && IsWsp(text[i])) ++i;
    const size_t start = i;
    while (i < text.size() && !IsWsp(text[i])) ++i;
    if (i > start) words.emplace_back(text.substr(start, i - start));
  }
  return words;
}

std::string Join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

// An unstructured value (Subject, extra headers).
void AddUnstructured(std::string_view raw, HeaderWriter& w) {
  const std::vector<std::string> words = SplitWords(StripControls(raw));
  if (NeedsEncoding(words)) {
    AddEncodedWords(Join(words), w);
  } else {
    for (const auto& word : words) w.Add(word);
  }
}

// A display name as an RFC 5322 phrase: atoms as they are, other ASCII as a
// quoted string, anything else as encoded words.
void AddDisplayName(std::string_view raw, HeaderWriter& w) {
  const std::vector<std::string> words = SplitWords(StripControls(raw));
  if (words.empty()) return;
  const std::string name = Join(words);
  if (NeedsEncoding(words) || name.size() > kFoldAt - 10) {
    AddEncodedWords(name, w);
    return;
  }
  constexpr std::string_view kAtext = "!#$%&'*+-/=?^_`{|}~";
  const bool atoms_only = std::all_of(name.begin(), name.end(), [&](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == ' ' ||
           kAtext.find(c) != std::string_view::npos;
  });
  if (atoms_only) {
    for (const auto& word : words) w.Add(word);
    return;
  }
  std::string quoted = "\"";
  for (char c : name) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  w.Add(quoted + "\"");
}

std::string AddressList(std::string_view name, const std::vector<std::string>& addresses) {
  HeaderWriter w(name);
  std::vector<std::string> clean;
  for (const auto& a : addresses) {
    if (std::string c = CleanAddress(a); !c.empty()) clean.push_back(std::move(c));
  }
  for (size_t i = 0; i < clean.size(); ++i) w.Add(clean[i] + (i + 1 < clean.size() ? "," : ""));
  return std::move(w).Finish();
}

// Message ids from "a@b <c@d>" or "<a@b>": each wrapped in <>.
std::vector<std::string> MessageIds(std::string_view raw) {
  std::string spaced;
  for (char c : StripControls(raw)) spaced += (c == '<' || c == '>' || c == ',') ? ' ' : c;
  std::vector<std::string> ids;
  for (auto& word : SplitWords(spaced)) {
    if (std::string c = CleanAddress(word); !c.empty()) ids.push_back("<" + c + ">");
  }
  return ids;
}

std::string IdHeader(std::string_view name, std::string_view raw) {
  const auto ids = MessageIds(raw);
  if (ids.empty()) return "";
  HeaderWriter w(name);
  for (const auto& id : ids) w.Add(id);
  return std::move(w).Finish();
}

std::string DateHeader(std::chrono::system_clock::time_point date) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::time_t t =
      std::chrono::system_clock::to_time_t(std::chrono::floor<std::chrono::seconds>(date));
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n",
                kDays[tm.tm_wday % 7], tm.tm_mday, kMonths[tm.tm_mon % 12], tm.tm_year + 1900,
                tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

bool IsValidFieldName(std::string_view name) {
  if (name.empty() || name.size() > kFoldAt - 2) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return c > 32 && c < 127 && c != ':'; });
}

bool IsReservedHeader(std::string_view name) {
  static constexpr std::string_view kReserved[] = {
      "Date",       "From",         "To",           "Cc",
      "Bcc",        "Subject",      "Message-ID",   "In-Reply-To",
      "References", "MIME-Version", "Content-Type", "Content-Transfer-Encoding",
      "Sender"};
  return std::any_of(std::begin(kReserved), std::end(kReserved),
                     [&](std::string_view r) { return EqualsNoCase(r, name); });
}

bool IsLdhLabel(std::string_view label) {
  if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
    return false;
  }
  return std::all_of(label.begin(), label.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-';
  });
}

bool IsPlausibleDomain(std::string_view domain) {
  if (EqualsNoCase(domain, "localhost")) return true;
  if (domain.size() >= 2 && domain.front() == '[' && domain.back() == ']') {
    const std::string inside(domain.substr(1, domain.size() - 2));
    unsigned char addr[16];
    if (inside.rfind("IPv6:", 0) == 0) return inet_pton(AF_INET6, inside.c_str() + 5, addr) == 1;
    return inet_pton(AF_INET, inside.c_str(), addr) == 1;
  }
  if (domain.size() > 253) return false;
  size_t labels = 0;
  size_t start = 0;
  for (;;) {
    const size_t dot = domain.find('.', start);
    if (!IsLdhLabel(domain.substr(start, dot == std::string_view::npos ? dot : dot - start))) {
      return false;
    }
    ++labels;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return labels >= 2;
}

}  // namespace

std::string FormatRfc5322(const EmailMessage& m) {
  std::string out = DateHeader(m.date);
  {
    HeaderWriter from("From");
    AddDisplayName(m.from_name, from);
    const std::string address = CleanAddress(m.from);
    from.Add(m.from_name.empty() || SplitWords(StripControls(m.from_name)).empty()
                 ? address
                 : "<" + address + ">");
    out += std::move(from).Finish();
  }
  out += AddressList("To", m.to);
  if (!m.cc.empty()) out += AddressList("Cc", m.cc);
  {
    HeaderWriter subject("Subject");
    AddUnstructured(m.subject, subject);
    out += std::move(subject).Finish();
  }
  if (const std::string id = CleanAddress(m.message_id); !id.empty()) {
    out += "Message-ID: <" + id + ">\r\n";  // one id, however it was written
  }
  out += IdHeader("In-Reply-To", m.in_reply_to);
  out += IdHeader("References", m.references);
  for (const auto& [name, value] : m.extra_headers) {
    if (!IsValidFieldName(name) || IsReservedHeader(name)) continue;
    HeaderWriter extra(name);
    AddUnstructured(value, extra);
    out += std::move(extra).Finish();
  }
  out +=
      "MIME-Version: 1.0\r\n"
      "Content-Type: text/plain; charset=utf-8\r\n"
      "Content-Transfer-Encoding: quoted-printable\r\n"
      "\r\n";
  out += EncodeQuotedPrintable(m.body);
  return out;
}

std::string MakeMessageId(int64_t request_id, std::string_view from_address, uint64_t nonce) {
  const size_t at = from_address.rfind('@');
  std::string domain;
  if (at != std::string_view::npos) {
    for (char c : from_address.substr(at + 1)) {
      if (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '[' ||
          c == ']' || c == ':') {
        domain += c;
      }
    }
  }
  if (domain.empty()) domain = "localhost";
  char nonce_hex[17];
  std::snprintf(nonce_hex, sizeof(nonce_hex), "%016llx", static_cast<unsigned long long>(nonce));
  return "tdm." + std::to_string(request_id) + "." + nonce_hex + "@" + domain;
}

bool IsPlausibleEmailAddress(std::string_view address) {
  if (address.empty() || address.size() > 254) return false;
  const size_t at = address.find('@');
  if (at == std::string_view::npos || address.find('@', at + 1) != std::string_view::npos) {
    return false;
  }
  const std::string_view local = address.substr(0, at);
  const std::string_view domain = address.substr(at + 1);
  if (local.empty() || local.size() > 64 || local.front() == '.' || local.back() == '.' ||
      local.find("..") != std::string_view::npos) {
    return false;
  }
  constexpr std::string_view kForbidden = "()<>[]:;\\,\"";
  for (char c : local) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 32 || u >= 127 || kForbidden.find(c) != std::string_view::npos) return false;
  }
  return IsPlausibleDomain(domain);
}

std::string DecodeQuotedPrintable(std::string_view encoded) {
  return mime::DecodeQuotedPrintable(encoded);
}

std::string DecodeHeaderValue(std::string_view value) { return mime::DecodeHeaderValue(value); }

}  // namespace tdm::notifier
