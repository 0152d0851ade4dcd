#include "paging.h"

#include <algorithm>
#include <array>
#include <iterator>
#include <string>
#include <string_view>

namespace tdm::crawler {
namespace {

// Longest text IsPagingText() looks at; paging controls are a word or three.
constexpr size_t kMaxPagingTextBytes = 256;

// Lowercase; the list documented in extract.h ("What counts").
constexpr std::string_view kPagingPhrases[] = {
    "next",      "next page",   "prev",     "previous",    "previous page",
    "older",     "older posts", "newer",    "newer posts", "more",
    "load more", "show older",  "weiter",   "nächste",     "nächste seite",
    "ältere",    "suivant",     "suivante", "précédent",   "plus anciens",
    "siguiente", "anterior",    "далее",    "следующая",   "назад",
};

constexpr std::array<std::string_view, 6> kArrows = {"«", "»", "‹", "›", "←", "→"};
constexpr std::array<std::string_view, 6> kDecoration = {" ", "<", ">", ".", ":", "…"};

bool IsAsciiSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// Lowercases ASCII, Latin-1 (U+00C0..U+00DE but U+00D7) and Cyrillic
// (U+0400..U+042F) letters; turns whitespace and NBSP into single spaces.
// Bytes that are not valid UTF-8 pass through unchanged: they match nothing.
std::string Fold(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    const auto next = i + 1 < s.size() ? static_cast<unsigned char>(s[i + 1]) : 0;
    bool space = IsAsciiSpace(s[i]);
    if (c == 0xC2 && next == 0xA0) {  // NBSP
      space = true;
      ++i;
    }
    if (space) {
      if (!out.empty() && out.back() != ' ') out.push_back(' ');
      continue;
    }
    if (c == 0xC3 && next >= 0x80 && next <= 0x9E && next != 0x97) {
      out += {s[i], static_cast<char>(next + 0x20)};
      ++i;
    } else if (c == 0xD0 && next >= 0x80 && next <= 0x8F) {  // Ѐ..Џ -> ѐ..џ
      out += {'\xD1', static_cast<char>(next + 0x10)};
      ++i;
    } else if (c == 0xD0 && next >= 0x90 && next <= 0x9F) {  // А..П -> а..п
      out += {'\xD0', static_cast<char>(next + 0x20)};
      ++i;
    } else if (c == 0xD0 && next >= 0xA0 && next <= 0xAF) {  // Р..Я -> р..я
      out += {'\xD1', static_cast<char>(next - 0x20)};
      ++i;
    } else {
      out.push_back(AsciiLower(s[i]));
    }
  }
  return out;
}

// Removes one decoration or arrow from the front (or back) of `s`; sets
// `arrow` when it was an arrow. False when there was none.
bool StripOne(std::string_view& s, bool front, bool& arrow) {
  auto strip = [&](std::string_view piece) {
    if (front ? s.starts_with(piece) : s.ends_with(piece)) {
      front ? s.remove_prefix(piece.size()) : s.remove_suffix(piece.size());
      return true;
    }
    return false;
  };
  for (std::string_view a : kArrows) {
    if (strip(a)) {
      arrow = true;
      return true;
    }
  }
  return std::any_of(kDecoration.begin(), kDecoration.end(), strip);
}

}  // namespace

bool IsPagingText(std::string_view text) {
  if (text.size() > kMaxPagingTextBytes) return false;
  const std::string folded = Fold(text);
  std::string_view core = folded;
  bool arrow = false;
  while (StripOne(core, /*front=*/true, arrow)) {
  }
  while (StripOne(core, /*front=*/false, arrow)) {
  }
  if (core.empty()) return arrow;
  return std::find(std::begin(kPagingPhrases), std::end(kPagingPhrases), core) !=
         std::end(kPagingPhrases);
}

bool IsPageNumber(std::string_view text) {
  while (!text.empty() && IsAsciiSpace(text.front())) text.remove_prefix(1);
  while (!text.empty() && IsAsciiSpace(text.back())) text.remove_suffix(1);
  return !text.empty() && text.size() <= 6 &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool IsPagingRel(const char* rel) { return rel != nullptr && IsPagingRel(std::string_view(rel)); }

bool IsPagingRel(std::string_view v) {
  while (!v.empty()) {
    while (!v.empty() && IsAsciiSpace(v.front())) v.remove_prefix(1);
    size_t end = 0;
    while (end < v.size() && !IsAsciiSpace(v[end])) ++end;
    const std::string token = Fold(v.substr(0, end));
    if (token == "next" || token == "prev" || token == "previous") return true;
    v.remove_prefix(end);
  }
  return false;
}

void AnchorSignals::AppendText(std::string_view more) {
  const size_t room = kMaxText - text.size();
  if (more.size() > room) text_overflow = true;
  text += more.substr(0, room);
}

bool AnchorSignals::IsPaging() const {
  if (paging) return true;
  if (text_overflow) return false;
  return IsPagingText(text) || (in_pager && IsPageNumber(text));
}

bool MarksPager(const char* value) {
  return value != nullptr && MarksPager(std::string_view(value));
}

bool MarksPager(std::string_view v) {
  auto contains = [&](std::string_view needle) {
    return std::search(v.begin(), v.end(), needle.begin(), needle.end(),
                       [](char a, char b) { return AsciiLower(a) == b; }) != v.end();
  };
  return contains("pag") || contains("nav-links");
}

std::optional<CursorAttribute> FindCursorAttribute(std::string_view name) {
  if (!name.starts_with("data-")) return std::nullopt;
  name.remove_prefix(5);
  if (name == "before" || name == "max-id") return CursorAttribute{"before"};
  if (name == "after") return CursorAttribute{"after"};
  if (name == "cursor" || name == "next-cursor") return CursorAttribute{"cursor"};
  if (name == "page") return CursorAttribute{"page"};
  if (name == "href" || name == "url" || name == "next-url" || name == "next") {
    return CursorAttribute{.is_url = true};
  }
  return std::nullopt;
}

bool IsValidCursor(std::string_view value) {
  return !value.empty() && value.size() <= kMaxCursorLength &&
         std::all_of(value.begin(), value.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '-' || c == '.' || c == ':';
         });
}

std::string WithQueryParam(std::string_view query, std::string_view name, std::string_view value) {
  std::string out;
  bool replaced = false;
  auto append = [&](std::string_view piece) {
    if (!out.empty()) out.push_back('&');
    out += piece;
  };
  const std::string assignment = std::string(name) + "=" + std::string(value);
  while (true) {
    const size_t amp = query.find('&');
    const std::string_view piece = query.substr(0, amp);
    if (!piece.empty()) {
      if (piece.substr(0, piece.find('=')) != name) {
        append(piece);
      } else if (!replaced) {
        append(assignment);
        replaced = true;
      }
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  if (!replaced) append(assignment);
  return out;
}

Result<Url> CursorUrl(const Url& page_url, std::string_view param, std::string_view cursor) {
  if (!IsValidCursor(cursor)) return Status::InvalidArgument("bad cursor value");
  return page_url.Resolve("?" + WithQueryParam(page_url.query(), param, cursor));
}

}  // namespace tdm::crawler
