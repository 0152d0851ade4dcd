#pragma once

// Internal to tdm::crawler: sitemaps (sitemaps.org protocol), found through
// robots.txt Sitemap lines. A <urlset> lists pages, a <sitemapindex> lists
// more sitemaps; a plain-text sitemap has one URL per line. Bodies may be
// gzip-compressed files (.xml.gz), inflated here up to the protocol's 50 MiB.
// Hostile input: never throws; garbage yields fewer or no URLs.

#include <string>
#include <string_view>
#include <vector>

namespace tdm::crawler {

struct Sitemap {
  std::vector<std::string> pages;     // <url><loc>, entities decoded, as written
  std::vector<std::string> sitemaps;  // <sitemap><loc> of an index
  bool truncated = false;             // over 50,000 URLs or 50 MiB: the rest ignored
};

inline constexpr size_t kMaxSitemapUrls = 50000;
inline constexpr size_t kMaxSitemapBytes = 50 << 20;

Sitemap ParseSitemap(std::string_view body);

}  // namespace tdm::crawler
