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

enum class Kind { kPage, kImage, kAnchor };  // kAnchor: page or image by extension

struct Candidate {
  std::string ref;
  Kind kind;
  const char* how;
};

struct WalkState {
  std::vector<Candidate> candidates;
  std::optional<std::string> base_href;  // first <base href>
  bool title_seen = false;
  std::string title;
};

const char* Attr(const GumboElement& el, const char* name) {
  const GumboAttribute* attr = gumbo_get_attribute(&el.attributes, name);
  return attr == nullptr ? nullptr : attr->value;
}

void AddAttr(const GumboElement& el, const char* name, Kind kind, const char* how, WalkState& st) {
  if (const char* value = Attr(el, name)) st.candidates.push_back({value, kind, how});
}

void AddSrcset(const GumboElement& el, const char* name, const char* how, WalkState& st) {
  const char* value = Attr(el, name);
  if (value == nullptr) return;
  for (SrcsetCandidate& c : ParseSrcset(value)) {
    st.candidates.push_back({std::move(c.url), Kind::kImage, how});
  }
}

bool HasToken(const char* value, std::string_view token) {
  if (value == nullptr) return false;
  std::string_view v(value);
  while (!v.empty()) {
    while (!v.empty() && IsSpace(v.front())) v.remove_prefix(1);
    size_t end = 0;
    while (end < v.size() && !IsSpace(v[end])) ++end;
    if (Lower(v.substr(0, end)) == token) return true;
    v.remove_prefix(end);
  }
  return false;
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

void VisitElement(const GumboNode* node, WalkState& st) {
  const GumboElement& el = node->v.element;
  const bool html = el.tag_namespace == GUMBO_NAMESPACE_HTML;
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
      AddAttr(el, "href", Kind::kAnchor, "a-href", st);
      break;
    case GUMBO_TAG_LINK:
      if (HasToken(Attr(el, "rel"), "next")) AddAttr(el, "href", Kind::kPage, "", st);
      break;
    case GUMBO_TAG_IMG:
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

// Pre-order, document order, with an explicit stack.
void Walk(const GumboNode* root, WalkState& st) {
  std::vector<const GumboNode*> stack{root};
  while (!stack.empty()) {
    const GumboNode* node = stack.back();
    stack.pop_back();
    const GumboVector* children = nullptr;
    if (node->type == GUMBO_NODE_DOCUMENT) {
      children = &node->v.document.children;
    } else if (node->type == GUMBO_NODE_ELEMENT || node->type == GUMBO_NODE_TEMPLATE) {
      VisitElement(node, st);
      children = &node->v.element.children;
    }
    if (children == nullptr) continue;
    for (unsigned i = children->length; i-- > 0;) {
      stack.push_back(static_cast<const GumboNode*>(children->data[i]));
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

  std::unordered_set<std::string> seen_pages, seen_images;
  for (const Candidate& c : st.candidates) {
    if (result.pages.size() + result.images.size() >= opts.max_links) break;
    if (IsBlankOrFragment(c.ref) || HasForeignScheme(c.ref)) continue;
    Result<Url> url = base.Resolve(c.ref);
    if (!url.ok()) {
      ++result.errors;
      continue;
    }
    const bool image =
        c.kind == Kind::kImage || (c.kind == Kind::kAnchor && HasImageExtension(url->path()));
    std::string spec = url->Spec();
    if (image) {
      if (seen_images.insert(spec).second) result.images.push_back({std::move(spec), c.how});
    } else if (seen_pages.insert(spec).second) {
      result.pages.push_back(std::move(spec));
    }
  }
  return result;
}

}  // namespace tdm::crawler
