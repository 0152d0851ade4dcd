#include "extract_reference.h"

#include <gumbo.h>

#include <chrono>
#include <csetjmp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "extract_candidates.h"
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

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
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

namespace {

// ---- Tree walk.

// Where an element sits, handed from parent to children.
struct Context {
  int anchor = -1;        // innermost <a href> around it, in Collected::anchors
  bool in_pager = false;  // inside a <nav> or an element that MarksPager()
};

const char* Attr(const GumboElement& el, const char* name) {
  const GumboAttribute* attr = gumbo_get_attribute(&el.attributes, name);
  return attr == nullptr ? nullptr : attr->value;
}

void AddAttr(const GumboElement& el, const char* name, const char* how, Collected& st) {
  if (const char* value = Attr(el, name)) st.AddImage(value, how);
}

void AddSrcset(const GumboElement& el, const char* name, const char* how, Collected& st) {
  if (const char* value = Attr(el, name)) st.AddSrcset(value, how);
}

// <a> and <area>: the href as a candidate, and AnchorSignals that the walk fills
// in with the text and images found inside; ctx.anchor becomes it.
void AddAnchor(const GumboElement& el, Context& ctx, Collected& st) {
  const char* href = Attr(el, "href");
  ctx.anchor = -1;  // an <a> without href does not link what is inside it
  if (href == nullptr) return;
  const char* label = Attr(el, "aria-label");
  const char* title = Attr(el, "title");
  const bool paging = IsPagingRel(Attr(el, "rel")) || (label != nullptr && IsPagingText(label)) ||
                      (title != nullptr && IsPagingText(title));
  ctx.anchor = st.AddAnchor(href, paging, ctx.in_pager);
}

// "Load older" controls without an href (see FindCursorAttribute()).
void AddCursors(const GumboElement& el, Collected& st) {
  for (unsigned i = 0; i < el.attributes.length; ++i) {
    const auto* attr = static_cast<const GumboAttribute*>(el.attributes.data[i]);
    st.AddCursor(attr->name, attr->value);
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

void CollectTitle(const GumboElement& el, Collected& st) {
  st.title_seen = true;
  std::string raw;
  for (unsigned i = 0; i < el.children.length; ++i) {
    const auto* child = static_cast<const GumboNode*>(el.children.data[i]);
    if (child->type == GUMBO_NODE_TEXT || child->type == GUMBO_NODE_WHITESPACE)
      raw += child->v.text.text;
  }
  st.title = CollapseTitle(raw);
}

// `ctx`: on entry where the element sits; on return what its children inherit.
void VisitElement(const GumboNode* node, Context& ctx, Collected& st) {
  const GumboElement& el = node->v.element;
  const bool html = el.tag_namespace == GUMBO_NAMESPACE_HTML;
  if (!ctx.in_pager && (MarksPager(Attr(el, "class")) || MarksPager(Attr(el, "id")) ||
                        (html && el.tag == GUMBO_TAG_NAV))) {
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
    case GUMBO_TAG_LINK:
      if (const char* href = Attr(el, "href"); href != nullptr && IsPagingRel(Attr(el, "rel"))) {
        st.AddPagingLink(href);
      }
      break;
    case GUMBO_TAG_IMG:
      if (ctx.anchor >= 0) st.anchors[ctx.anchor].has_image = true;
      AddAttr(el, "src", "img-src", st);
      AddSrcset(el, "srcset", "srcset", st);
      AddAttr(el, "data-src", "data-src", st);
      AddSrcset(el, "data-srcset", "lazy", st);
      for (const char* name : {"data-original", "data-lazy-src", "data-url"}) {
        AddAttr(el, name, "lazy", st);
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
      if (key != nullptr && IsOgImageKey(key)) AddAttr(el, "content", "og:image", st);
      break;
    }
    default:
      break;
  }
}

// Pre-order, document order, with an explicit stack; each entry carries the
// context its parent handed down.
void Walk(const GumboNode* root, Collected& st) {
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

}  // namespace

Extracted ExtractLinksReference(std::string_view html, const Url& page_url,
                                const ExtractOptions& opts) {
  Extracted result;
  if (html.size() > kMaxHtmlBytes) {
    html = html.substr(0, kMaxHtmlBytes);
    ++result.errors;
  }
  Collected st;
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
  Finish(st, page_url, opts.max_links, result);
  return result;
}

}  // namespace tdm::crawler
