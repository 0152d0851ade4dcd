#pragma once

// Internal to tdm::crawler: recognising the paging controls of a listing
// (forum thread lists, board indexes, channel feeds) for ExtractLinks(). The
// tree walk lives in extract.cc; this file holds the word lists and the small
// string rules, so that what counts as "paging" is written down in one place.
//
// All functions are pure and accept any bytes (hostile page text included);
// they never throw.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "tdm/common/status.h"
#include "tdm/common/url.h"

namespace tdm::crawler {

// True when a link text, aria-label or title reads like a paging control:
// one of the phrases listed in extract.h ("What counts", kept in
// kPagingPhrases in paging.cc), or only arrows. Compared case-insensitively
// (ASCII, Latin-1 and Cyrillic letters), whitespace (NBSP included) collapsed
// and, at both ends, whitespace, '<', '>', '.', ':', '…' and the arrows
// « » ‹ › ← → stripped. Texts over 256 bytes never match.
bool IsPagingText(std::string_view text);

// True when `text`, without surrounding whitespace, is a page number: 1 to 6
// ASCII digits ("2", " 13 ").
bool IsPageNumber(std::string_view text);

// True when a class or id attribute marks a pager container: it contains
// "pag" (pagination, pager, pages, page-nav ...) or "nav-links" (WordPress),
// case-insensitively. `value` may be null. (A <nav> element is a pager
// container too; the extractors check that themselves.)
bool MarksPager(const char* value);
bool MarksPager(std::string_view value);

// True when a rel attribute (may be null) holds the token next, prev or
// previous, case-insensitively.
bool IsPagingRel(const char* rel);
bool IsPagingRel(std::string_view rel);

// What the tree walk learns about one <a href> or <area href> besides the
// href, so that once past it the anchor can be told a paging link or not.
struct AnchorSignals {
  // Text beyond this is not kept: no paging text is that long.
  static constexpr size_t kMaxText = 300;

  std::string text;            // text nodes inside, up to kMaxText bytes
  bool text_overflow = false;  // there was more text
  bool paging = false;         // rel next/prev, paging aria-label or title
  bool in_pager = false;       // it or an ancestor MarksPager(), or inside a <nav>
  bool has_image = false;      // an <img> at any depth inside: a thumbnail link

  void AppendText(std::string_view more);
  // paging, or a text that IsPagingText(), or a page number inside a pager.
  bool IsPaging() const;
};

// Longest cursor value accepted from a data attribute.
inline constexpr size_t kMaxCursorLength = 64;

// A data attribute that stands for a "load older / next" control without an
// href. Either `param` is set (the attribute holds a cursor value that becomes
// that query parameter of the page URL) or `is_url` (it holds a URL reference).
struct CursorAttribute {
  std::string_view param{};  // "before", "after", "cursor" or "page"; empty when is_url
  bool is_url = false;
};

// The attributes recognised (names as the tokenizer reports them, lowercase):
//   data-before, data-max-id       -> before=<value>
//   data-after                     -> after=<value>
//   data-cursor, data-next-cursor  -> cursor=<value>
//   data-page                      -> page=<value>
//   data-href, data-url, data-next-url, data-next -> a URL reference
std::optional<CursorAttribute> FindCursorAttribute(std::string_view name);

// True when `value` may go into a query parameter as it is: 1 to
// kMaxCursorLength characters of [A-Za-z0-9_.:-].
bool IsValidCursor(std::string_view value);

// `query` (without '?') with parameter `name` set to `value`: the first
// "name=..." or bare "name" is replaced in place, later ones are dropped, other
// parameters keep their order and spelling, empty "&&" pieces are dropped; if
// `name` was absent, "name=value" is appended. Neither argument is escaped:
// callers pass a validated cursor.
std::string WithQueryParam(std::string_view query, std::string_view name, std::string_view value);

// `page_url` with query parameter `param` set to `cursor` (WithQueryParam());
// InvalidArgument when !IsValidCursor(cursor) or the URL grows too long.
Result<Url> CursorUrl(const Url& page_url, std::string_view param, std::string_view cursor);

}  // namespace tdm::crawler
