#include "tdm/crawler/extract.h"

#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <string>
#include <vector>

namespace tdm::crawler {
namespace {

using Strings = std::vector<std::string>;
using Images = std::vector<ImageRef>;

Url U(std::string_view s) {
  Result<Url> u = Url::Parse(s);
  EXPECT_TRUE(u.ok()) << s << ": " << u.status().message();
  return *u;
}

Extracted Extract(std::string_view html, std::string_view page = "https://site.example/forum/t/1") {
  return ExtractLinks(html, U(page));
}

TEST(ExtractTest, RelativeAndDotDotLinks) {
  const Extracted e = Extract(R"html(<html><body>
      <a href="2">next</a> <a href="../index.php?x=1#top">up</a>
      <a href="/abs">abs</a> <a href="//cdn.example/p">cdn</a>
      <a href="https://other.example/q">other</a> <area href="./map">
      <a href="../../../../root">root</a></body></html>)html");
  EXPECT_EQ(e.pages,
            (Strings{"https://site.example/forum/t/2", "https://site.example/forum/index.php?x=1",
                     "https://site.example/abs", "https://cdn.example/p", "https://other.example/q",
                     "https://site.example/forum/t/map", "https://site.example/root"}));
  EXPECT_TRUE(e.images.empty());
  EXPECT_EQ(e.errors, 0);
}

TEST(ExtractTest, BaseHrefAppliesToWholeDocumentAndMayBeRelative) {
  const Extracted e =
      Extract(R"html(<html><head><base href="../gallery/"><base href="/ignored/"></head>
      <body><a href="p2">p</a><img src="a.jpg"></body></html>)html");
  EXPECT_EQ(e.pages, Strings{"https://site.example/forum/gallery/p2"});
  EXPECT_EQ(e.images, (Images{{"https://site.example/forum/gallery/a.jpg", "img-src"}}));

  // A base after a link still applies to it (HTML's document base URL).
  const Extracted late = Extract(R"html(<a href="x">x</a><base href="https://b.example/d/">)html");
  EXPECT_EQ(late.pages, Strings{"https://b.example/d/x"});
}

TEST(ExtractTest, SrcsetCandidatesAndDescriptors) {
  EXPECT_EQ(ParseSrcset(" a.jpg 1x, b.jpg 2x,c,d.jpg  640w , e.jpg (x, y) 3x,f.jpg,,, "
                        "data:image/png;base64,AA== 4x"),
            (std::vector<SrcsetCandidate>{{"a.jpg", "1x"},
                                          {"b.jpg", "2x"},
                                          {"c,d.jpg", "640w"},  // commas inside a URL stay
                                          {"e.jpg", "(x, y) 3x"},
                                          {"f.jpg", ""},
                                          {"data:image/png;base64,AA==", "4x"}}));
  EXPECT_TRUE(ParseSrcset(" , ,").empty());

  const Extracted e = Extract(R"html(<img src="s.png" srcset="m.png 2x, /l,1.png 3x, s.png 1x">
      <picture><source srcset="p.avif 1x, p2.avif 2x" type="image/avif"><img src="p.jpg"></picture>
      <video><source srcset="not-in-picture.jpg"></video>)html");
  EXPECT_EQ(e.images, (Images{{"https://site.example/forum/t/s.png", "img-src"},
                              {"https://site.example/forum/t/m.png", "srcset"},
                              {"https://site.example/l,1.png", "srcset"},
                              {"https://site.example/forum/t/p.avif", "picture-source"},
                              {"https://site.example/forum/t/p2.avif", "picture-source"},
                              {"https://site.example/forum/t/p.jpg", "img-src"}}));
}

TEST(ExtractTest, LazyImagesAndOpenGraph) {
  const Extracted e = Extract(R"html(<html><head>
      <meta property="og:image" content="/og.jpg">
      <meta name="twitter:image" content="https://cdn.example/tw.png">
      <meta property="og:title" content="not an image"></head><body>
      <img src="placeholder.gif" data-src="real1.jpg">
      <img data-srcset="r2.jpg 1x, r3.jpg 2x" data-original="r4.jpg">
      <img data-lazy-src="r5.jpg" data-url="r6.jpg"></body></html>)html");
  EXPECT_EQ(e.images, (Images{{"https://site.example/og.jpg", "og:image"},
                              {"https://cdn.example/tw.png", "og:image"},
                              {"https://site.example/forum/t/placeholder.gif", "img-src"},
                              {"https://site.example/forum/t/real1.jpg", "data-src"},
                              {"https://site.example/forum/t/r2.jpg", "lazy"},
                              {"https://site.example/forum/t/r3.jpg", "lazy"},
                              {"https://site.example/forum/t/r4.jpg", "lazy"},
                              {"https://site.example/forum/t/r5.jpg", "lazy"},
                              {"https://site.example/forum/t/r6.jpg", "lazy"}}));
  EXPECT_TRUE(e.pages.empty());
}

TEST(ExtractTest, LinksToImageFilesAreImages) {
  const Extracted e = Extract(R"html(<a href="full/1.JPG?size=big">1</a><a href="2.webp#f">2</a>
      <a href="3.jpeg.html">3</a><a href="dir.png/">4</a><a href="x.avif">5</a>)html");
  EXPECT_EQ(e.images, (Images{{"https://site.example/forum/t/full/1.JPG?size=big", "a-href"},
                              {"https://site.example/forum/t/2.webp", "a-href"},
                              {"https://site.example/forum/t/x.avif", "a-href"}}));
  EXPECT_EQ(e.pages, (Strings{"https://site.example/forum/t/3.jpeg.html",
                              "https://site.example/forum/t/dir.png/"}));
}

TEST(ExtractTest, SkipsOtherSchemesAndCountsUnparsable) {
  const Extracted e =
      Extract(R"html(<a href="javascript:alert(1)">j</a><a href=" JavaScript:void(0)">j</a>
      <a href="mailto:x@y.example">m</a><a href="tel:123">t</a><img src="data:image/png;base64,AAAA">
      <a href="#top">frag</a><a href="">empty</a><a>none</a>
      <a href="http://user:pw@evil.example/">creds</a><a href="http://bad host/">space</a>
      <a href="ok">ok</a>)html");
  EXPECT_EQ(e.pages, Strings{"https://site.example/forum/t/ok"});
  EXPECT_TRUE(e.images.empty());
  EXPECT_EQ(e.errors, 2);
}

TEST(ExtractTest, DeduplicatesInFirstSeenOrderAndDropsFragments) {
  const Extracted e = Extract(R"html(<a href="b">b</a><a href="a#1">a</a><a href="b#2">b</a>
      <a href="./a">a</a><a href="B">B</a><img src="i.png"><img srcset="i.png 2x"><a href="i.png">i</a>)html");
  EXPECT_EQ(e.pages, (Strings{"https://site.example/forum/t/b", "https://site.example/forum/t/a",
                              "https://site.example/forum/t/B"}));
  EXPECT_EQ(e.images, (Images{{"https://site.example/forum/t/i.png", "img-src"}}));
}

TEST(ExtractTest, NofollowAndRelNext) {
  const Extracted e =
      Extract(R"html(<head><link rel="stylesheet" href="s.css"><link rel="Prev Next" href="?page=2">
      </head><a rel="nofollow" href="nf">nf</a>)html");
  EXPECT_EQ(e.pages,
            (Strings{"https://site.example/forum/t/1?page=2", "https://site.example/forum/t/nf"}));
}

TEST(ExtractTest, MaxLinksCapsPagesAndImagesTogether) {
  std::string html;
  for (int i = 0; i < 100; ++i)
    html +=
        "<a href=\"p" + std::to_string(i) + "\"></a><img src=\"" + std::to_string(i) + ".png\">";
  const Extracted e = ExtractLinks(html, U("http://s.example/"), 10);
  EXPECT_EQ(e.pages.size() + e.images.size(), 10u);
  EXPECT_EQ(e.pages.front(), "http://s.example/p0");
  EXPECT_EQ(e.images.front().url, "http://s.example/0.png");
  EXPECT_EQ(e.errors, 0);
}

TEST(ExtractTest, TitleEntitiesAndWhitespace) {
  const Extracted e = Extract(
      "<title>\n  Leaks &amp; more\t page </title><a href=\"q?a=1&amp;b=2\">x</a>"
      "<svg><title>not this</title></svg>");
  EXPECT_EQ(e.title, "Leaks & more page");
  EXPECT_EQ(e.pages, Strings{"https://site.example/forum/t/q?a=1&b=2"});
}

TEST(ExtractHostileTest, MalformedMarkup) {
  const Extracted e = Extract(
      "<html><body><div><a href=\"one\"><p><img src=\"x.png\"<a href='two'>"
      "<table><a href=three></td></tr><<<>>><a href=\"four");
  EXPECT_EQ(e.pages,
            (Strings{"https://site.example/forum/t/one", "https://site.example/forum/t/three"}));
  EXPECT_EQ(e.images.size(), 1u);
  EXPECT_TRUE(Extract("").pages.empty());
  EXPECT_TRUE(Extract("<").pages.empty());
  EXPECT_TRUE(Extract("<!--").pages.empty());
  EXPECT_TRUE(Extract("<a href=\"x\"").pages.empty());
}

TEST(ExtractHostileTest, GarbageBytesDoNotCrash) {
  std::mt19937 rng(42);
  static constexpr char kAlphabet[] = "<>/=\"' abcdimgsrchref&#;\0\x80\xff\xc3";
  const std::string alphabet(kAlphabet, sizeof(kAlphabet) - 1);
  for (int round = 0; round < 200; ++round) {
    std::string html;
    for (int i = 0; i < 2000; ++i) html += alphabet[rng() % alphabet.size()];
    html += "<a href=\"end\">";
    (void)Extract(html);
  }
  std::string binary(1 << 16, '\0');
  for (char& c : binary) c = static_cast<char>(rng());
  (void)Extract(binary);
}

TEST(ExtractHostileTest, DeepNesting) {
  for (const char* tag : {"div", "span", "b", "table", "svg"}) {
    std::string html = "<a href=\"top\">";
    for (int i = 0; i < 10000; ++i) html += std::string("<") + tag + ">";
    html += "<a href=\"deep\"><img src=\"deep.png\">";
    for (int i = 0; i < 10000; ++i) html += std::string("</") + tag + ">";
    html += "<a href=\"after\">";
    const Extracted e = Extract(html);
    EXPECT_EQ(e.pages,
              (Strings{"https://site.example/forum/t/top", "https://site.example/forum/t/deep",
                       "https://site.example/forum/t/after"}))
        << tag;
    EXPECT_EQ(e.images.size(), 1u) << tag;
  }
  // Deep enough to overflow a recursive walk or free (300k levels).
  std::string spans;
  for (int i = 0; i < 300000; ++i) spans += "<span>";
  spans += "<a href=\"x\">";
  EXPECT_EQ(Extract(spans).pages.size(), 1u);
}

TEST(ExtractHostileTest, QuadraticNestingIsCutOffByTheBudget) {
  std::string html = "<a href=\"x\">";
  for (int i = 0; i < 200000; ++i) html += "<div>";
  const auto start = std::chrono::steady_clock::now();
  const Extracted e = ExtractLinks(html, U("http://s.example/"),
                                   ExtractOptions{.parse_budget = std::chrono::milliseconds(200)});
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  EXPECT_TRUE(e.pages.empty());
  EXPECT_EQ(e.errors, 1);
}

TEST(ExtractHostileTest, HugeAttribute) {
  const std::string huge(1 << 20, 'a');
  const Extracted e = Extract("<a href=\"" + huge + "\">x</a><img src=\"" + huge + "\" srcset=\"" +
                              huge + " 2x\"><a href=\"ok\">" + "<div class=\"" + huge + "\">");
  EXPECT_EQ(e.pages, Strings{"https://site.example/forum/t/ok"});
  EXPECT_TRUE(e.images.empty());
  EXPECT_EQ(e.errors, 3);
}

}  // namespace
}  // namespace tdm::crawler
