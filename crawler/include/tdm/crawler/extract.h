#pragma once

// Link and image extraction from one fetched HTML page.
//
// The crawler hands every fetched page to ExtractLinks() and gets back the
// pages to consider crawling next and the images to fetch and match. Pages
// come from hostile sites, so the HTML may be malformed, huge or built to hurt
// a parser; ExtractLinks() never crashes or throws on any input, and reports
// what it had to skip in Extracted::errors instead.
//
// What counts:
//   pages:  <a href>, <area href>, <link href> whose rel has next, prev or
//           previous, the URL-valued data attributes and the cursor URLs
//           below. rel="nofollow" is ignored here; the crawler applies its
//           own policy.
//   images: <img src> ("img-src"), <img srcset> ("srcset"), <img data-src>
//           ("data-src"), <img data-srcset|data-original|data-lazy-src|
//           data-url> ("lazy"), <source srcset> directly inside <picture>
//           ("picture-source"), <meta property="og:image"> and
//           <meta name="twitter:image"> content ("og:image"), and <a href>
//           or URL-valued data attribute whose path ends in .jpg .jpeg .png
//           .gif .webp .bmp .avif ("a-href").
//   pagination: the pages that page through a listing (thread lists, board
//           indexes, channel feeds), so the crawler can follow them further:
//           - <a>, <area> or <link> whose rel has next, prev or previous;
//           - <a>/<area> whose text, aria-label or title is one of
//               next, next page, prev, previous, previous page, older,
//               older posts, newer, newer posts, more, load more, show older,
//               weiter, nächste, nächste seite, ältere, suivant, suivante,
//               précédent, plus anciens, siguiente, anterior, далее,
//               следующая, назад
//             or only arrows « » ‹ › ← →; compared case-insensitively,
//             whitespace trimmed and collapsed, arrows and < > . : … around
//             the words ignored ("Next »", "« Older posts"); text over 256
//             bytes never matches;
//           - <a>/<area> whose text is a page number (1-6 digits) when it or
//             an ancestor has a class or id containing "pag" (pagination,
//             pager, pages, page-nav) or "nav-links";
//           - every <a href>/<area href> inside a <nav>;
//           - "load older" controls on <a>, <button>, <div>, <span> and <li>
//             (other elements are not looked at): data-before and data-max-id
//             give the page URL with query parameter before=<value>,
//             data-after after=, data-cursor and data-next-cursor cursor=,
//             data-page page= (an existing parameter of that name is
//             replaced, others kept, the fragment dropped; relative to the
//             page URL even under <base href>). A value must be 1-64
//             characters of [A-Za-z0-9_.:-], else it is skipped and counted
//             in errors (an empty one is skipped silently). data-href,
//             data-url, data-next-url and data-next hold a URL reference that
//             resolves like an href.
//   image_pages: the pages linked by an <a href> with an <img> somewhere
//           inside it (thumbnails on image hosts and galleries), unless the
//           href is itself an image file (then it is an "a-href" image). The
//           crawler fetches such a page one hop even when it is on another
//           host (the image host) and takes only its images from it.
// pagination and image_pages are subsets of pages, in the same normal form;
// a URL may be in both, and is there when any of its occurrences qualifies.
// All references are resolved against the first <base href> (itself resolved
// against the page URL) or the page URL, fragments are dropped, and each list
// is de-duplicated keeping first-seen order. References with another scheme
// (javascript:, mailto:, data:, tel: ...) and pure "#fragment" references are
// skipped silently; references Url cannot resolve are skipped and counted in
// Extracted::errors.
//
// Hostile input: Gumbo runs with error recording off (it otherwise copies the
// open-element stack per error: memory quadratic in nesting depth); its tree
// is walked and freed without recursion, so depth cannot overflow the stack;
// input beyond kMaxHtmlBytes is cut off (+1 error); and because Gumbo's tree
// building is quadratic in nesting depth (100k nested <div>s take ~20 s), a
// parse that exceeds ExtractOptions::parse_budget is abandoned: the result then
// holds no links and errors is incremented. Legitimate pages parse in
// milliseconds; 10k-deep nesting in ~0.1 s.
//
// Thread-safety: ExtractLinks() and ParseSrcset() are pure functions; call them
// from any thread.

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "tdm/common/url.h"

namespace tdm::crawler {

// Input bytes beyond this are not parsed.
inline constexpr size_t kMaxHtmlBytes = 16 * 1024 * 1024;

struct ImageRef {
  std::string url;  // normal form (Url::Spec())
  std::string how;  // "img-src", "srcset", "data-src", "lazy", "a-href",
                    // "og:image" or "picture-source"
  bool operator==(const ImageRef&) const = default;
};

struct Extracted {
  std::vector<std::string> pages;        // normal form, first-seen order, unique
  std::vector<ImageRef> images;          // unique by url, first-seen order
  std::vector<std::string> pagination;   // paging links: subset of pages, unique
  std::vector<std::string> image_pages;  // thumbnail targets: subset of pages, unique
  std::string title;                     // <title>, whitespace collapsed; may be empty
  int errors = 0;                        // references or markup that had to be skipped
};

struct ExtractOptions {
  // At most this many URLs are returned in pages and images together
  // (constructed cursor URLs included; pagination and image_pages, being
  // subsets of pages, add nothing); later ones are left out without counting
  // as errors.
  size_t max_links = 5000;
  // Wall-clock time Gumbo may spend on one page before it is given up.
  std::chrono::milliseconds parse_budget{5000};
};

// Extracts links and images from `html` fetched from `page_url`.
Extracted ExtractLinks(std::string_view html, const Url& page_url, const ExtractOptions& options);
Extracted ExtractLinks(std::string_view html, const Url& page_url, size_t max_links = 5000);

// One image candidate of a srcset attribute: "a.jpg 2x" -> {"a.jpg", "2x"}.
struct SrcsetCandidate {
  std::string url;         // as written, not resolved
  std::string descriptor;  // "", "2x", "640w", ...; not validated
  bool operator==(const SrcsetCandidate&) const = default;
};

// Splits a srcset value per the HTML spec's "parse a srcset attribute": a URL
// is a run of non-whitespace (commas inside it stay, trailing commas end it),
// and a descriptor runs to the next comma outside parentheses.
std::vector<SrcsetCandidate> ParseSrcset(std::string_view srcset);

}  // namespace tdm::crawler
