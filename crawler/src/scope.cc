#include "tdm/crawler/scope.h"

#include <string>
#include <string_view>
#include <utility>

namespace tdm::crawler {
namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// True when the path holds "%2F" or "%5C" (Url writes escapes in uppercase).
bool HasEncodedSlash(std::string_view path) {
  return path.find("%2F") != std::string_view::npos || path.find("%5C") != std::string_view::npos;
}

}  // namespace

Scope Scope::FromSeed(const Url& seed) {
  const std::string& path = seed.path();
  // Url guarantees the path starts with '/', so rfind never fails.
  std::string prefix = path.substr(0, path.rfind('/') + 1);
  return Scope(seed.scheme(), seed.host(), seed.port(), std::move(prefix));
}

bool Scope::Contains(const Url& u) const {
  return u.scheme() == scheme_ && EqualsIgnoreCase(u.host(), host_) && u.port() == port_ &&
         u.path().starts_with(path_prefix_) && !HasEncodedSlash(u.path());
}

std::string Scope::Describe() const {
  const bool default_port =
      (scheme_ == "https" && port_ == 443) || (scheme_ == "http" && port_ == 80);
  std::string out = scheme_ + "://" + host_;
  if (!default_port) out += ":" + std::to_string(port_);
  return out + path_prefix_ + "*";
}

}  // namespace tdm::crawler
