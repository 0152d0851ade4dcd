#include "extract_candidates.h"

#include <algorithm>
#include <initializer_list>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>

namespace tdm::crawler {
namespace {

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
  if (c.kind == CandidateKind::kCursor) {
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

void Collected::AddImage(std::string_view ref, const char* how) {
  candidates.push_back({.ref = std::string(ref), .kind = CandidateKind::kImage, .how = how});
}

void Collected::AddSrcset(std::string_view srcset, const char* how) {
  for (SrcsetCandidate& c : ParseSrcset(srcset)) {
    candidates.push_back({.ref = std::move(c.url), .kind = CandidateKind::kImage, .how = how});
  }
}

int Collected::AddAnchor(std::string_view href, bool paging, bool in_pager) {
  AnchorSignals& anchor = anchors.emplace_back();
  anchor.paging = paging;
  anchor.in_pager = in_pager;
  const int index = static_cast<int>(anchors.size() - 1);
  candidates.push_back(
      {.ref = std::string(href), .kind = CandidateKind::kAnchor, .how = "a-href", .anchor = index});
  return index;
}

void Collected::AddCursor(std::string_view name, std::string_view value) {
  const std::optional<CursorAttribute> cursor = FindCursorAttribute(name);
  if (!cursor) return;
  if (cursor->is_url) {
    candidates.push_back({.ref = std::string(value),
                          .kind = CandidateKind::kAnchor,
                          .how = "a-href",
                          .paging = true});
  } else {
    // A longer value is refused anyway; one byte more than allowed tells.
    candidates.push_back({.ref = std::string(value.substr(0, kMaxCursorLength + 1)),
                          .kind = CandidateKind::kCursor,
                          .how = "",
                          .paging = true,
                          .param = cursor->param});
  }
}

void Collected::AddPagingLink(std::string_view href) {
  candidates.push_back(
      {.ref = std::string(href), .kind = CandidateKind::kPage, .how = "", .paging = true});
}

bool IsOgImageKey(std::string_view key) {
  return OneOf(Lower(key), {"og:image", "og:image:url", "og:image:secure_url", "twitter:image",
                            "twitter:image:src"});
}

std::string CollapseTitle(std::string_view raw) {
  std::string title;
  for (char c : raw) {
    if (title.size() >= 1024) break;
    if (!IsSpace(c)) {
      title.push_back(c);
    } else if (!title.empty() && title.back() != ' ') {
      title.push_back(' ');
    }
  }
  if (!title.empty() && title.back() == ' ') title.pop_back();
  return title;
}

void Finish(Collected& st, const Url& page_url, size_t max_links, Extracted& result) {
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
    if (lists.size() >= max_links) break;
    std::optional<Result<Url>> url = Target(c, base, page_url);
    if (!url) continue;
    if (!url->ok()) {
      ++result.errors;
      continue;
    }
    std::string spec = (*url)->Spec();
    if (c.kind == CandidateKind::kImage ||
        (c.kind == CandidateKind::kAnchor && HasImageExtension((*url)->path()))) {
      lists.AddImage(std::move(spec), c.how);
      continue;
    }
    const AnchorSignals* anchor = c.anchor >= 0 ? &st.anchors[c.anchor] : nullptr;
    lists.AddPage(spec, c.paging || (anchor != nullptr && anchor->IsPaging()),
                  anchor != nullptr && anchor->has_image);
  }
}

}  // namespace tdm::crawler
