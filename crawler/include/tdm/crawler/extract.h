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
//             an ancestor is a pager container: an element with a class or
//             id containing "pag" (pagination, pager, pages, page-nav) or
//             "nav-links", or a <nav> (so a site menu in a <nav> is not
//             pagination; its "2", "3" and "Next" links are);
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
// How the HTML is read: a streaming tokenizer that follows the WHATWG
// tokenizer (crawler/src/html_tokenizer.h: comments, DOCTYPE, bogus comments,
// RCDATA <title>/<textarea>, RAWTEXT <script> (with its escape states),
// <style>, <xmp>, <iframe>, <noembed>, <noframes>, PLAINTEXT, character
// references with the full named table), and a reduced tree construction
// over it: an open-element stack that knows, for every element and text,
// its innermost <a>, whether a pager container encloses it and whether its
// parent is a <picture>. It applies the spec's implicit end tags (a block
// start closes an open <p>; <li>, <dd>/<dt>, headings, <button>, <option>;
// end tags close back to an open element of that name in scope, "any other"
// end tags stop at special elements), void elements, <a> inside <a> (the
// old one closes), the reopening of an implicitly closed <a> by later text
// and inline elements (reconstruction of active formatting elements, for
// <a>), the adoption agency's "furthest block" for </a> and </b>-like end
// tags, a <noscript> before <body> holding head elements only, and enough
// of svg/math to honour "/>" and leave foreign content on breakout tags.
// <noscript> content is markup (scripting is off, as in Gumbo). The input is
// decoded as Gumbo 0.10 does (html_tokenizer.h): invalid UTF-8 and control
// characters become U+FFFD.
//
// Differences from Gumbo (the reference, kept as ExtractLinksReference() in
// crawler/src/extract_reference.h and compared on a seeded corpus by
// extract_differential_test.cc). These constructs are left out of that
// corpus; on them the results may differ:
//   - Tables: no foster parenting (text and <a> misplaced inside <table>
//     are not moved before it) and no table insertion modes (<td>/<tr>
//     outside a table are elements here, ignored by Gumbo); <table> does not
//     close an open <p>.
//   - <select>: content is not dropped (Gumbo ignores most tags inside it).
//   - Foreign content beyond "/>" and breakout: integration-point details,
//     <font> attributes, CDATA only inside svg/math; <title>/<style> in svg
//     are elements with markup content, as in Gumbo, but svg/math element
//     names are not case-adjusted.
//   - Formatting elements other than <a> (b, i, strong, font ...) are not
//     reopened after an implicit close; a pager class on one of them, or an
//     <a> inside one whose reopened copy Gumbo closes, can differ.
//   - The adoption agency's furthest-block case (an <a> closed by </a> or a
//     new <a> while a block opened inside it is still open): Gumbo splits the
//     <a> into copies and the text after the block goes to a copy placed
//     inside the block (with that block's pager context); here it stays one
//     anchor, so its text is one string ("Ne<div>xt<a>" reads "Next" here,
//     "Ne" and "xt" in Gumbo).
//   - Attribute merging of a second <html>/<body> tag: here a pager class on
//     one covers only what follows it.
//   - Gumbo 0.10 bug: after a duplicate attribute without a value
//     (<a x x href=y>) Gumbo drops the next attribute; here the first of
//     each name wins, as the spec says.
//   - Nesting deeper than 512 open elements: the oldest are forgotten (their
//     context stays with the elements inside them), so end tags for them are
//     ignored; Gumbo keeps the whole stack.
//
// Hostile input: linear time and no recursion; memory is the candidates plus
// the current tag (at most 1024 attributes kept per tag) and a 512-entry
// stack; input beyond kMaxHtmlBytes is cut off (+1 error). The 4.6 KB pages of
// bench/crawl take ~35-45 us (Gumbo alone ~250 us); 16 MiB of hostile markup
// well under 1.5 s. ExtractOptions::parse_budget is still checked (every 4096
// tokens): a page over it yields no links and +1 error.
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
  // Wall-clock time one page may take before it is given up (checked every
  // 4096 tokens). Parsing is linear, so only pathological input near
  // kMaxHtmlBytes comes close; kept as an upper bound.
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
