#include "sitemap.h"

#include <gtest/gtest.h>
#include <zlib.h>

namespace tdm::crawler {
namespace {

std::string Gzip(const std::string& text) {
  z_stream z{};
  deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, text.size()) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(out.size() - z.avail_out);
  deflateEnd(&z);
  return out;
}

TEST(Sitemap, UrlsetIndexGzipAndPlainText) {
  const std::string urlset = R"(<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc> https://leaks.example/forum/t/1.html </loc><lastmod>2026-01-01</lastmod></url>
  <url><loc>https://leaks.example/forum/t/2.html?a=1&amp;b=2</loc></url>
  <url><loc>javascript:alert(1)</loc></url>
</urlset>)";
  Sitemap m = ParseSitemap(urlset);
  EXPECT_EQ(m.pages, (std::vector<std::string>{"https://leaks.example/forum/t/1.html",
                                               "https://leaks.example/forum/t/2.html?a=1&b=2"}));
  EXPECT_TRUE(m.sitemaps.empty());

  const std::string index = R"(<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>https://leaks.example/sitemap-threads.xml.gz</loc></sitemap>
  <sitemap><loc>https://leaks.example/sitemap-media.xml</loc></sitemap>
</sitemapindex>)";
  m = ParseSitemap(index);
  EXPECT_TRUE(m.pages.empty());
  EXPECT_EQ(m.sitemaps.size(), 2u);

  m = ParseSitemap(Gzip(urlset));
  EXPECT_EQ(m.pages.size(), 2u) << "a .xml.gz file is inflated";

  m = ParseSitemap("https://leaks.example/a.html\r\n  \nnot a url\nhttp://leaks.example/b.html");
  EXPECT_EQ(m.pages, (std::vector<std::string>{"https://leaks.example/a.html",
                                               "http://leaks.example/b.html"}));
}

TEST(Sitemap, GarbageAndFloodsAreBounded) {
  EXPECT_TRUE(ParseSitemap("").pages.empty());
  EXPECT_TRUE(ParseSitemap("<loc>https://x.example/").pages.empty());  // never closed
  EXPECT_TRUE(ParseSitemap(std::string("\x1f\x8b garbage", 10)).pages.empty());
  std::string flood = "<urlset>";
  for (int i = 0; i < 60000; ++i)
    flood += "<url><loc>https://x.example/" + std::to_string(i) + "</loc></url>";
  flood += "</urlset>";
  const Sitemap m = ParseSitemap(flood);
  EXPECT_EQ(m.pages.size(), kMaxSitemapUrls);
  EXPECT_TRUE(m.truncated);
  // A gzip bomb stops at 50 MiB inflated.
  const Sitemap bomb = ParseSitemap(Gzip(std::string(60 << 20, ' ')));
  EXPECT_TRUE(bomb.truncated);
  EXPECT_TRUE(bomb.pages.empty());
}

}  // namespace
}  // namespace tdm::crawler
