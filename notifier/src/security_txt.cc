// ParseSecurityTxt: the Contact and Expires fields of a security.txt file
// (RFC 9116), which a web server may answer with anything at all.

#include <chrono>
#include <string>
#include <vector>

#include "tdm/notifier/recipients.h"

namespace tdm::notifier {
namespace {

constexpr std::string_view kSignedBegin = "-----BEGIN PGP SIGNED MESSAGE-----";
constexpr std::string_view kSignatureBegin = "-----BEGIN PGP SIGNATURE-----";

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && Lower(s.substr(0, prefix.size())) == prefix;
}

std::string_view Trim(std::string_view s) {
  const size_t b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

// A value quoted in a note: printable, at most 100 bytes.
std::string Quote(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 100)) {
    out.push_back(static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? ' ' : c);
  }
  return "\"" + out + (s.size() > 100 ? "...\"" : "\"");
}

std::vector<std::string_view> SplitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    start = end + 1;
  }
  return lines;
}

bool LooksLikeHtml(std::string_view text) {
  const size_t b = text.find_first_not_of(" \t\r\n");
  if (b != std::string_view::npos && text[b] == '<') return true;
  const std::string head = Lower(text.substr(0, 4096));
  for (std::string_view tag : {"<!doctype", "<html", "<head", "<body"}) {
    if (head.find(tag) != std::string::npos) return true;
  }
  return false;
}

// The signed content of an OpenPGP cleartext-signed message (RFC 4880 7.1):
// after the armor headers and their blank line, up to the signature, with
// dash-escaping ("- " before a line) undone. nullopt when no signature follows.
std::optional<std::vector<std::string_view>> SignedContent(
    const std::vector<std::string_view>& lines, size_t begin) {
  size_t i = begin + 1;
  while (i < lines.size() && !Trim(lines[i]).empty()) ++i;  // armor headers ("Hash: SHA256")
  std::vector<std::string_view> content;
  for (++i; i < lines.size(); ++i) {
    if (Trim(lines[i]) == kSignatureBegin) return content;
    std::string_view line = lines[i];
    if (line.starts_with("- ")) line.remove_prefix(2);
    content.push_back(line);
  }
  return std::nullopt;
}

int Digits(std::string_view s, size_t pos, size_t n, bool& ok) {
  int v = 0;
  if (pos + n > s.size()) {
    ok = false;
    return 0;
  }
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') {
      ok = false;
      return 0;
    }
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

// RFC 3339 date-time: "2026-12-31T23:59:59Z", fractions and "+02:00" offsets
// allowed, 't'/'z' in lower case too.
std::optional<std::chrono::system_clock::time_point> ParseRfc3339(std::string_view s) {
  using namespace std::chrono;
  bool ok = true;
  const int y = Digits(s, 0, 4, ok), mo = Digits(s, 5, 2, ok), d = Digits(s, 8, 2, ok);
  const int h = Digits(s, 11, 2, ok), mi = Digits(s, 14, 2, ok), sec = Digits(s, 17, 2, ok);
  if (!ok || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') || s[13] != ':' ||
      s[16] != ':' || h > 23 || mi > 59 || sec > 60) {
    return std::nullopt;
  }
  size_t pos = 19;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    const size_t digits_from = pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
    if (pos == digits_from) return std::nullopt;
  }
  int offset_minutes = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    const int oh = Digits(s, pos + 1, 2, ok), om = Digits(s, pos + 4, 2, ok);
    if (!ok || s[pos + 3] != ':' || oh > 23 || om > 59) return std::nullopt;
    offset_minutes = (s[pos] == '+' ? 1 : -1) * (oh * 60 + om);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  const year_month_day date{year{y}, month{static_cast<unsigned>(mo)},
                            day{static_cast<unsigned>(d)}};
  if (!date.ok()) return std::nullopt;
  return sys_days(date) + hours(h) + minutes(mi) + seconds(sec) - minutes(offset_minutes);
}

void AddUnique(std::vector<std::string>& to, const std::string& value) {
  for (const auto& v : to) {
    if (Lower(v) == Lower(value)) return;
  }
  to.push_back(value);
}

void ReadContact(std::string_view value, SecurityTxt& out) {
  if (StartsWithNoCase(value, "mailto:")) {
    if (auto email = NormalizeEmailAddress(value)) {
      AddUnique(out.contact_emails, *email);
    } else {
      out.notes.push_back("Contact is not a plausible address: " + Quote(value));
    }
  } else if (StartsWithNoCase(value, "https://")) {
    const bool clean = value.size() <= 2048 && value.find_first_of(" \t\"<>") == value.npos;
    if (clean) {
      AddUnique(out.contact_uris, std::string(value));
    } else {
      out.notes.push_back("Contact URI skipped: " + Quote(value));
    }
  } else if (value.find(':') == value.npos && NormalizeEmailAddress(value)) {
    AddUnique(out.contact_emails, *NormalizeEmailAddress(value));
    out.notes.push_back("Contact without mailto: " + Quote(value));
  } else {
    out.notes.push_back("Contact skipped (not mailto: or https:): " + Quote(value));
  }
}

}  // namespace

Result<SecurityTxt> ParseSecurityTxt(std::string_view text,
                                     std::chrono::system_clock::time_point now) {
  if (text.size() > kMaxSecurityTxtBytes) {
    return Status::TooLarge("security.txt: " + std::to_string(text.size()) +
                            " bytes, over the cap of " + std::to_string(kMaxSecurityTxtBytes));
  }
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  if (text.find('\0') != std::string_view::npos) {
    return Status::InvalidArgument("security.txt: binary content (NUL bytes)");
  }
  if (LooksLikeHtml(text)) {
    return Status::InvalidArgument("security.txt: an HTML page, not a security.txt (soft 404?)");
  }
  SecurityTxt out;
  std::vector<std::string_view> lines = SplitLines(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    if (Trim(lines[i]).empty()) continue;
    if (Trim(lines[i]) == kSignedBegin) {
      auto content = SignedContent(lines, i);
      if (!content) {
        return Status::InvalidArgument("security.txt: signed message without its signature");
      }
      lines = std::move(*content);
      out.is_signed = true;
    }
    break;
  }
  bool any_contact = false;
  for (std::string_view raw : lines) {
    const std::string_view line = Trim(raw);
    if (line.empty() || line.front() == '#') continue;
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      out.notes.push_back("not a field: " + Quote(line));
      continue;
    }
    const std::string name = Lower(Trim(line.substr(0, colon)));
    const std::string_view value = Trim(line.substr(colon + 1));
    if (name == "contact") {
      any_contact = true;
      ReadContact(value, out);
    } else if (name == "expires") {
      if (!out.expires.empty()) {
        out.notes.push_back("Expires given more than once; the first counts");
        continue;
      }
      out.expires = std::string(value.substr(0, 100));
      if (auto when = ParseRfc3339(value)) {
        out.expired = *when <= now;
      } else {
        out.notes.push_back("Expires is not an RFC 3339 date: " + Quote(value));
      }
    }
  }
  if (!any_contact) return Status::InvalidArgument("security.txt: no Contact field");
  if (out.expires.empty()) out.notes.push_back("no Expires field");
  return out;
}

Result<SecurityTxt> ParseSecurityTxt(std::string_view text) {
  return ParseSecurityTxt(text, std::chrono::system_clock::now());
}

}  // namespace tdm::notifier
