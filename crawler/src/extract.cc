#include "tdm/crawler/extract.h"

#include <gumbo.h>

#include <algorithm>
#include <chrono>
#include <csetjmp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "paging.h"

namespace tdm::crawler {
namespace {

// ---- Memory and time. Gumbo 0.10's gumbo_destroy_output() frees the tree
// recursively and overflows the stack on deep documents, so every block Gumbo
// allocates is kept on an intrusive list and freed here in one loop. Gumbo's
// tree building walks the open-element stack per tag, so hostile nesting costs
// O(depth^2) (100k nested <div>s: ~20 s); Allocate() checks a deadline and
// abandons the parse with longjmp. Gumbo holds no resource but this memory,
// so abandoning it is safe.
class GumboArena {
 public:
  explicit GumboArena(std::chrono::steady_clock::time_point deadline) : deadline_(deadline) {
    head_.prev = head_.next = &head_;
  }
  GumboArena(const GumboArena&) = delete;
  GumboArena& operator=(const GumboArena&) = delete;
  ~GumboArena() {
    for (Header* h = head_.next; h != &head_;) {
      Header* next = h->next;
      std::free(h);
      h = next;
    }
  }

  static void* Allocate(void* arena, size_t size) {
    auto* self = static_cast<GumboArena*>(arena);
    if (++self->allocations_ % 64 == 0 && std::chrono::steady_clock::now() > self->deadline_) {
      std::longjmp(self->escape_, 1);
    }
    auto* h = static_cast<Header*>(std::malloc(sizeof(Header) + size));
    if (h == nullptr) return nullptr;
    h->prev = &self->head_;
    h->next = self->head_.next;
    h->next->prev = h;
    self->head_.next = h;
    return h + 1;
  }

  static void Deallocate(void* /*arena*/, void* ptr) {
    if (ptr == nullptr) return;
    Header* h = static_cast<Header*>(ptr) - 1;
    h->prev->next = h->next;
    h->next->prev = h->prev;
    std::free(h);
  }

  std::jmp_buf& escape() { return escape_; }  // set by ParseWithBudget()

 private:
  struct alignas(std::max_align_t) Header {
    Header* prev;
    Header* next;
  };
  Header head_;
  std::chrono::steady_clock::time_point deadline_;
  uint64_t allocations_ = 0;
  std::jmp_buf escape_;
};

bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool OneOf(std::string_view name, std::initializer_list<std::string_view> names) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// Runs Gumbo; nullptr when the arena's deadline cut the parse short. Kept free
// of C++ objects so that the longjmp from GumboArena::Allocate skips no
// destructor (the condition under which setjmp/longjmp is defined in C++).
GumboOutput* ParseWithBudget(const GumboOptions& options, std::string_view html,
                             GumboArena& arena) {
  if (setjmp(arena.escape()) != 0) return nullptr;
  return gumbo_parse_with_options(&options, html.data(), html.size());
}

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

namespace {

// ---- Tree walk.

// kAnchor: page or image by extension; kCursor: a query parameter to set on
// the page URL.
enum class Kind { kPage, kImage, kAnchor, kCursor };

struct Candidate {
  std::string ref;  // as written; for kCursor the cursor value
  Kind kind;
  const char* how;           // ImageRef::how should it be an image
  int anchor = -1;           // index of its <a> or <area> in WalkState::anchors
  bool paging = false;       // a paging link whatever its anchor says
  std::string_view param{};  // kCursor: the query parameter
};

// Where an element sits, handed from parent to children.
struct Context {
  int anchor = -1;  // innermost <a href> around it, in WalkState::anchors
  bool in_nav = false;
  bool in_pager = false;
};

struct WalkState {
  std::vector<Candidate> candidates;
  std::vector<AnchorSignals> anchors;
  std::optional<std::string> base_href;  // first <base href>
  bool title_seen = false;
  std::string title;
};

const char* Attr(const GumboElement& el, const char* name) {
  const GumboAttribute* attr = gumbo_get_attribute(&el.attributes, name);
  return attr == nullptr ? nullptr : attr->value;
}

void AddAttr(const GumboElement& el, const char* name, Kind kind, const char* how, WalkState& st) {
  if (const char* value = Attr(el, name)) {
    st.candidates.push_back({.ref = value, .kind = kind, .how = how});
  }
}

void AddSrcset(const GumboElement& el, const char* name, const char* how, WalkState& st) {
  const char* value = Attr(el, name);
  if (value == nullptr) return;
  for (SrcsetCandidate& c : ParseSrcset(value)) {
    st.candidates.push_back({.ref = std::move(c.url), .kind = Kind::kImage, .how = how});
  }
}

// <a> and <area>: the href as a candidate, and AnchorSignals that the walk fills
// in with the text and images found inside; ctx.anchor becomes it.
void AddAnchor(const GumboElement& el, Context& ctx, WalkState& st) {
  const char* href = Attr(el, "href");
  ctx.anchor = -1;  // an <a> without href does not link what is inside it
  if (href == nullptr) return;
  const char* label = Attr(el, "aria-label");
  const char* title = Attr(el, "title");
  AnchorSignals& anchor = st.anchors.emplace_back();
  anchor.paging = ctx.in_nav || IsPagingRel(Attr(el, "rel")) ||
                  (label != nullptr && IsPagingText(label)) ||
                  (title != nullptr && IsPagingText(title));
  anchor.in_pager = ctx.in_pager;
  ctx.anchor = static_cast<int>(st.anchors.size() - 1);
  st.candidates.push_back(
      {.ref = href, .kind = Kind::kAnchor, .how = "a-href", .anchor = ctx.anchor});
}

// "Load older" controls without an href (see FindCursorAttribute()).
void AddCursors(const GumboElement& el, WalkState& st) {
  for (unsigned i = 0; i < el.attributes.length; ++i) {
    const auto* attr = static_cast<const GumboAttribute*>(el.attributes.data[i]);
    const std::optional<CursorAttribute> cursor = FindCursorAttribute(attr->name);
    if (!cursor) continue;
    if (cursor->is_url) {
      st.candidates.push_back(
          {.ref = attr->value, .kind = Kind::kAnchor, .how = "a-href", .paging = true});
    } else {
      // A longer value is refused anyway; one byte more than allowed tells.
      st.candidates.push_back(
          {.ref = std::string(std::string_view(attr->value).substr(0, kMaxCursorLength + 1)),
           .kind = Kind::kCursor,
           .how = "",
           .paging = true,
           .param = cursor->param});
    }
  }
}

// Gumbo 0.10 has no GUMBO_TAG_PICTURE; unknown tags keep their source text.
bool IsPicture(const GumboNode* node) {
  if (node == nullptr || node->type != GUMBO_NODE_ELEMENT) return false;
  const GumboElement& el = node->v.element;
  if (el.tag != GUMBO_TAG_UNKNOWN || el.original_tag.length == 0) return false;
  GumboStringPiece name = el.original_tag;
  gumbo_tag_from_original_text(&name);
  return Lower(std::string_view(name.data, name.length)) == "picture";
}

void CollectTitle(const GumboElement& el, WalkState& st) {
  st.title_seen = true;
  std::string raw;
  for (unsigned i = 0; i < el.children.length; ++i) {
    const auto* child = static_cast<const GumboNode*>(el.children.data[i]);
    if (child->type == GUMBO_NODE_TEXT || child->type == GUMBO_NODE_WHITESPACE)
      raw += child->v.text.text;
  }
  for (char c : raw) {
    if (st.title.size() >= 1024) break;
    if (!IsSpace(c)) {
      st.title.push_back(c);
    } else if (!st.title.empty() && st.title.back() != ' ') {
      st.title.push_back(' ');
    }
  }
  if (!st.title.empty() && st.title.back() == ' ') st.title.pop_back();
}

// `ctx`: on entry where the element sits; on return what its children inherit.
void VisitElement(const GumboNode* node, Context& ctx, WalkState& st) {
  const GumboElement& el = node->v.element;
  const bool html = el.tag_namespace == GUMBO_NAMESPACE_HTML;
  if (!ctx.in_pager && (MarksPager(Attr(el, "class")) || MarksPager(Attr(el, "id")))) {
    ctx.in_pager = true;
  }
  switch (el.tag) {
    case GUMBO_TAG_BASE:
      if (const char* href = Attr(el, "href"); html && href != nullptr && !st.base_href) {
        st.base_href = href;
      }
      break;
    case GUMBO_TAG_TITLE:
      if (html && !st.title_seen) CollectTitle(el, st);
      break;
    case GUMBO_TAG_A:
    case GUMBO_TAG_AREA:
      AddAnchor(el, ctx, st);
      if (html && el.tag == GUMBO_TAG_A) AddCursors(el, st);
      break;
    case GUMBO_TAG_BUTTON:
    case GUMBO_TAG_DIV:
    case GUMBO_TAG_SPAN:
    case GUMBO_TAG_LI:
      if (html) AddCursors(el, st);
      break;
    case GUMBO_TAG_NAV:
      if (html) ctx.in_nav = true;
      break;
    case GUMBO_TAG_LINK:
      if (const char* href = Attr(el, "href"); href != nullptr && IsPagingRel(Attr(el, "rel"))) {
        st.candidates.push_back({.ref = href, .kind = Kind::kPage, .how = "", .paging = true});
      }
      break;
    case GUMBO_TAG_IMG:
      if (ctx.anchor >= 0) st.anchors[ctx.anchor].has_image = true;
      AddAttr(el, "src", Kind::kImage, "img-src", st);
      AddSrcset(el, "srcset", "srcset", st);
      AddAttr(el, "data-src", Kind::kImage, "data-src", st);
      AddSrcset(el, "data-srcset", "lazy", st);
      for (const char* name : {"data-original", "data-lazy-src", "data-url"}) {
        AddAttr(el, name, Kind::kImage, "lazy", st);
      }
      break;
    case GUMBO_TAG_SOURCE:
      if (IsPicture(node->parent)) {
        AddSrcset(el, "srcset", "picture-source", st);
        AddSrcset(el, "data-srcset", "lazy", st);
      }
      break;
    case GUMBO_TAG_META: {
      const char* key = Attr(el, "property");
      if (key == nullptr) key = Attr(el, "name");
      if (key != nullptr && OneOf(Lower(key), {"og:image", "og:image:url", "og:image:secure_url",
                                               "twitter:image", "twitter:image:src"})) {
        AddAttr(el, "content", Kind::kImage, "og:image", st);
      }
      break;
    }
    default:
      break;
  }
}

// Pre-order, document order, with an explicit stack; each entry carries the
// context its parent handed down.
void Walk(const GumboNode* root, WalkState& st) {
  struct Frame {
    const GumboNode* node;
    Context ctx;
  };
  std::vector<Frame> stack{{root, Context{}}};
  while (!stack.empty()) {
    auto [node, ctx] = stack.back();
    stack.pop_back();
    const GumboVector* children = nullptr;
    switch (node->type) {
      case GUMBO_NODE_DOCUMENT:
        children = &node->v.document.children;
        break;
      case GUMBO_NODE_ELEMENT:
      case GUMBO_NODE_TEMPLATE:
        VisitElement(node, ctx, st);
        children = &node->v.element.children;
        break;
      case GUMBO_NODE_TEXT:
      case GUMBO_NODE_WHITESPACE:
      case GUMBO_NODE_CDATA:
        if (ctx.anchor >= 0) st.anchors[ctx.anchor].AppendText(node->v.text.text);
        break;
      default:
        break;
    }
    if (children == nullptr) continue;
    for (unsigned i = children->length; i-- > 0;) {
      stack.push_back({static_cast<const GumboNode*>(children->data[i]), ctx});
    }
  }
}

// ---- Resolution.

// Another scheme ("javascript:", "mailto:", "data:" ...): not ours to follow.
bool HasForeignScheme(std::string_view ref) {
  size_t i = 0;
  while (i < ref.size() && static_cast<unsigned char>(ref[i]) <= 0x20) ++i;
  const size_t start = i;
  auto is_scheme_char = [&](char c) {
    return IsAlpha(c) ||
           (i > start && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.'));
  };
  while (i < ref.size() && is_scheme_char(ref[i])) ++i;
  if (i == start || i >= ref.size() || ref[i] != ':') return false;
  const std::string scheme = Lower(ref.substr(start, i - start));
  return scheme != "http" && scheme != "https";
}

bool IsBlankOrFragment(std::string_view ref) {
  for (char c : ref) {
    if (c == '#') return true;
    if (static_cast<unsigned char>(c) > 0x20) return false;
  }
  return true;
}

bool HasImageExtension(std::string_view path) {
  const size_t dot = path.rfind('.');
  if (dot == std::string_view::npos || path.find('/', dot) != std::string_view::npos) return false;
  return OneOf(Lower(path.substr(dot)),
               {".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp", ".avif"});
}

// The URL a candidate stands for; nullopt when it is skipped without counting.
std::optional<Result<Url>> Target(const Candidate& c, const Url& base, const Url& page_url) {
  if (c.kind == Kind::kCursor) {
    if (c.ref.empty()) return std::nullopt;
    return CursorUrl(page_url, c.param, c.ref);
  }
  if (IsBlankOrFragment(c.ref) || HasForeignScheme(c.ref)) return std::nullopt;
  return base.Resolve(c.ref);
}

// Fills an Extracted's lists, each unique in first-seen order.
class Lists {
 public:
  explicit Lists(Extracted& out) : out_(out) {}

  size_t size() const { return out_.pages.size() + out_.images.size(); }

  void AddImage(std::string spec, const char* how) {
    if (seen_images_.insert(spec).second) out_.images.push_back({std::move(spec), how});
  }

  void AddPage(const std::string& spec, bool paging, bool image_page) {
    Add(spec, seen_pages_, out_.pages);
    if (paging) Add(spec, seen_pagination_, out_.pagination);
    if (image_page) Add(spec, seen_image_pages_, out_.image_pages);
  }

 private:
  static void Add(const std::string& spec, std::unordered_set<std::string>& seen,
                  std::vector<std::string>& list) {
    if (seen.insert(spec).second) list.push_back(spec);
  }

  Extracted& out_;
  std::unordered_set<std::string> seen_pages_, seen_images_, seen_pagination_, seen_image_pages_;
};

}  // namespace

Extracted ExtractLinks(std::string_view html, const Url& page_url, size_t max_links) {
  return ExtractLinks(html, page_url, ExtractOptions{.max_links = max_links});
}

Extracted ExtractLinks(std::string_view html, const Url& page_url, const ExtractOptions& opts) {
  Extracted result;
  if (html.size() > kMaxHtmlBytes) {
    html = html.substr(0, kMaxHtmlBytes);
    ++result.errors;
  }
  WalkState st;
  {
    GumboArena arena(std::chrono::steady_clock::now() + opts.parse_budget);
    GumboOptions options = kGumboDefaultOptions;
    options.allocator = &GumboArena::Allocate;
    options.deallocator = &GumboArena::Deallocate;
    options.userdata = &arena;
    options.max_errors = 0;  // each recorded error copies the open-element stack
    const GumboOutput* output = ParseWithBudget(options, html, arena);
    if (output == nullptr || output->document == nullptr) {
      ++result.errors;
      return result;
    }
    Walk(output->document, st);
  }  // the arena frees the whole tree; gumbo_destroy_output() would recurse

  Url base = page_url;
  if (st.base_href) {
    Result<Url> resolved = page_url.Resolve(*st.base_href);
    if (resolved.ok()) {
      base = std::move(resolved).value();
    } else {
      ++result.errors;
    }
  }
  result.title = std::move(st.title);

  Lists lists(result);
  for (const Candidate& c : st.candidates) {
    if (lists.size() >= opts.max_links) break;
    std::optional<Result<Url>> url = Target(c, base, page_url);
    if (!url) continue;
    if (!url->ok()) {
      ++result.errors;
      continue;
    }
    std::string spec = (*url)->Spec();
    if (c.kind == Kind::kImage || (c.kind == Kind::kAnchor && HasImageExtension((*url)->path()))) {
      lists.AddImage(std::move(spec), c.how);
      continue;
    }
    const AnchorSignals* anchor = c.anchor >= 0 ? &st.anchors[c.anchor] : nullptr;
    lists.AddPage(spec, c.paging || (anchor != nullptr && anchor->IsPaging()),
                  anchor != nullptr && anchor->has_image);
  }
  return result;
}

}  // namespace tdm::crawler
