#include "tdm/crawler/recrawl.h"

#include <algorithm>
#include <charconv>

namespace tdm::crawler {
namespace {

struct Unit {
  char letter;
  int64_t seconds;
};
constexpr Unit kUnits[] = {{'w', 7 * 86400}, {'d', 86400}, {'h', 3600}, {'m', 60}, {'s', 1}};
constexpr int64_t kMaxEvery = 365 * 86400;

void Mix(uint64_t& h, std::string_view s) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  h ^= 0xff;  // separator: {"ab"} and {"a", "b"} differ
  h *= 0x100000001b3ULL;
}

}  // namespace

const char* PageKindName(PageKind kind) {
  switch (kind) {
    case PageKind::kIndex:
      return "index";
    case PageKind::kImagePage:
      return "image-page";
    case PageKind::kPage:
      break;
  }
  return "page";
}

PageKind ParsePageKind(std::string_view name) {
  if (name == "index") return PageKind::kIndex;
  if (name == "image-page") return PageKind::kImagePage;
  return PageKind::kPage;
}

std::chrono::seconds NextInterval(std::chrono::seconds every, PageKind kind,
                                  std::optional<std::chrono::seconds> previous, bool changed) {
  const int64_t e = std::max<int64_t>(every.count(), 1);
  const int64_t lo = std::max<int64_t>(1, e / 4);
  const int64_t hi = kind == PageKind::kIndex ? 2 * e : 16 * e;
  int64_t next;
  if (!previous) {
    next = kind == PageKind::kIndex ? e : 2 * e;
  } else if (changed) {
    next = previous->count() / 2;
  } else {
    next = previous->count() + previous->count() / 2;
  }
  return std::chrono::seconds(std::clamp(next, lo, hi));
}

Result<std::chrono::seconds> ParseEvery(std::string_view text) {
  auto bad = [&] {
    return Status::InvalidArgument("schedule '" + std::string(text) +
                                   "': expected a whole number and a unit, e.g. 90s, 30m, 6h, "
                                   "1d or 2w, from 1s to 365d");
  };
  if (text.size() < 2) return bad();
  const char letter = text.back();
  const auto unit = std::find_if(std::begin(kUnits), std::end(kUnits),
                                 [&](const Unit& u) { return u.letter == letter; });
  if (unit == std::end(kUnits)) return bad();
  int64_t n = 0;
  const std::string_view digits = text.substr(0, text.size() - 1);
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (ec != std::errc() || end != digits.data() + digits.size() || n < 1 ||
      n > kMaxEvery / unit->seconds) {
    return bad();
  }
  return std::chrono::seconds(n * unit->seconds);
}

std::string FormatEvery(std::chrono::seconds every) {
  for (const Unit& u : kUnits) {
    if (every.count() > 0 && every.count() % u.seconds == 0) {
      return std::to_string(every.count() / u.seconds) + u.letter;
    }
  }
  return std::to_string(every.count()) + "s";
}

int64_t ContentDigest(std::vector<std::string> pages, std::vector<std::string> images) {
  std::sort(pages.begin(), pages.end());
  std::sort(images.begin(), images.end());
  uint64_t h = 0xcbf29ce484222325ULL;
  for (const std::string& p : pages) Mix(h, p);
  Mix(h, "\x01images");
  for (const std::string& i : images) Mix(h, i);
  return static_cast<int64_t>(h);
}

}  // namespace tdm::crawler
