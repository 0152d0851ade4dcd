#include "extract_tags.h"

#include <algorithm>
#include <iterator>

namespace tdm::crawler {
namespace {

constexpr uint16_t kBlock = kSpecial | kClosesP | kBlockEnd | kNoReconstruct;
constexpr uint16_t kHead = kSpecial | kNoReconstruct;  // processed by the "in head" rules
constexpr uint16_t kVoidSpecial = kVoid | kSpecial;
constexpr uint16_t kFmt = kFormatting | kBreakout;
constexpr uint16_t kTablePart = kSpecial | kNoReconstruct;
constexpr uint16_t kScoped = kSpecial | kScope | kMarker | kBlockEnd;
constexpr uint16_t kHeadingFlags = kSpecial | kClosesP | kHeading | kNoReconstruct | kBreakout;

// Sorted by name.
constexpr TagInfo kTags[] = {
    {"a", TagId::kA, kFormatting, RawMode::kNone},
    {"address", TagId::kOther, kBlock, RawMode::kNone},
    {"applet", TagId::kOther, kScoped, RawMode::kNone},
    {"area", TagId::kArea, kVoidSpecial, RawMode::kNone},
    {"article", TagId::kOther, kBlock, RawMode::kNone},
    {"aside", TagId::kOther, kBlock, RawMode::kNone},
    {"b", TagId::kOther, kFmt, RawMode::kNone},
    {"base", TagId::kBase, kVoidSpecial | kNoReconstruct, RawMode::kNone},
    {"basefont", TagId::kOther, kVoidSpecial | kNoReconstruct, RawMode::kNone},
    {"bgsound", TagId::kOther, kVoidSpecial | kNoReconstruct, RawMode::kNone},
    {"big", TagId::kOther, kFmt, RawMode::kNone},
    {"blockquote", TagId::kOther, kBlock | kBreakout, RawMode::kNone},
    {"body", TagId::kBody, kHead | kBreakout, RawMode::kNone},
    {"br", TagId::kBr, kVoidSpecial | kBreakout, RawMode::kNone},
    {"button", TagId::kButton, kSpecial | kBlockEnd, RawMode::kNone},
    {"caption", TagId::kOther, kTablePart | kScope | kMarker, RawMode::kNone},
    {"center", TagId::kOther, kBlock | kBreakout, RawMode::kNone},
    {"code", TagId::kOther, kFmt, RawMode::kNone},
    {"col", TagId::kOther, kVoidSpecial | kNoReconstruct, RawMode::kNone},
    {"colgroup", TagId::kOther, kTablePart, RawMode::kNone},
    {"dd", TagId::kDd, kSpecial | kBlockEnd | kNoReconstruct | kBreakout, RawMode::kNone},
    {"desc", TagId::kDesc, 0, RawMode::kNone},
    {"details", TagId::kOther, kBlock, RawMode::kNone},
    {"dir", TagId::kOther, kBlock, RawMode::kNone},
    {"div", TagId::kDiv, kBlock | kBreakout, RawMode::kNone},
    {"dl", TagId::kOther, kBlock | kBreakout, RawMode::kNone},
    {"dt", TagId::kDt, kSpecial | kBlockEnd | kNoReconstruct | kBreakout, RawMode::kNone},
    {"em", TagId::kOther, kFmt, RawMode::kNone},
    {"embed", TagId::kOther, kVoidSpecial | kBreakout, RawMode::kNone},
    {"fieldset", TagId::kOther, kBlock, RawMode::kNone},
    {"figcaption", TagId::kOther, kBlock, RawMode::kNone},
    {"figure", TagId::kOther, kBlock, RawMode::kNone},
    {"font", TagId::kFont, kFormatting, RawMode::kNone},
    {"footer", TagId::kOther, kBlock, RawMode::kNone},
    {"foreignobject", TagId::kForeignObject, 0, RawMode::kNone},
    {"form", TagId::kOther, kBlock, RawMode::kNone},
    {"frame", TagId::kOther, kVoidSpecial | kNoReconstruct, RawMode::kNone},
    {"frameset", TagId::kOther, kHead, RawMode::kNone},
    {"h1", TagId::kOther, kHeadingFlags, RawMode::kNone},
    {"h2", TagId::kOther, kHeadingFlags, RawMode::kNone},
    {"h3", TagId::kOther, kHeadingFlags, RawMode::kNone},
    {"h4", TagId::kOther, kHeadingFlags, RawMode::kNone},
    {"h5", TagId::kOther, kHeadingFlags, RawMode::kNone},
    {"h6", TagId::kOther, kHeadingFlags, RawMode::kNone},
    {"head", TagId::kHead, kHead | kBreakout, RawMode::kNone},
    {"header", TagId::kOther, kBlock, RawMode::kNone},
    {"hgroup", TagId::kOther, kBlock, RawMode::kNone},
    {"hr", TagId::kOther, kVoidSpecial | kClosesP | kNoReconstruct | kBreakout, RawMode::kNone},
    {"html", TagId::kHtml, kHead | kScope, RawMode::kNone},
    {"i", TagId::kOther, kFmt, RawMode::kNone},
    {"iframe", TagId::kOther, kHead, RawMode::kRawtext},
    {"image", TagId::kImage, 0, RawMode::kNone},
    {"img", TagId::kImg, kVoidSpecial | kBreakout, RawMode::kNone},
    {"input", TagId::kOther, kVoidSpecial, RawMode::kNone},
    {"keygen", TagId::kOther, kVoidSpecial, RawMode::kNone},
    {"li", TagId::kLi, kSpecial | kBlockEnd | kNoReconstruct | kBreakout, RawMode::kNone},
    {"link", TagId::kLink, kVoidSpecial | kNoReconstruct, RawMode::kNone},
    {"listing", TagId::kOther, kBlock | kDropLf | kBreakout, RawMode::kNone},
    {"main", TagId::kOther, kBlock, RawMode::kNone},
    {"marquee", TagId::kOther, kScoped, RawMode::kNone},
    {"math", TagId::kMath, 0, RawMode::kNone},
    {"menu", TagId::kOther, kBlock | kBreakout, RawMode::kNone},
    {"meta", TagId::kMeta, kVoidSpecial | kNoReconstruct | kBreakout, RawMode::kNone},
    {"mi", TagId::kMathText, 0, RawMode::kNone},
    {"mn", TagId::kMathText, 0, RawMode::kNone},
    {"mo", TagId::kMathText, 0, RawMode::kNone},
    {"ms", TagId::kMathText, 0, RawMode::kNone},
    {"mtext", TagId::kMathText, 0, RawMode::kNone},
    {"nav", TagId::kNav, kBlock, RawMode::kNone},
    {"nobr", TagId::kOther, kFmt, RawMode::kNone},
    {"noembed", TagId::kOther, kHead, RawMode::kRawtext},
    {"noframes", TagId::kOther, kHead, RawMode::kRawtext},
    {"noscript", TagId::kOther, kSpecial, RawMode::kNone},  // scripting is off: markup
    {"object", TagId::kOther, kScoped, RawMode::kNone},
    {"ol", TagId::kOther, kBlock | kBreakout, RawMode::kNone},
    {"optgroup", TagId::kOptgroup, 0, RawMode::kNone},
    {"option", TagId::kOption, 0, RawMode::kNone},
    {"p", TagId::kP, kBlock | kBreakout, RawMode::kNone},
    {"param", TagId::kOther, kVoidSpecial | kNoReconstruct, RawMode::kNone},
    {"picture", TagId::kPicture, 0, RawMode::kNone},
    {"plaintext", TagId::kOther, kSpecial | kClosesP | kNoReconstruct, RawMode::kPlaintext},
    {"pre", TagId::kOther, kBlock | kDropLf | kBreakout, RawMode::kNone},
    {"ruby", TagId::kOther, kBreakout, RawMode::kNone},
    {"s", TagId::kOther, kFmt, RawMode::kNone},
    {"script", TagId::kOther, kHead, RawMode::kScriptData},
    {"section", TagId::kOther, kBlock, RawMode::kNone},
    {"select", TagId::kOther, kSpecial, RawMode::kNone},
    {"small", TagId::kOther, kFmt, RawMode::kNone},
    {"source", TagId::kSource, kVoidSpecial | kNoReconstruct, RawMode::kNone},
    {"span", TagId::kSpan, kBreakout, RawMode::kNone},
    {"strike", TagId::kOther, kFmt, RawMode::kNone},
    {"strong", TagId::kOther, kFmt, RawMode::kNone},
    {"style", TagId::kOther, kHead, RawMode::kRawtext},
    {"sub", TagId::kOther, kBreakout, RawMode::kNone},
    {"summary", TagId::kOther, kBlock, RawMode::kNone},
    {"sup", TagId::kOther, kBreakout, RawMode::kNone},
    {"svg", TagId::kSvg, 0, RawMode::kNone},
    {"table", TagId::kOther, kSpecial | kScope | kNoReconstruct | kBreakout, RawMode::kNone},
    {"tbody", TagId::kOther, kTablePart, RawMode::kNone},
    {"td", TagId::kOther, kTablePart | kScope | kMarker, RawMode::kNone},
    {"template", TagId::kOther, kHead | kScope | kMarker, RawMode::kNone},
    {"textarea", TagId::kOther, kHead | kDropLf, RawMode::kRcdata},
    {"tfoot", TagId::kOther, kTablePart, RawMode::kNone},
    {"th", TagId::kOther, kTablePart | kScope | kMarker, RawMode::kNone},
    {"thead", TagId::kOther, kTablePart, RawMode::kNone},
    {"title", TagId::kTitle, kHead, RawMode::kRcdata},
    {"tr", TagId::kOther, kTablePart, RawMode::kNone},
    {"track", TagId::kOther, kVoidSpecial | kNoReconstruct, RawMode::kNone},
    {"tt", TagId::kOther, kFmt, RawMode::kNone},
    {"u", TagId::kOther, kFmt, RawMode::kNone},
    {"ul", TagId::kOther, kBlock | kBreakout, RawMode::kNone},
    {"var", TagId::kOther, kBreakout, RawMode::kNone},
    {"wbr", TagId::kOther, kVoidSpecial, RawMode::kNone},
    {"xmp", TagId::kOther, kSpecial | kClosesP, RawMode::kRawtext},
};

// Open addressing on the first, second and last letters and the length: one
// or two probes per name instead of a binary search of string compares.
class TagTable {
 public:
  static constexpr size_t kSize = 512;

  constexpr TagTable() {
    for (const TagInfo& t : kTags) {
      size_t slot = Slot(t.name);
      while (slots_[slot] != nullptr) slot = (slot + 1) % kSize;
      slots_[slot] = &t;
    }
  }

  const TagInfo* Find(std::string_view name) const {
    if (name.empty() || name.size() > 13) return nullptr;
    for (size_t slot = Slot(name); slots_[slot] != nullptr; slot = (slot + 1) % kSize) {
      if (slots_[slot]->name == name) return slots_[slot];
    }
    return nullptr;
  }

 private:
  static constexpr size_t Slot(std::string_view n) {
    const auto c = [&](size_t i) { return static_cast<size_t>(static_cast<unsigned char>(n[i])); };
    return (c(0) * 31 + (n.size() > 1 ? c(1) * 7 : 0) + c(n.size() - 1) * 3 + n.size() * 57) %
           kSize;
  }

  const TagInfo* slots_[kSize] = {};
};

constexpr TagTable kTagTable;

}  // namespace

const TagInfo* FindTag(std::string_view name) { return kTagTable.Find(name); }

}  // namespace tdm::crawler
