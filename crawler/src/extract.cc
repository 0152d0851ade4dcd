#include "tdm/crawler/extract.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "extract_candidates.h"
#include "extract_tags.h"
#include "html_tokenizer.h"
#include "paging.h"

namespace tdm::crawler {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

bool OneOf(std::string_view name, std::initializer_list<std::string_view> names) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

uint64_t NameHash(std::string_view name) {
  uint64_t h = 1469598103934665603ULL;  // FNV-1a
  for (char c : name) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  return h;
}

constexpr int kInherit = -2;  // Open::own_anchor of elements that are not <a>

// One element on the open-element stack, with the context its content gets.
struct Open {
  uint64_t name = 0;  // NameHash() of the lowercase tag name
  const TagInfo* info = nullptr;
  uint32_t serial = 0;
  int own_anchor = kInherit;  // an <a>: its AnchorSignals index, or -1 without href
  int anchor = -1;            // innermost linking <a> around the content
  uint16_t marker_level = 0;  // open markers (td, object, template ...) at or below it
  bool self_pager = false;    // its class/id MarksPager(), or it is an HTML <nav>
  bool in_pager = false;
  bool foreign = false;          // an svg/math element
  bool content_foreign = false;  // its children are svg/math, not HTML
  bool head_noscript = false;    // <noscript> before <body>: holds head elements only

  uint16_t flags() const { return info == nullptr ? 0 : info->flags; }
  TagId id() const { return info == nullptr ? TagId::kOther : info->id; }
};

// The HTML <a> in the list of active formatting elements: after an implicit
// close (</div>, </li>, <li> ... while it is open) the next text or inline
// start tag reopens a copy of it, as HTML's "reconstruct the active formatting
// elements" does, until </a>, a new <a> or its marker's end removes it.
struct ActiveAnchor {
  bool present = false;
  bool open = false;  // it (or its latest copy) is on the stack
  uint32_t serial = 0;
  uint16_t marker_level = 0;
  std::vector<std::pair<std::string, std::string>> attributes;
  size_t attribute_count = 0;
};

// A reduced HTML tree construction over HtmlTokenizer's tokens: enough of the
// open-element stack to know, for each element and text, its innermost <a>,
// whether a pager or <nav> encloses it, and whether its parent is a
// <picture>. See "Differences from Gumbo" in extract.h for what it leaves out.
class TreeModel {
 public:
  // Deeper nesting drops the oldest half of the stack (but the root): every
  // entry carries its inherited context, so deeper content loses nothing;
  // only end tags for the dropped elements are then ignored.
  static constexpr size_t kMaxDepth = 512;

  TreeModel(std::string_view html, Collected& st) : tokenizer_(html), st_(st) {
    Open root;
    root.name = NameHash("html");
    root.info = FindTag("html");
    stack_.reserve(kMaxDepth);
    stack_.push_back(root);
  }

  // False when `deadline` passed first.
  bool Run(std::chrono::steady_clock::time_point deadline) {
    for (uint32_t tokens = 1;; ++tokens) {
      if (tokens % 4096 == 0 && std::chrono::steady_clock::now() > deadline) return false;
      const HtmlToken& t = tokenizer_.Next();
      const bool drop_lf = drop_lf_;
      drop_lf_ = false;
      const bool title_pending = title_pending_;
      title_pending_ = false;
      switch (t.type) {
        case HtmlToken::Type::kEof:
          return true;
        case HtmlToken::Type::kText:
          Text(t, drop_lf, title_pending);
          break;
        case HtmlToken::Type::kStartTag:
          StartTag(t);
          break;
        case HtmlToken::Type::kEndTag:
          EndTag(t);
          break;
      }
    }
  }

 private:
  Open& top() { return stack_.back(); }

  void Text(const HtmlToken& t, bool drop_lf, bool title_pending) {
    std::string_view raw = t.text;
    if (drop_lf && !raw.empty() && (raw[0] == '\n' || raw[0] == '\r')) {
      raw.remove_prefix(raw.starts_with("\r\n") ? 2 : 1);
    }
    if (raw.empty()) return;
    if (!body_started_ || top().head_noscript) {
      if (raw.find_first_not_of(" \t\n\f\r") != std::string_view::npos) {
        body_started_ = true;
        if (top().head_noscript) Pop();
      }
    }
    TextKind kind = t.text_kind;
    if (kind == TextKind::kData) {
      if (top().content_foreign) {
        kind = TextKind::kRcdata;  // NUL becomes U+FFFD there instead of vanishing
      } else if (raw.find_first_not_of('\0') != std::string_view::npos) {
        Reconstruct();
      }
    }
    if (title_pending && kind == TextKind::kRcdata) {
      std::string decoded;
      DecodeHtmlText(raw, kind, decoded);
      st_.title = CollapseTitle(decoded);
    }
    const int anchor = top().anchor;
    if (anchor < 0) return;
    AnchorSignals& signals = st_.anchors[anchor];
    if (signals.text_overflow) return;
    text_.clear();
    DecodeHtmlText(raw, kind, text_, AnchorSignals::kMaxText - signals.text.size());
    signals.AppendText(text_);
  }

  void StartTag(const HtmlToken& t) {
    const TagInfo* info = FindTag(t.name);
    TagId id = info == nullptr ? TagId::kOther : info->id;
    if (top().content_foreign) {
      bool breakout =
          (info != nullptr && (info->flags & kBreakout)) ||
          (id == TagId::kFont &&
           (t.Find("color") != nullptr || t.Find("face") != nullptr || t.Find("size") != nullptr));
      if (!breakout) {
        Insert(t, info, /*foreign=*/true);
        return;
      }
      while (stack_.size() > 1 && top().foreign) Pop();
    }
    if (id == TagId::kImage) {
      info = FindTag("img");
      id = TagId::kImg;
    }
    if (top().head_noscript &&
        !OneOf(t.name, {"link", "meta", "noframes", "style", "basefont", "bgsound"})) {
      Pop();
    }
    if (!body_started_ &&
        !OneOf(t.name, {"html", "head", "base", "basefont", "bgsound", "link", "meta", "noframes",
                        "script", "style", "template", "title", "noscript"})) {
      body_started_ = true;
    }
    const uint16_t flags = info == nullptr ? 0 : info->flags;
    switch (id) {
      case TagId::kHtml:
      case TagId::kBody:
        // Their attributes go to the one html/body element: a pager class
        // there covers what follows.
        if (MarksPagerAttr(t)) stack_.front().in_pager = true;
        return;
      case TagId::kHead:
        return;
      case TagId::kLi:
        CloseListItem({TagId::kLi});
        break;
      case TagId::kDd:
      case TagId::kDt:
        CloseListItem({TagId::kDd, TagId::kDt});
        break;
      case TagId::kButton:
        if (const int i = FindInScope(t.name, TagId::kOther); i > 0) PopTo(i);
        break;
      case TagId::kOption:
      case TagId::kOptgroup:
        if (top().id() == TagId::kOption) Pop();
        break;
      case TagId::kA:
        CloseActiveAnchor();
        break;
      default:
        break;
    }
    if ((flags & kClosesP) || id == TagId::kLi || id == TagId::kDd || id == TagId::kDt) {
      if (const int i = FindInScope("p", TagId::kButton); i > 0) PopTo(i);
    }
    if ((flags & kHeading) && (top().flags() & kHeading)) Pop();
    if (!(flags & kNoReconstruct)) Reconstruct();
    Insert(t, info, /*foreign=*/id == TagId::kSvg || id == TagId::kMath);
  }

  static bool MarksPagerAttr(const HtmlToken& t) {
    const std::string_view* cls = t.Find("class");
    const std::string_view* id = t.Find("id");
    return (cls != nullptr && MarksPager(*cls)) || (id != nullptr && MarksPager(*id));
  }

  // What ExtractLinksReference()'s VisitElement() does for an element, then
  // the element goes on the stack unless it is void.
  void Insert(const HtmlToken& t, const TagInfo* info, bool foreign, bool clone = false) {
    const Open& parent = top();
    const TagId id = info == nullptr ? TagId::kOther : info->id;
    const bool html = !foreign;
    Open e;
    e.name = NameHash(t.name);
    e.info = info;
    e.self_pager = MarksPagerAttr(t) || (html && id == TagId::kNav);
    e.in_pager = parent.in_pager || e.self_pager;
    e.foreign = foreign;
    e.content_foreign = foreign && id != TagId::kForeignObject && id != TagId::kDesc &&
                        id != TagId::kTitle && id != TagId::kMathText;
    e.marker_level = parent.marker_level + ((html && (e.flags() & kMarker)) ? 1 : 0);
    e.head_noscript = html && !body_started_ && t.name == "noscript";
    const std::string_view* href = t.Find("href");
    switch (id) {
      case TagId::kBase:
        if (html && href != nullptr && !st_.base_href) st_.base_href = std::string(*href);
        break;
      case TagId::kTitle:
        if (html && !st_.title_seen) {
          st_.title_seen = true;
          title_pending_ = true;
        }
        break;
      case TagId::kA:
      case TagId::kArea:
        e.own_anchor = -1;  // an <a> without href does not link what is inside it
        if (href != nullptr) {
          const std::string_view* label = t.Find("aria-label");
          const std::string_view* title = t.Find("title");
          const std::string_view* rel = t.Find("rel");
          const bool paging = (rel != nullptr && IsPagingRel(*rel)) ||
                              (label != nullptr && IsPagingText(*label)) ||
                              (title != nullptr && IsPagingText(*title));
          e.own_anchor = st_.AddAnchor(*href, paging, e.in_pager);
        }
        if (html && id == TagId::kA) AddCursors(t);
        break;
      case TagId::kButton:
      case TagId::kDiv:
      case TagId::kSpan:
      case TagId::kLi:
        if (html) AddCursors(t);
        break;
      case TagId::kLink:
        if (const std::string_view* rel = t.Find("rel");
            href != nullptr && rel != nullptr && IsPagingRel(*rel)) {
          st_.AddPagingLink(*href);
        }
        break;
      case TagId::kImg:
        AddImage(t, parent.anchor);
        break;
      case TagId::kSource:
        if (parent.id() == TagId::kPicture) {
          if (const std::string_view* v = t.Find("srcset")) st_.AddSrcset(*v, "picture-source");
          if (const std::string_view* v = t.Find("data-srcset")) st_.AddSrcset(*v, "lazy");
        }
        break;
      case TagId::kMeta: {
        const std::string_view* key = t.Find("property");
        if (key == nullptr) key = t.Find("name");
        const std::string_view* content = t.Find("content");
        if (key != nullptr && content != nullptr && IsOgImageKey(*key)) {
          st_.AddImage(*content, "og:image");
        }
        break;
      }
      default:
        break;
    }
    if (foreign ? t.self_closing : (e.flags() & kVoid)) return;
    if (html && info != nullptr) {
      if (info->raw != RawMode::kNone) tokenizer_.SetRawMode(info->raw, info->name);
      drop_lf_ = (info->flags & kDropLf) != 0;
    }
    e.anchor = e.own_anchor != kInherit ? e.own_anchor : parent.anchor;
    Push(e);
    tokenizer_.set_cdata_allowed(e.content_foreign);
    if (html && id == TagId::kA) {
      active_.present = active_.open = true;
      active_.serial = top().serial;
      active_.marker_level = top().marker_level;
      if (!clone) SaveAttributes(t);
    }
  }

  void AddCursors(const HtmlToken& t) {
    // First of duplicate attributes only; cursor attributes are data-*.
    for (size_t i = 0; i < t.attributes.size(); ++i) {
      const HtmlAttribute& a = t.attributes[i];
      if (!a.name.starts_with("data-")) continue;
      bool duplicate = false;
      for (size_t j = 0; j < i && !duplicate; ++j) duplicate = t.attributes[j].name == a.name;
      if (!duplicate) st_.AddCursor(a.name, a.value);
    }
  }

  void AddImage(const HtmlToken& t, int anchor) {
    if (anchor >= 0) st_.anchors[anchor].has_image = true;
    if (const std::string_view* v = t.Find("src")) st_.AddImage(*v, "img-src");
    if (const std::string_view* v = t.Find("srcset")) st_.AddSrcset(*v, "srcset");
    if (const std::string_view* v = t.Find("data-src")) st_.AddImage(*v, "data-src");
    if (const std::string_view* v = t.Find("data-srcset")) st_.AddSrcset(*v, "lazy");
    for (std::string_view name : {"data-original", "data-lazy-src", "data-url"}) {
      if (const std::string_view* v = t.Find(name)) st_.AddImage(*v, "lazy");
    }
  }

  void SaveAttributes(const HtmlToken& t) {
    const size_t n = std::min(t.attributes.size(), size_t{64});
    if (active_.attributes.size() < n) active_.attributes.resize(n);
    for (size_t i = 0; i < n; ++i) {
      active_.attributes[i].first.assign(t.attributes[i].name);
      active_.attributes[i].second.assign(t.attributes[i].value);
    }
    active_.attribute_count = n;
  }

  // "Reconstruct the active formatting elements", for the <a> only.
  void Reconstruct() {
    if (!active_.present || active_.open || active_.marker_level != top().marker_level ||
        top().content_foreign) {
      return;
    }
    clone_.type = HtmlToken::Type::kStartTag;
    clone_.name = "a";
    clone_.self_closing = false;
    clone_.attributes.clear();
    for (size_t i = 0; i < active_.attribute_count; ++i) {
      clone_.attributes.push_back({active_.attributes[i].first, active_.attributes[i].second});
    }
    Insert(clone_, FindTag("a"), /*foreign=*/false, /*clone=*/true);
  }

  // A new <a> while one is active: the adoption agency closes the old one.
  void CloseActiveAnchor() {
    if (!active_.present || active_.marker_level != top().marker_level) return;
    if (active_.open) CloseAnchorElement();
    active_.present = false;
  }

  void EndTag(const HtmlToken& t) {
    const TagInfo* info = FindTag(t.name);
    const TagId id = info == nullptr ? TagId::kOther : info->id;
    const uint16_t flags = info == nullptr ? 0 : info->flags;
    if (top().head_noscript) {
      if (t.name == "noscript" || t.name == "br") Pop();
      return;
    }
    if (top().foreign) {
      // Foreign content: close back to a foreign element of that name.
      const uint64_t name = NameHash(t.name);
      for (size_t i = stack_.size() - 1; i > 0 && stack_[i].foreign; --i) {
        if (stack_[i].name == name) {
          PopTo(i);
          return;
        }
      }
    }
    switch (id) {
      case TagId::kHead:
        body_started_ = true;  // "after head": a <noscript> now goes to <body>
        return;
      case TagId::kHtml:
      case TagId::kBody:
        return;
      case TagId::kBr:
        Reconstruct();  // </br> acts as <br>
        return;
      case TagId::kA:
        if (active_.present && active_.marker_level == top().marker_level) {
          if (active_.open) CloseAnchorElement();
          active_.present = false;
          return;
        }
        break;
      case TagId::kP:
        if (const int i = FindInScope("p", TagId::kButton); i > 0) PopTo(i);
        return;
      case TagId::kLi:
        if (const int i = FindInScope("li", TagId::kLi); i > 0) PopTo(i);
        return;
      default:
        break;
    }
    if (flags & kFormatting) {
      if (const int i = FindInScope(t.name, TagId::kOther); i > 0) CloseFormatting(i);
      return;
    }
    if (flags & kHeading) {
      for (size_t i = stack_.size() - 1; i > 0 && !(stack_[i].flags() & kScope); --i) {
        if (stack_[i].flags() & kHeading) {
          PopTo(i);
          return;
        }
      }
      return;
    }
    if (flags & kBlockEnd) {
      if (const int i = FindInScope(t.name, TagId::kOther); i > 0) PopTo(i);
      return;
    }
    // Any other end tag: the nearest element of that name, unless a special
    // element comes first.
    const uint64_t name = NameHash(t.name);
    for (size_t i = stack_.size() - 1; i > 0; --i) {
      if (stack_[i].name == name) {
        PopTo(i);
        return;
      }
      if (stack_[i].flags() & kSpecial) return;
    }
  }

  // Index of the nearest element called `name` in scope, or -1. `extra`:
  // kButton (button scope), kLi (list item scope) or kOther (default scope).
  int FindInScope(std::string_view name, TagId extra) {
    // Deep stacks of <div>s would otherwise be walked for every <div>.
    if (name == "p" && counts_[static_cast<size_t>(TagId::kP)] == 0) return -1;
    if (name == "li" && counts_[static_cast<size_t>(TagId::kLi)] == 0) return -1;
    if (name == "button" && counts_[static_cast<size_t>(TagId::kButton)] == 0) return -1;
    const uint64_t hash = NameHash(name);
    for (size_t i = stack_.size() - 1; i > 0; --i) {
      const Open& e = stack_[i];
      if (e.name == hash && !e.foreign) return static_cast<int>(i);
      if ((e.flags() & kScope) || e.foreign) return -1;
      if (extra == TagId::kButton && e.id() == TagId::kButton) return -1;
      if (extra == TagId::kLi && (e.name == NameHash("ul") || e.name == NameHash("ol"))) {
        return -1;
      }
    }
    return -1;
  }

  // <li> closes an open li (<dd>/<dt> a dd or dt) unless a special element
  // other than address, div and p comes first.
  void CloseListItem(std::initializer_list<TagId> ids) {
    if (std::all_of(ids.begin(), ids.end(),
                    [&](TagId id) { return counts_[static_cast<size_t>(id)] == 0; })) {
      return;
    }
    for (size_t i = stack_.size() - 1; i > 0; --i) {
      const Open& e = stack_[i];
      if (std::find(ids.begin(), ids.end(), e.id()) != ids.end()) {
        PopTo(i);
        return;
      }
      if ((e.flags() & kSpecial) && e.id() != TagId::kDiv && e.id() != TagId::kP &&
          e.name != NameHash("address")) {
        return;
      }
    }
  }

  // The adoption agency for the active <a>, which is open: with no special
  // element inside it the <a> and everything inside close; otherwise (the
  // "furthest block" case) the block stays open, moved out of the <a>.
  void CloseAnchorElement() {
    size_t i = stack_.size() - 1;
    while (i > 0 && stack_[i].serial != active_.serial) --i;
    if (i == 0) {  // dropped by the depth cap: close what was opened after it
      if (std::none_of(stack_.begin() + 1, stack_.end(),
                       [](const Open& e) { return e.flags() & kSpecial; })) {
        PopTo(1);
      }
      active_.open = false;
      return;
    }
    CloseFormatting(i);
  }

  // The adoption agency for the formatting element stack_[i]. Each round
  // looks for a "furthest block" (special element) above the formatting
  // element: with none, everything from it up closes (a closed <a> stays
  // active and reopens later); with one, the block stays open, moved out,
  // and the ordinary elements between are dropped; then the next round works
  // on the copy of the formatting element made inside the block (not kept
  // here: it carries no link context), up to the spec's 8 rounds.
  void CloseFormatting(size_t i) {
    bool copy = false;  // rounds after the first: the copy sits just above stack_[i]
    for (int round = 0; round < 8; ++round) {
      size_t block = i + 1;
      while (block < stack_.size() && !(stack_[block].flags() & kSpecial)) ++block;
      if (block == stack_.size()) {
        PopTo(copy ? i + 1 : i);
        return;
      }
      size_t out = copy ? i + 1 : i;
      size_t new_block = 0;
      for (size_t k = out; k < stack_.size(); ++k) {
        const bool keep = k >= block || (k > i && (stack_[k].flags() & kFormatting));
        if (!keep) {
          if (stack_[k].serial == active_.serial) active_.open = false;
          Count(stack_[k], -1);
          continue;
        }
        if (k == block) new_block = out;
        stack_[out++] = stack_[k];
      }
      stack_.resize(out);
      Recompute(i);
      i = new_block;
      copy = true;
    }
  }

  // Context of stack_[from..] after elements below them were removed.
  void Recompute(size_t from) {
    for (size_t k = std::max<size_t>(from, 1); k < stack_.size(); ++k) {
      const Open& parent = stack_[k - 1];
      Open& e = stack_[k];
      e.in_pager = parent.in_pager || e.self_pager;
      e.anchor = e.own_anchor != kInherit ? e.own_anchor : parent.anchor;
      e.marker_level = parent.marker_level + ((!e.foreign && (e.flags() & kMarker)) ? 1 : 0);
    }
    AfterPop();
  }

  void Count(const Open& e, int delta) { counts_[static_cast<size_t>(e.id())] += delta; }

  void Push(Open& e) {
    if (stack_.size() >= kMaxDepth) {
      const auto first = stack_.begin() + 1, last = first + kMaxDepth / 2;
      for (auto it = first; it != last; ++it) Count(*it, -1);
      stack_.erase(first, last);
    }
    e.serial = ++serial_;
    Count(e, +1);
    stack_.push_back(e);
  }

  void Pop() {
    if (stack_.size() <= 1) return;
    if (top().serial == active_.serial) active_.open = false;
    Count(top(), -1);
    stack_.pop_back();
    AfterPop();
  }

  void PopTo(size_t i) {  // pops stack_[i] and everything above it
    while (stack_.size() > std::max<size_t>(i, 1)) {
      if (top().serial == active_.serial) active_.open = false;
      Count(top(), -1);
      stack_.pop_back();
    }
    AfterPop();
  }

  void AfterPop() {
    // Closing a marker clears the formatting elements opened after it.
    if (active_.present && active_.marker_level > top().marker_level) active_.present = false;
    tokenizer_.set_cdata_allowed(top().content_foreign);
  }

  HtmlTokenizer tokenizer_;
  Collected& st_;
  std::vector<Open> stack_;
  uint32_t serial_ = 0;
  std::array<int, static_cast<size_t>(TagId::kTitle) + 1> counts_{};  // open elements by TagId
  ActiveAnchor active_;
  HtmlToken clone_;   // a reopened <a>
  std::string text_;  // decoded text, reused
  bool drop_lf_ = false;
  bool title_pending_ = false;
  bool body_started_ = false;  // a start tag or text that belongs in <body> was seen
};

}  // namespace

std::vector<SrcsetCandidate> ParseSrcset(std::string_view s) {
  std::vector<SrcsetCandidate> out;
  size_t i = 0;
  while (true) {
    while (i < s.size() && (IsSpace(s[i]) || s[i] == ',')) ++i;
    if (i >= s.size()) return out;
    const size_t url_start = i;
    while (i < s.size() && !IsSpace(s[i])) ++i;
    std::string_view url = s.substr(url_start, i - url_start);
    SrcsetCandidate candidate;
    if (url.ends_with(',')) {
      while (url.ends_with(',')) url.remove_suffix(1);
    } else {
      // The descriptor runs to the next comma outside parentheses.
      while (i < s.size() && IsSpace(s[i])) ++i;
      const size_t desc_start = i;
      int parens = 0;
      while (i < s.size() && (s[i] != ',' || parens > 0)) {
        if (s[i] == '(') ++parens;
        if (s[i] == ')' && parens > 0) --parens;
        ++i;
      }
      std::string_view desc = s.substr(desc_start, i - desc_start);
      while (!desc.empty() && IsSpace(desc.back())) desc.remove_suffix(1);
      candidate.descriptor = std::string(desc);
    }
    if (url.empty()) continue;
    candidate.url = std::string(url);
    out.push_back(std::move(candidate));
  }
}

Extracted ExtractLinks(std::string_view html, const Url& page_url, size_t max_links) {
  return ExtractLinks(html, page_url, ExtractOptions{.max_links = max_links});
}

Extracted ExtractLinks(std::string_view html, const Url& page_url, const ExtractOptions& opts) {
  Extracted result;
  if (html.size() > kMaxHtmlBytes) {
    html = html.substr(0, kMaxHtmlBytes);
    ++result.errors;
  }
  Collected st;
  TreeModel model(html, st);
  if (!model.Run(std::chrono::steady_clock::now() + opts.parse_budget)) {
    ++result.errors;
    return result;
  }
  Finish(st, page_url, opts.max_links, result);
  return result;
}

}  // namespace tdm::crawler
