#pragma once

// Internal to tdm::crawler: the Gumbo-based extractor that ExtractLinks() was
// before it moved to its own tokenizer, kept as the reference the
// differential test (extract_differential_test.cc) compares ExtractLinks()
// against. It builds Gumbo's full HTML5 tree (tree construction as the 2013
// spec has it: adoption agency, foster parenting, foreign content) and walks
// it; ExtractLinks() models only part of that (see extract.h).
//
// Same contract as ExtractLinks() in extract.h, with these costs: Gumbo runs
// with error recording off (it otherwise copies the open-element stack per
// error: memory quadratic in nesting depth); its tree is walked and freed
// without recursion; input beyond kMaxHtmlBytes is cut off (+1 error); and
// because Gumbo's tree building is quadratic in nesting depth (100k nested
// <div>s take ~20 s), a parse that exceeds ExtractOptions::parse_budget is
// abandoned: the result then holds no links and errors is incremented.
// About 6-10x slower than ExtractLinks(); not for production use.

#include <string_view>

#include "tdm/common/url.h"
#include "tdm/crawler/extract.h"

namespace tdm::crawler {

Extracted ExtractLinksReference(std::string_view html, const Url& page_url,
                                const ExtractOptions& options);

}  // namespace tdm::crawler
