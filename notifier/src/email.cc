#include "tdm/notifier/email.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <optional>

namespace tdm::notifier {
namespace {

constexpr size_t kFoldAt = 78;          // RFC 5322 2.1.1: lines SHOULD be at most 78
constexpr size_t kMaxEncodedWord = 75;  // RFC 2047 2
constexpr size_t kMaxQpLine = 76;       // RFC 2045 6.7 (5)
constexpr std::string_view kWordPrefix = "=?UTF-8?B?";
constexpr std::string_view kWordSuffix = "?=";

bool IsWsp(char c) { return c == ' ' || c == '\t'; }
bool Is8Bit(char c) { return static_cast<unsigned char>(c) >= 0x80; }

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

std::string Base64(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const uint32_t v = static_cast<unsigned char>(in[i]) << 16 |
                       static_cast<unsigned char>(in[i + 1]) << 8 |
                       static_cast<unsigned char>(in[i + 2]);
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i < in.size()) {
    const bool two = i + 1 < in.size();
    const uint32_t v = static_cast<unsigned char>(in[i]) << 16 |
                       (two ? static_cast<unsigned char>(in[i + 1]) << 8 : 0);
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += two ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::optional<std::string> DecodeBase64(std::string_view in) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '=') break;
    const int v = value(c);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Bytes in the UTF-8 character starting at text[i]: its lead byte's length,
// cut short where continuation bytes stop (broken input stays whole bytes).
size_t CharLength(std::string_view text, size_t i) {
  const auto lead = static_cast<unsigned char>(text[i]);
  size_t want = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  size_t n = 1;
  while (n < want && i + n < text.size() &&
         (static_cast<unsigned char>(text[i + n]) & 0xc0) == 0x80) {
    ++n;
  }
  return n;
}

// Builds one header field, folding before a token that would pass column 78
// (never before the first token on a line: a longer token just runs on).
class HeaderWriter {
 public:
  explicit HeaderWriter(std::string_view name) : out_(std::string(name) + ":") {
    line_len_ = out_.size();
  }
  // Characters a token may have and still fit after a space on this line.
  size_t Room() const { return line_len_ + 1 >= kFoldAt ? 0 : kFoldAt - line_len_ - 1; }
  bool LineHasToken() const { return line_has_token_; }
  void Fold() {
    out_ += "\r\n";
    line_len_ = 0;
    line_has_token_ = false;
  }
  void Add(std::string_view token) {
    if (line_has_token_ && token.size() > Room()) Fold();
    out_ += ' ';
    out_ += token;
    line_len_ += 1 + token.size();
    line_has_token_ = true;
  }
  std::string Finish() && { return std::move(out_) + "\r\n"; }

 private:
  std::string out_;
  size_t line_len_ = 0;
  bool line_has_token_ = false;
};

// Appends `text` as base64 encoded words, each as long as the room left on
// the line allows (at most 75 characters) and holding whole characters only.
void AddEncodedWords(std::string_view text, HeaderWriter& w) {
  const size_t overhead = kWordPrefix.size() + kWordSuffix.size();
  size_t i = 0;
  while (i < text.size()) {
    const size_t max_word = std::min(kMaxEncodedWord, w.Room());
    const size_t max_bytes = max_word > overhead ? (max_word - overhead) / 4 * 3 : 0;
    size_t end = i;
    while (end < text.size() && end + CharLength(text, end) - i <= max_bytes) {
      end += CharLength(text, end);
    }
    if (end == i) {  // not even one character fits here: go to a new line
      w.Fold();
      continue;
    }
    w.Add(std::string(kWordPrefix) + Base64(text.substr(i, end - i)) + std::string(kWordSuffix));
    i = end;
  }
}

// Whether unstructured text must travel as encoded words: 8-bit bytes, text
// a reader would take for an encoded word, or a word too long to fold.
bool NeedsEncoding(const std::vector<std::string>& words) {
  for (const auto& word : words) {
    if (word.size() > kFoldAt - 2 || word.find("=?") != std::string::npos) return true;
    if (std::any_of(word.begin(), word.end(), Is8Bit)) return true;
  }
  return false;
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

// RFC 2045 6.7 quoted-printable of the body, byte for byte (see email.h).
std::string EncodeQuotedPrintable(std::string_view body) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  size_t line_len = 0;
  auto emit = [&](std::string_view token) {
    if (line_len + token.size() > kMaxQpLine - 1) {  // keep room for the soft break's '='
      out += "=\r\n";
      line_len = 0;
    }
    out += token;
    line_len += token.size();
  };
  size_t start = 0;
  while (start < body.size()) {
    const size_t nl = body.find('\n', start);
    const std::string_view line =
        body.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
    for (size_t i = 0; i < line.size(); ++i) {
      const char c = line[i];
      const auto u = static_cast<unsigned char>(c);
      const bool last = i + 1 == line.size();
      if ((u >= 33 && u <= 126 && c != '=') || (IsWsp(c) && !last)) {
        emit(std::string_view(&c, 1));
      } else {
        const char escaped[3] = {'=', kHex[u >> 4], kHex[u & 15]};
        emit(std::string_view(escaped, 3));
      }
    }
    // A last line without '\n' ends in a soft break: nothing is added to it.
    out += nl == std::string_view::npos ? "=\r\n" : "\r\n";
    line_len = 0;
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  return out;
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

// One encoded word at text[i] ("=?charset?B|Q?text?="): its decoded bytes and
// its length, or nullopt when text[i] does not start a well-formed one.
std::optional<std::pair<std::string, size_t>> DecodeEncodedWordAt(std::string_view text, size_t i) {
  if (text.compare(i, 2, "=?") != 0) return std::nullopt;
  const size_t q1 = text.find('?', i + 2);
  if (q1 == std::string_view::npos || q1 + 2 >= text.size() || text[q1 + 2] != '?') {
    return std::nullopt;
  }
  const char encoding = static_cast<char>(std::toupper(static_cast<unsigned char>(text[q1 + 1])));
  const size_t end = text.find("?=", q1 + 3);
  if (end == std::string_view::npos) return std::nullopt;
  const std::string_view payload = text.substr(q1 + 3, end - q1 - 3);
  if (payload.find_first_of(" \t") != std::string_view::npos) return std::nullopt;
  std::string decoded;
  if (encoding == 'B') {
    auto b = DecodeBase64(payload);
    if (!b) return std::nullopt;
    decoded = std::move(*b);
  } else if (encoding == 'Q') {
    for (size_t k = 0; k < payload.size(); ++k) {
      if (payload[k] == '_') {
        decoded += ' ';
      } else if (payload[k] == '=' && k + 2 < payload.size() && HexValue(payload[k + 1]) >= 0 &&
                 HexValue(payload[k + 2]) >= 0) {
        decoded += static_cast<char>(HexValue(payload[k + 1]) * 16 + HexValue(payload[k + 2]));
        k += 2;
      } else {
        decoded += payload[k];
      }
    }
  } else {
    return std::nullopt;
  }
  return std::make_pair(std::move(decoded), end + 2 - i);
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
  std::string out;
  size_t start = 0;
  while (start < encoded.size()) {
    const size_t nl = encoded.find('\n', start);
    const bool hard_end = nl != std::string_view::npos;
    std::string_view line = encoded.substr(start, hard_end ? nl - start : std::string_view::npos);
    if (hard_end && !line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (hard_end) {
      while (!line.empty() && IsWsp(line.back())) line.remove_suffix(1);
    }
    bool soft = false;
    if (hard_end && !line.empty() && line.back() == '=') {
      soft = true;
      line.remove_suffix(1);
    }
    for (size_t i = 0; i < line.size(); ++i) {
      if (line[i] == '=' && i + 2 < line.size() && HexValue(line[i + 1]) >= 0 &&
          HexValue(line[i + 2]) >= 0) {
        out += static_cast<char>(HexValue(line[i + 1]) * 16 + HexValue(line[i + 2]));
        i += 2;
      } else {
        out += line[i];
      }
    }
    if (hard_end && !soft) out += '\n';
    if (!hard_end) break;
    start = nl + 1;
  }
  return out;
}

std::string DecodeHeaderValue(std::string_view value) {
  std::string unfolded;
  for (char c : value) {
    if (c != '\r' && c != '\n') unfolded += c;
  }
  std::string out;
  std::string pending_space;  // whitespace after an encoded word, dropped if another follows
  bool after_word = false;
  for (size_t i = 0; i < unfolded.size();) {
    if (auto word = DecodeEncodedWordAt(unfolded, i)) {
      if (!after_word) out += pending_space;
      pending_space.clear();
      out += word->first;
      i += word->second;
      after_word = true;
    } else if (IsWsp(unfolded[i])) {
      (after_word ? pending_space : out) += unfolded[i++];
    } else {
      out += pending_space;
      pending_space.clear();
      out += unfolded[i++];
      after_word = false;
    }
  }
  return out + pending_space;
}

}  // namespace tdm::notifier
