#include "sitemap.h"

#include <zlib.h>

#include <algorithm>
#include <cctype>

namespace tdm::crawler {
namespace {

// Inflates a gzip body, at most kMaxSitemapBytes; false when it is not gzip
// or is corrupt (what was inflated so far is kept).
bool Gunzip(std::string_view in, std::string* out, bool* truncated) {
  z_stream z{};
  if (inflateInit2(&z, 15 + 32) != Z_OK) return false;  // gzip or zlib header
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  char buf[1 << 16];
  int rc = Z_OK;
  while (rc == Z_OK) {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof(buf);
    rc = inflate(&z, Z_NO_FLUSH);
    out->append(buf, sizeof(buf) - z.avail_out);
    if (out->size() > kMaxSitemapBytes) {
      out->resize(kMaxSitemapBytes);
      *truncated = true;
      break;
    }
  }
  inflateEnd(&z);
  return rc == Z_STREAM_END || *truncated || !out->empty();
}

std::string Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

std::string DecodeEntities(std::string_view s) {
  static const std::pair<std::string_view, char> kEntities[] = {
      {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
  std::string out;
  for (size_t i = 0; i < s.size();) {
    bool replaced = false;
    if (s[i] == '&') {
      for (const auto& [name, c] : kEntities) {
        if (s.substr(i, name.size()) == name) {
          out += c;
          i += name.size();
          replaced = true;
          break;
        }
      }
    }
    if (!replaced) out += s[i++];
  }
  return out;
}

bool IsHttpUrl(std::string_view s) {
  return s.rfind("http://", 0) == 0 || s.rfind("https://", 0) == 0;
}

}  // namespace

Sitemap ParseSitemap(std::string_view body) {
  Sitemap map;
  std::string inflated;
  if (body.size() >= 2 && static_cast<unsigned char>(body[0]) == 0x1f &&
      static_cast<unsigned char>(body[1]) == 0x8b) {
    if (!Gunzip(body, &inflated, &map.truncated)) return map;
    body = inflated;
  } else if (body.size() > kMaxSitemapBytes) {
    body = body.substr(0, kMaxSitemapBytes);
    map.truncated = true;
  }
  const auto full = [&] {
    if (map.pages.size() + map.sitemaps.size() < kMaxSitemapUrls) return false;
    map.truncated = true;
    return true;
  };
  if (body.find("<loc") == std::string_view::npos) {  // a plain-text sitemap
    for (size_t start = 0; start < body.size() && !full();) {
      size_t end = body.find('\n', start);
      if (end == std::string_view::npos) end = body.size();
      const std::string line = Trim(body.substr(start, end - start));
      if (IsHttpUrl(line)) map.pages.push_back(line);
      start = end + 1;
    }
    return map;
  }
  // <loc> inside <sitemap> belongs to an index, any other to a page.
  for (size_t at = body.find("<loc"); at != std::string_view::npos && !full();
       at = body.find("<loc", at + 4)) {
    const size_t open_end = body.find('>', at);
    if (open_end == std::string_view::npos) break;
    const size_t close = body.find("</loc>", open_end);
    if (close == std::string_view::npos) break;
    const std::string url = DecodeEntities(Trim(body.substr(open_end + 1, close - open_end - 1)));
    if (!IsHttpUrl(url)) continue;
    const size_t sitemap_open = body.rfind("<sitemap", at);
    const size_t url_open = body.rfind("<url", at);
    const bool in_index = sitemap_open != std::string_view::npos &&
                          (url_open == std::string_view::npos || sitemap_open > url_open) &&
                          body.substr(sitemap_open, 11) != "<sitemapind";
    (in_index ? map.sitemaps : map.pages).push_back(url);
  }
  return map;
}

}  // namespace tdm::crawler
