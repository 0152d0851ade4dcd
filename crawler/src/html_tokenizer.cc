#include "html_tokenizer.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <iterator>

namespace tdm::crawler {
namespace {

// ---- Character references.

struct NamedReference {
  std::string_view name;  // with ';' unless one of the legacy names
  uint32_t first;
  uint32_t second;  // 0 when the reference is one code point
};

// The WHATWG table (2231 names), generated: see html_entities.inc.
constexpr NamedReference kNamedReferences[] = {
#include "html_entities.inc"
};

constexpr size_t kLongestReferenceName = 32;  // "CounterClockwiseContourIntegral;" less ';'
constexpr size_t kLongestLegacyName = 6;      // "frac12", "middot" ...

const NamedReference* FindReference(std::string_view name) {
  const auto* it =
      std::lower_bound(std::begin(kNamedReferences), std::end(kNamedReferences), name,
                       [](const NamedReference& r, std::string_view n) { return r.name < n; });
  return it != std::end(kNamedReferences) && it->name == name ? it : nullptr;
}

// Numeric references 0x80..0x9F that the spec maps as Windows-1252 does; 0 = unchanged.
constexpr std::array<uint16_t, 32> kC1Replacements = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

constexpr uint32_t kReplacement = 0xFFFD;

void AppendUtf8(uint32_t cp, std::string& out) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out += {static_cast<char>(0xC0 | (cp >> 6)), static_cast<char>(0x80 | (cp & 0x3F))};
  } else if (cp < 0x10000) {
    out += {static_cast<char>(0xE0 | (cp >> 12)), static_cast<char>(0x80 | ((cp >> 6) & 0x3F)),
            static_cast<char>(0x80 | (cp & 0x3F))};
  } else {
    out += {static_cast<char>(0xF0 | (cp >> 18)), static_cast<char>(0x80 | ((cp >> 12) & 0x3F)),
            static_cast<char>(0x80 | ((cp >> 6) & 0x3F)), static_cast<char>(0x80 | (cp & 0x3F))};
  }
}

bool IsAsciiAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsAsciiAlnum(char c) { return IsAsciiAlpha(c) || (c >= '0' && c <= '9'); }
bool IsHexDigit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
bool IsHtmlSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'; }
char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// `s` starts right after a '&'. Appends the character(s) of the reference and
// returns how many bytes of `s` it took; 0 when there is no reference there
// (the '&' is then an ordinary character).
size_t DecodeReference(std::string_view s, bool in_attribute, std::string& out) {
  if (s.empty()) return 0;
  if (s[0] == '#') {
    size_t i = 1;
    const bool hex = i < s.size() && (s[i] == 'x' || s[i] == 'X');
    if (hex) ++i;
    const size_t digits_begin = i;
    uint32_t value = 0;
    for (; i < s.size() && (hex ? IsHexDigit(s[i]) : (s[i] >= '0' && s[i] <= '9')); ++i) {
      const char c = s[i];
      const uint32_t digit = c <= '9' ? c - '0' : (AsciiLower(c) - 'a' + 10);
      value = std::min<uint32_t>(value * (hex ? 16 : 10) + digit, 0x110000);
    }
    if (i == digits_begin) return 0;
    if (i < s.size() && s[i] == ';') ++i;
    if (value == 0 || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) {
      value = kReplacement;
    } else if (value >= 0x80 && value <= 0x9F && kC1Replacements[value - 0x80] != 0) {
      value = kC1Replacements[value - 0x80];
    }
    AppendUtf8(value, out);
    return i;
  }
  size_t run = 0;
  while (run < s.size() && run <= kLongestReferenceName && IsAsciiAlnum(s[run])) ++run;
  if (run == 0) return 0;
  if (run < s.size() && s[run] == ';') {
    char buf[kLongestReferenceName + 2];
    if (run <= kLongestReferenceName) {
      std::memcpy(buf, s.data(), run);
      buf[run] = ';';
      if (const NamedReference* r = FindReference(std::string_view(buf, run + 1))) {
        AppendUtf8(r->first, out);
        if (r->second != 0) AppendUtf8(r->second, out);
        return run + 1;
      }
    }
  }
  // The longest legacy name (one allowed without ';') that starts the run.
  for (size_t len = std::min(run, kLongestLegacyName); len >= 2; --len) {
    const NamedReference* r = FindReference(s.substr(0, len));
    if (r == nullptr) continue;
    // In attribute values "&copy=1" and "&notx" stay as written (URLs).
    if (in_attribute && len < s.size() && (s[len] == '=' || IsAsciiAlnum(s[len]))) return 0;
    AppendUtf8(r->first, out);
    if (r->second != 0) AppendUtf8(r->second, out);
    return len;
  }
  return 0;
}

// ---- Input preprocessing (see html_tokenizer.h).

enum class Mode : uint8_t { kData, kRcdata, kRawtext, kCdata, kAttribute, kName };

// Bytes that the fast path cannot copy as they are: controls but TAB, LF and
// FF; CR; DEL; non-ASCII; and '&' (only where references are decoded).
constexpr std::array<bool, 256> MakeSpecial(bool ampersand) {
  std::array<bool, 256> t{};
  for (int c = 0; c < 256; ++c) {
    t[c] =
        (c < 0x20 && c != '\t' && c != '\n' && c != '\f') || c >= 0x7F || (ampersand && c == '&');
  }
  return t;
}
constexpr std::array<bool, 256> kSpecialWithRefs = MakeSpecial(true);
constexpr std::array<bool, 256> kSpecialNoRefs = MakeSpecial(false);

bool DecodesReferences(Mode mode) {
  return mode == Mode::kData || mode == Mode::kRcdata || mode == Mode::kAttribute;
}

bool NeedsDecoding(std::string_view raw, Mode mode) {
  const auto& special = DecodesReferences(mode) ? kSpecialWithRefs : kSpecialNoRefs;
  return std::any_of(raw.begin(), raw.end(),
                     [&](char c) { return special[static_cast<unsigned char>(c)]; });
}

// Length of the UTF-8 sequence at s[i] if valid (the code point in `cp`), or
// the length of its maximal invalid subpart (at least 1) with cp = U+FFFD.
size_t DecodeUtf8(std::string_view s, size_t i, uint32_t& cp) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  size_t len;
  unsigned char lo = 0x80, hi = 0xBF;  // bounds of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
    cp = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    cp = b0 & 0x0F;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    cp = b0 & 0x07;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    cp = kReplacement;
    return 1;
  }
  for (size_t k = 1; k < len; ++k) {
    if (i + k >= s.size()) {
      cp = kReplacement;
      return k;
    }
    const auto b = static_cast<unsigned char>(s[i + k]);
    if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xBF)) {
      cp = kReplacement;
      return k;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  return len;
}

bool GumboRejects(uint32_t cp) {
  return (cp >= 0x1 && cp <= 0x8) || cp == 0xB || (cp >= 0xE && cp <= 0x1F) ||
         (cp >= 0x7F && cp <= 0x9F) || (cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) == 0xFFFE;
}

// Appends `raw` preprocessed for `mode`; stops once more than `limit` bytes
// were appended (returns true then).
bool Decode(std::string_view raw, Mode mode, std::string& out, size_t limit) {
  const size_t start = out.size();
  const auto& special = DecodesReferences(mode) ? kSpecialWithRefs : kSpecialNoRefs;
  size_t i = 0;
  while (i < raw.size()) {
    if (out.size() - start > limit) return true;
    // Copy the run of ordinary bytes in one go.
    size_t j = i;
    while (j < raw.size() && !special[static_cast<unsigned char>(raw[j])]) ++j;
    const size_t room = limit - (out.size() - start);
    out.append(raw.data() + i, j - i <= room ? j - i : room + 1);
    i = j;
    if (i >= raw.size()) break;
    const char c = raw[i];
    if (c == '&') {
      const size_t taken = DecodeReference(raw.substr(i + 1), mode == Mode::kAttribute, out);
      if (taken == 0) out.push_back('&');
      i += 1 + taken;
    } else if (c == '\r') {
      out.push_back('\n');
      i += (i + 1 < raw.size() && raw[i + 1] == '\n') ? 2 : 1;
    } else if (c == '\0') {
      if (mode == Mode::kCdata) {
        out.push_back('\0');
      } else if (mode != Mode::kData) {
        AppendUtf8(kReplacement, out);
      }
      ++i;
    } else if (static_cast<unsigned char>(c) < 0x80) {  // other C0 controls and DEL
      AppendUtf8(kReplacement, out);
      ++i;
    } else {
      uint32_t cp;
      const size_t len = DecodeUtf8(raw, i, cp);
      if (cp == kReplacement || GumboRejects(cp)) {
        AppendUtf8(kReplacement, out);
      } else {
        out.append(raw.data() + i, len);
      }
      i += len;
    }
  }
  return out.size() - start > limit;
}

bool IsTagNameEnd(char c) { return IsHtmlSpace(c) || c == '/' || c == '>'; }

bool StartsWithNoCase(std::string_view s, size_t at, std::string_view lower) {
  if (s.size() - at < lower.size()) return false;
  for (size_t k = 0; k < lower.size(); ++k) {
    if (AsciiLower(s[at + k]) != lower[k]) return false;
  }
  return true;
}

bool IsPlainName(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == ':';
  });
}

}  // namespace

const std::string_view* HtmlToken::Find(std::string_view name) const {
  for (const HtmlAttribute& a : attributes) {
    if (a.name == name) return &a.value;
  }
  return nullptr;
}

bool DecodeHtmlText(std::string_view raw, TextKind kind, std::string& out, size_t limit) {
  Mode mode = Mode::kData;
  switch (kind) {
    case TextKind::kData:
      mode = Mode::kData;
      break;
    case TextKind::kRcdata:
      mode = Mode::kRcdata;
      break;
    case TextKind::kRawtext:
      mode = Mode::kRawtext;
      break;
    case TextKind::kCdata:
      mode = Mode::kCdata;
      break;
  }
  if (!NeedsDecoding(raw, mode)) {
    out.append(raw.data(), raw.size() <= limit ? raw.size() : limit + 1);
    return raw.size() > limit;
  }
  return Decode(raw, mode, out, limit);
}

void HtmlTokenizer::SetRawMode(RawMode mode, std::string_view end_tag) {
  raw_mode_ = mode;
  raw_end_tag_.assign(end_tag);
}

const HtmlToken& HtmlTokenizer::Next() {
  const size_t n = in_.size();
  while (true) {
    tok_.attributes.clear();
    tok_.self_closing = false;
    tok_.name = {};
    if (pos_ >= n) {
      tok_.type = HtmlToken::Type::kEof;
      return tok_;
    }
    if (raw_mode_ != RawMode::kNone) {
      const RawMode mode = raw_mode_;
      raw_mode_ = RawMode::kNone;
      const size_t end = mode == RawMode::kPlaintext    ? n
                         : mode == RawMode::kScriptData ? ScriptDataEnd()
                                                        : RawTextEnd();
      if (end > pos_) {
        tok_.type = HtmlToken::Type::kText;
        tok_.text = in_.substr(pos_, end - pos_);
        tok_.text_kind = mode == RawMode::kRcdata ? TextKind::kRcdata : TextKind::kRawtext;
        pos_ = end;
        return tok_;
      }
      continue;
    }
    size_t text_from = pos_;
    if (in_[pos_] == '<') {
      if (ParseMarkup()) return tok_;
      if (pos_ != text_from) continue;  // a comment, DOCTYPE or cut-off tag
      ++pos_;                           // a '<' that opens nothing is text
    }
    const void* lt = std::memchr(in_.data() + pos_, '<', n - pos_);
    const size_t end = lt == nullptr ? n : static_cast<const char*>(lt) - in_.data();
    tok_.type = HtmlToken::Type::kText;
    tok_.text = in_.substr(text_from, end - text_from);
    tok_.text_kind = TextKind::kData;
    pos_ = end;
    return tok_;
  }
}

bool HtmlTokenizer::ParseMarkup() {
  const size_t n = in_.size();
  const size_t next = pos_ + 1;
  if (next >= n) return false;
  const char c = in_[next];
  auto skip_to_gt = [&](size_t from) {
    const size_t gt = in_.find('>', from);
    pos_ = gt == std::string_view::npos ? n : gt + 1;
  };
  if (IsAsciiAlpha(c)) {
    pos_ = next;
    return ParseTag(/*end=*/false);
  }
  if (c == '/') {
    if (next + 1 >= n) return false;  // "</" at the end is text
    const char d = in_[next + 1];
    if (IsAsciiAlpha(d)) {
      pos_ = next + 1;
      return ParseTag(/*end=*/true);
    }
    if (d == '>') {
      pos_ = next + 2;
    } else {
      skip_to_gt(next + 1);  // bogus comment
    }
    return false;
  }
  if (c == '?') {
    skip_to_gt(next);
    return false;
  }
  if (c != '!') return false;
  if (in_.substr(next + 1, 2) == "--") {
    pos_ = SkipComment(next + 3);
  } else if (StartsWithNoCase(in_, next + 1, "doctype")) {
    skip_to_gt(next + 8);
  } else if (in_.substr(next + 1, 7) == "[CDATA[" && cdata_allowed_) {
    const size_t begin = next + 8;
    const size_t end = std::min(in_.find("]]>", begin), n);
    pos_ = end == n ? n : end + 3;
    if (end > begin) {
      tok_.type = HtmlToken::Type::kText;
      tok_.text = in_.substr(begin, end - begin);
      tok_.text_kind = TextKind::kCdata;
      return true;
    }
  } else {
    skip_to_gt(next + 1);  // bogus comment, "<![CDATA[" in HTML content included
  }
  return false;
}

size_t HtmlTokenizer::SkipComment(size_t at) const {
  const size_t n = in_.size();
  if (at < n && in_[at] == '>') return at + 1;                            // <!-->
  if (at + 1 < n && in_[at] == '-' && in_[at + 1] == '>') return at + 2;  // <!--->
  for (size_t i = at; i + 2 < n; ++i) {
    const void* dash = std::memchr(in_.data() + i, '-', n - i);
    if (dash == nullptr) break;
    i = static_cast<const char*>(dash) - in_.data();
    if (i + 2 >= n || in_[i + 1] != '-') continue;
    if (in_[i + 2] == '>') return i + 3;                                    // -->
    if (i + 3 < n && in_[i + 2] == '!' && in_[i + 3] == '>') return i + 4;  // --!>
  }
  return n;  // an unclosed comment runs to the end
}

size_t HtmlTokenizer::RawTextEnd() const {
  const size_t n = in_.size();
  for (size_t i = pos_; i < n;) {
    const size_t lt = in_.find("</", i);
    if (lt == std::string_view::npos) return n;
    const size_t after = lt + 2 + raw_end_tag_.size();
    if (after < n && StartsWithNoCase(in_, lt + 2, raw_end_tag_) && IsTagNameEnd(in_[after])) {
      return lt;
    }
    i = lt + 1;
  }
  return n;
}

// The script data states of the spec, escaped and double-escaped included:
// "<!--" escapes, and inside an escape "<script" starts a nested region in
// which "</script>" does not end the element.
size_t HtmlTokenizer::ScriptDataEnd() const {
  const size_t n = in_.size();
  enum class State { kData, kEscaped, kDoubleEscaped } state = State::kData;
  int dashes = 0;
  // "script" followed by a tag-name end at `at` (case-insensitively).
  auto script_at = [&](size_t at) {
    return at + 6 < n && StartsWithNoCase(in_, at, "script") && IsTagNameEnd(in_[at + 6]);
  };
  size_t i = pos_;
  while (i < n) {
    const char c = in_[i];
    if (state == State::kData) {
      if (c != '<') {
        const void* lt = std::memchr(in_.data() + i, '<', n - i);
        if (lt == nullptr) return n;
        i = static_cast<const char*>(lt) - in_.data();
        continue;
      }
      if (i + 1 < n && in_[i + 1] == '/' && script_at(i + 2)) return i;
      if (in_.substr(i + 1, 3) == "!--") {
        state = State::kEscaped;
        dashes = 2;
        i += 4;
        continue;
      }
      ++i;
      continue;
    }
    if (c == '-') {
      ++dashes;
      ++i;
      continue;
    }
    if (c == '>' && dashes >= 2) {
      state = State::kData;
      dashes = 0;
      ++i;
      continue;
    }
    dashes = 0;
    if (c != '<') {
      ++i;
      continue;
    }
    if (state == State::kEscaped) {
      if (i + 1 < n && in_[i + 1] == '/') {
        if (script_at(i + 2)) return i;
        i += 2;
        continue;
      }
      if (i + 1 < n && IsAsciiAlpha(in_[i + 1])) {
        size_t j = i + 1;
        while (j < n && IsAsciiAlpha(in_[j])) ++j;
        if (j < n && IsTagNameEnd(in_[j])) {
          if (j - (i + 1) == 6 && StartsWithNoCase(in_, i + 1, "script")) {
            state = State::kDoubleEscaped;
          }
          i = j + 1;  // the delimiter is taken by the double escape start state
        } else {
          i = j;
        }
        continue;
      }
      ++i;
      continue;
    }
    // Double escaped: only "</script" + delimiter leaves it (back to escaped).
    if (i + 1 < n && in_[i + 1] == '/') {
      size_t j = i + 2;
      while (j < n && IsAsciiAlpha(in_[j])) ++j;
      if (j < n && IsTagNameEnd(in_[j])) {
        if (j - (i + 2) == 6 && StartsWithNoCase(in_, i + 2, "script")) state = State::kEscaped;
        i = j + 1;
      } else {
        i = j;
      }
      continue;
    }
    ++i;
  }
  return n;
}

bool HtmlTokenizer::ParseTag(bool end) {
  const size_t n = in_.size();
  scratch_.clear();
  pending_.clear();
  size_t i = pos_;
  const size_t name_begin = i;
  while (i < n && !IsTagNameEnd(in_[i])) ++i;
  if (i >= n) {
    pos_ = n;
    return false;
  }
  // The tag name goes first into pending_ as a pseudo attribute.
  AddAttribute(name_begin, i, 0, 0);
  bool self_closing = false;
  auto cut_off = [&] {
    pos_ = n;
    return false;
  };
  while (true) {
    while (i < n && IsHtmlSpace(in_[i])) ++i;
    if (i >= n) return cut_off();
    if (in_[i] == '>') {
      ++i;
      break;
    }
    if (in_[i] == '/') {
      ++i;
      if (i >= n) return cut_off();
      if (in_[i] == '>') {
        self_closing = true;
        ++i;
        break;
      }
      continue;
    }
    const size_t nb = i++;  // the first character may be '='
    while (i < n && !IsTagNameEnd(in_[i]) && in_[i] != '=') ++i;
    const size_t ne = i;
    while (i < n && IsHtmlSpace(in_[i])) ++i;
    if (i >= n) return cut_off();
    if (in_[i] != '=') {
      if (!end) AddAttribute(nb, ne, ne, ne);
      continue;
    }
    ++i;
    while (i < n && IsHtmlSpace(in_[i])) ++i;
    if (i >= n) return cut_off();
    const char q = in_[i];
    if (q == '"' || q == '\'') {
      const size_t close = in_.find(q, i + 1);
      if (close == std::string_view::npos) return cut_off();
      if (!end) AddAttribute(nb, ne, i + 1, close);
      i = close + 1;
      continue;
    }
    if (q == '>') {
      if (!end) AddAttribute(nb, ne, ne, ne);
      ++i;
      break;
    }
    const size_t vb = i;
    while (i < n && !IsHtmlSpace(in_[i]) && in_[i] != '>') ++i;
    if (i >= n) return cut_off();
    if (!end) AddAttribute(nb, ne, vb, i);
  }
  pos_ = i;
  tok_.type = end ? HtmlToken::Type::kEndTag : HtmlToken::Type::kStartTag;
  tok_.self_closing = self_closing && !end;
  auto view = [&](bool in_scratch, size_t begin, size_t size) {
    return in_scratch ? std::string_view(scratch_).substr(begin, size) : in_.substr(begin, size);
  };
  const PendingAttribute& name = pending_.front();
  tok_.name = view(name.name_in_scratch, name.name_begin, name.name_size);
  tok_.attributes.reserve(pending_.size() - 1);
  for (size_t k = 1; k < pending_.size(); ++k) {
    const PendingAttribute& p = pending_[k];
    tok_.attributes.push_back({view(p.name_in_scratch, p.name_begin, p.name_size),
                               view(p.value_in_scratch, p.value_begin, p.value_size)});
  }
  return true;
}

void HtmlTokenizer::AddAttribute(size_t name_begin, size_t name_end, size_t value_begin,
                                 size_t value_end) {
  if (pending_.size() > kMaxAttributes) return;
  PendingAttribute p{};
  const std::string_view name = in_.substr(name_begin, name_end - name_begin);
  if (IsPlainName(name)) {
    p.name_begin = name_begin;
    p.name_size = name.size();
  } else {
    p.name_in_scratch = true;
    p.name_begin = scratch_.size();
    Decode(name, Mode::kName, scratch_, static_cast<size_t>(-1));
    for (size_t k = p.name_begin; k < scratch_.size(); ++k) scratch_[k] = AsciiLower(scratch_[k]);
    p.name_size = scratch_.size() - p.name_begin;
  }
  const std::string_view value = in_.substr(value_begin, value_end - value_begin);
  if (!NeedsDecoding(value, Mode::kAttribute)) {
    p.value_begin = value_begin;
    p.value_size = value.size();
  } else {
    p.value_in_scratch = true;
    p.value_begin = scratch_.size();
    Decode(value, Mode::kAttribute, scratch_, static_cast<size_t>(-1));
    p.value_size = scratch_.size() - p.value_begin;
  }
  pending_.push_back(p);
}

}  // namespace tdm::crawler
