#pragma once

// Internal to ExtractLinks() (extract.cc): what the HTML tree construction
// rules say about the element names the extractor's open-element stack cares
// about. Lists as Gumbo 0.10 (the reference) has them, which follows the 2013
// HTML spec: <search> and <dialog> are ordinary elements there.

#include <cstdint>
#include <string_view>

#include "html_tokenizer.h"

namespace tdm::crawler {

enum class TagId : uint8_t {
  kOther,
  kA,
  kArea,
  kBase,
  kBody,
  kBr,
  kButton,
  kDd,
  kDesc,
  kDiv,
  kDt,
  kFont,
  kForeignObject,
  kHead,
  kHtml,
  kImage,
  kImg,
  kLi,
  kLink,
  kMath,
  kMeta,
  kMathText,  // mi, mo, mn, ms, mtext: their content is HTML
  kNav,
  kOptgroup,
  kOption,
  kP,
  kPicture,
  kSource,
  kSpan,
  kSvg,
  kTitle,
};

enum TagFlag : uint16_t {
  kVoid = 1 << 0,           // never has content, never on the stack
  kSpecial = 1 << 1,        // the spec's "special" category
  kScope = 1 << 2,          // bounds "has an element in scope"
  kClosesP = 1 << 3,        // its start tag closes an open <p> (in button scope)
  kBlockEnd = 1 << 4,       // its end tag closes back to it when in scope
  kFormatting = 1 << 5,     // b, i, font ... (adoption agency on end tags)
  kNoReconstruct = 1 << 6,  // its start tag does not reopen an implicitly closed <a>
  kMarker = 1 << 7,         // hides formatting elements opened outside it
  kBreakout = 1 << 8,       // its start tag leaves foreign (svg/math) content
  kDropLf = 1 << 9,         // a newline right after the start tag is dropped
  kHeading = 1 << 10,       // h1..h6
};

struct TagInfo {
  std::string_view name;
  TagId id;
  uint16_t flags;
  RawMode raw;  // the text state its start tag switches the tokenizer to
};

// The entry for a lowercase tag name, or nullptr for an ordinary element.
const TagInfo* FindTag(std::string_view name);

}  // namespace tdm::crawler
