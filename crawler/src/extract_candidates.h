#pragma once

// Internal to tdm::crawler: what both HTML extractors (the tokenizer-based
// ExtractLinks() in extract.cc and the Gumbo-based ExtractLinksReference() in
// extract_reference.cc) collect while walking a page, and the one place that
// turns it into an Extracted: resolution against <base href>, cursor URLs,
// image-extension links, de-duplication and the max_links cap. Keeping this
// shared means a difference between the two extractors can only come from
// how they read the HTML.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "paging.h"
#include "tdm/common/url.h"
#include "tdm/crawler/extract.h"

namespace tdm::crawler {

// kAnchor: page or image by extension; kCursor: a query parameter to set on
// the page URL.
enum class CandidateKind { kPage, kImage, kAnchor, kCursor };

struct Candidate {
  std::string ref;  // as written; for kCursor the cursor value
  CandidateKind kind;
  const char* how;           // ImageRef::how should it be an image
  int anchor = -1;           // index of its <a> or <area> in Collected::anchors
  bool paging = false;       // a paging link whatever its anchor says
  std::string_view param{};  // kCursor: the query parameter
};

// What a walk over one page found, in document order.
struct Collected {
  std::vector<Candidate> candidates;
  std::vector<AnchorSignals> anchors;
  std::optional<std::string> base_href;  // first <base href>
  bool title_seen = false;
  std::string title;  // of the first <title>, CollapseTitle()d

  void AddImage(std::string_view ref, const char* how);
  void AddSrcset(std::string_view srcset, const char* how);
  // An <a>/<area> href; returns the new anchor's index in `anchors`.
  int AddAnchor(std::string_view href, bool paging, bool in_pager);
  // "Load older" data attributes (FindCursorAttribute()) of one element.
  void AddCursor(std::string_view name, std::string_view value);
  void AddPagingLink(std::string_view href);  // <link rel=next|prev href>
};

// True for the meta property/name values whose content is an og:image.
bool IsOgImageKey(std::string_view key);

// `raw` with whitespace runs collapsed to one space, trimmed, at most 1024
// bytes: what Extracted::title holds.
std::string CollapseTitle(std::string_view raw);

// Resolves what `collected` holds into `result` (whose errors may already
// count something).
void Finish(Collected& collected, const Url& page_url, size_t max_links, Extracted& result);

}  // namespace tdm::crawler
