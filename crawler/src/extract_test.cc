#include "tdm/crawler/extract.h"

#include <gtest/gtest.h>

#include <algorithm>
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

TEST(ExtractPagingTest, RelNextAndPrevOnLinkAndAnchor) {
  const Extracted e = Extract(R"html(<head><link rel="prev" href="?page=1">
      <link rel="NEXT" href="?page=3"><link rel="stylesheet" href="s.css"></head>
      <a rel="previous" href="/forum/t/0">back</a><a rel="nofollow" href="/c">c</a>)html");
  EXPECT_EQ(e.pages, (Strings{"https://site.example/forum/t/1?page=1",
                              "https://site.example/forum/t/1?page=3",
                              "https://site.example/forum/t/0", "https://site.example/c"}));
  EXPECT_EQ(e.pagination,
            (Strings{"https://site.example/forum/t/1?page=1",
                     "https://site.example/forum/t/1?page=3", "https://site.example/forum/t/0"}));
}

TEST(ExtractPagingTest, LinkTextAriaLabelAndTitle) {
  const Extracted e = Extract(R"html(<a href="p2">Next&nbsp;&raquo;</a>
      <a href="p3">  &laquo;  PREVIOUS </a><a href="p4"><span>Load</span> more&hellip;</a>
      <a href="p5" aria-label="Older posts"><svg></svg></a><a href="p6" title="Suivant">&#x25B6;</a>
      <a href="p7">&#x414;&#x430;&#x43B;&#x435;&#x435;</a><a href="p8">&Auml;ltere</a>
      <a href="p9">&rsaquo;</a>
      <a href="c1">Next steps after a leak</a><a href="c2">moreover</a><a href="c3">2</a>
      <a href="c4" title="Our next meetup">x</a>)html");
  EXPECT_EQ(e.pagination,
            (Strings{"https://site.example/forum/t/p2", "https://site.example/forum/t/p3",
                     "https://site.example/forum/t/p4", "https://site.example/forum/t/p5",
                     "https://site.example/forum/t/p6", "https://site.example/forum/t/p7",
                     "https://site.example/forum/t/p8", "https://site.example/forum/t/p9"}));
  EXPECT_EQ(e.pages.size(), 12u);  // the content links are pages all the same
  EXPECT_EQ(e.pages[8], "https://site.example/forum/t/c1");
}

TEST(ExtractPagingTest, NumberedLinksInsideAPager) {
  const Extracted e = Extract(R"html(
      <div class="pagination"><ul><li><a href="?page=1"> 1 </a></li>
        <li><a href="?page=2">2</a></li><li><a href="/members">Members</a></li></ul></div>
      <div class="nav-links"><a href="/page/7">7</a></div>
      <div id="PageNav"><a href="/t/1/page-9">9</a></div>
      <a class="page-link" href="/x?p=4">4</a>
      <div class="post"><a href="/t/42">42</a><a href="/t/43">1234567</a></div>)html");
  EXPECT_EQ(e.pagination,
            (Strings{"https://site.example/forum/t/1?page=1",
                     "https://site.example/forum/t/1?page=2", "https://site.example/page/7",
                     "https://site.example/t/1/page-9", "https://site.example/x?p=4"}));
  EXPECT_EQ(e.pages.size(), 8u);
}

TEST(ExtractPagingTest, PlainContentLinksAreNotPagination) {
  const Extracted e = Extract(R"html(<div class="post"><p>See <a href="/forum/t/2">the next
      thread</a> and <a href="https://news.example/story">this</a>.</p><a href="/u/5"><b>5</b></a>
      </div>)html");
  EXPECT_EQ(e.pages, (Strings{"https://site.example/forum/t/2", "https://news.example/story",
                              "https://site.example/u/5"}));
  EXPECT_TRUE(e.pagination.empty());
  EXPECT_TRUE(e.image_pages.empty());
}

TEST(ExtractPagingTest, NavIsAPagerContainer) {
  // A <nav> counts like class="pag...": its numbered links and paging phrases
  // are pagination, its menu links are not (a site menu is not a pager).
  const Extracted e =
      Extract(R"html(<nav class="board"><a href="/forum/">Index</a><span><a href="/forum/?page=2">
      2</a></span><a href="/forum/?page=3">Next &raquo;</a><a href="/forum/t/7">Thread 7</a></nav>
      <a href="/after">3</a>)html");
  EXPECT_EQ(e.pagination,
            (Strings{"https://site.example/forum/?page=2", "https://site.example/forum/?page=3"}));
  EXPECT_EQ(e.pages.size(), 5u);
  EXPECT_EQ(e.pages.back(), "https://site.example/after");
}

TEST(ExtractPagingTest, CursorAttributesSetQueryParameters) {
  // The cursor URLs are built on the page URL, not on <base href>.
  const Extracted e = Extract(R"html(<base href="https://other.example/x/">
      <div class="tgme_widget_message">post</div>
      <a class="tme_messages_more js-messages_more" data-before="1234"></a>
      <button data-after="77">newer</button><div data-cursor="c:AB_1-2.x"></div>
      <li data-next-cursor="n2"></li><span data-page="3"></span><div data-max-id="555"></div>
      <p data-before="999"></p><section data-page="4"></section>)html",
                              "https://t.me/s/leaks?q=x&before=9&embed=1#m");
  const Strings expected{"https://t.me/s/leaks?q=x&before=1234&embed=1",
                         "https://t.me/s/leaks?q=x&before=9&embed=1&after=77",
                         "https://t.me/s/leaks?q=x&before=9&embed=1&cursor=c:AB_1-2.x",
                         "https://t.me/s/leaks?q=x&before=9&embed=1&cursor=n2",
                         "https://t.me/s/leaks?q=x&before=9&embed=1&page=3",
                         "https://t.me/s/leaks?q=x&before=555&embed=1"};
  EXPECT_EQ(e.pages, expected);
  EXPECT_EQ(e.pagination, expected);
  EXPECT_EQ(e.errors, 0);
}

TEST(ExtractPagingTest, HostileCursorValuesAreSkippedAndCounted) {
  const std::string huge(1 << 20, '7');
  const Extracted e = Extract(R"html(<div data-before="1 OR 1=1"></div>
      <div data-before="../../admin"></div><div data-after="a&amp;admin=1"></div>
      <div data-cursor="%2e%2e"></div><div data-page="&uuml;n&iuml;"></div>
      <div data-page="{&quot;props&quot;:1}"></div><div data-before="&#10;5"></div>
      <div data-cursor=")html" +
                              std::string(65, 'x') +
                              R"html("></div><div data-before=""></div>
      <div data-cursor=")html" +
                              std::string(64, 'y') + R"html("></div><span data-max-id=")html" +
                              huge + R"html("></span>)html");
  EXPECT_EQ(e.pages, Strings{"https://site.example/forum/t/1?cursor=" + std::string(64, 'y')});
  EXPECT_EQ(e.errors, 9);
}

TEST(ExtractPagingTest, UrlDataAttributesResolveLikeHrefs) {
  const Extracted e = Extract(R"html(<base href="/board/">
      <button data-url="older?from=20">Load older</button><div data-href="../t/9">x</div>
      <span data-next-url="//cdn.example/feed?p=2"></span><li data-next="javascript:load()"></li>
      <div data-url="gallery/full.jpg"></div><img data-url="lazy.jpg">
      <div data-href="http://bad host/"></div>)html");
  const Strings expected{"https://site.example/board/older?from=20", "https://site.example/t/9",
                         "https://cdn.example/feed?p=2"};
  EXPECT_EQ(e.pages, expected);
  EXPECT_EQ(e.pagination, expected);
  EXPECT_EQ(e.images, (Images{{"https://site.example/board/gallery/full.jpg", "a-href"},
                              {"https://site.example/board/lazy.jpg", "lazy"}}));
  EXPECT_EQ(e.errors, 1);
}

TEST(ExtractThumbnailTest, AnchorsAroundImagesAreImagePages) {
  const Extracted e = Extract(R"html(
      <a href="https://img.example/view/1"><span><img src="t.jpg"></span></a>
      <a href="full.jpg"><img src="t2.jpg"></a><a href="/forum/t/2">text only</a>
      <a href="https://img.example/view/3"><div><p><picture><img src="t3.jpg"></picture></p></div></a>
      <a href="https://img.example/view/4">x</a><img src="after.jpg">
      <a href="https://img.example/view/1">again</a>)html");
  EXPECT_EQ(e.image_pages, (Strings{"https://img.example/view/1", "https://img.example/view/3"}));
  EXPECT_EQ(e.pages, (Strings{"https://img.example/view/1", "https://site.example/forum/t/2",
                              "https://img.example/view/3", "https://img.example/view/4"}));
  EXPECT_EQ(e.images, (Images{{"https://site.example/forum/t/t.jpg", "img-src"},
                              {"https://site.example/forum/t/full.jpg", "a-href"},
                              {"https://site.example/forum/t/t2.jpg", "img-src"},
                              {"https://site.example/forum/t/t3.jpg", "img-src"},
                              {"https://site.example/forum/t/after.jpg", "img-src"}}));
  EXPECT_TRUE(e.pagination.empty());
}

TEST(ExtractPagingTest, MaxLinksCountsConstructedUrls) {
  const Extracted e = ExtractLinks(R"html(<div data-before="1"></div><a href="a">a</a>
      <div data-before="2"></div><a href="b">Next</a>)html",
                                   U("http://s.example/feed"), 3);
  EXPECT_EQ(e.pages, (Strings{"http://s.example/feed?before=1", "http://s.example/a",
                              "http://s.example/feed?before=2"}));
  EXPECT_EQ(e.pagination,
            (Strings{"http://s.example/feed?before=1", "http://s.example/feed?before=2"}));
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

TEST(ExtractHostileTest, DeepNestingTakesLinearTime) {
  // Gumbo's tree building was quadratic here (see extract_differential_test.cc
  // for the reference extractor's budget); the tokenizer's is linear.
  std::string html = "<a href=\"x\">";
  for (int i = 0; i < 200000; ++i) html += "<div>";
  const auto start = std::chrono::steady_clock::now();
  const Extracted e = ExtractLinks(html, U("http://s.example/"),
                                   ExtractOptions{.parse_budget = std::chrono::milliseconds(2000)});
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  EXPECT_EQ(e.pages, Strings{"http://s.example/x"});
  EXPECT_EQ(e.errors, 0);
}

TEST(ExtractHostileTest, ParseBudgetIsStillEnforced) {
  std::string html = "<a href=\"x\">";
  for (int i = 0; i < 200000; ++i) html += "<div>";
  const Extracted e = ExtractLinks(html, U("http://s.example/"),
                                   ExtractOptions{.parse_budget = std::chrono::milliseconds(0)});
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

TEST(ExtractHostileTest, DeepPagersAndThumbnails) {
  // Pagers and navs nested 10k deep; a thumbnail 10k levels inside its anchor.
  std::string html;
  for (int i = 0; i < 5000; ++i) html += "<nav><div class=\"pagination\">";
  html += "<a href=\"deep\">5</a>";
  html += "<a href=\"https://img.example/v\">";
  for (int i = 0; i < 10000; ++i) html += "<span>";
  html += "<img src=\"t.jpg\"></a>";
  const Extracted deep = Extract(html);
  // The thumbnail link has no paging text: inside a pager it is no pagination.
  EXPECT_EQ(deep.pagination, Strings{"https://site.example/forum/t/deep"});
  EXPECT_EQ(deep.image_pages, Strings{"https://img.example/v"});
}

TEST(ExtractHostileTest, HugePagingTextLabelAndClass) {
  // A megabyte of text, title, aria-label and class: no paging, no crash.
  const std::string mb(1 << 20, ' ');
  const Extracted big = Extract("<a href=\"a\">Next" + mb + "</a><a href=\"b\" title=\"Next" + mb +
                                "\" aria-label=\"" + mb + "x\">c</a><div class=\"" + mb +
                                "pagination\"><a href=\"c\">2</a></div>");
  EXPECT_EQ(big.pages.size(), 3u);
  EXPECT_EQ(big.pagination, Strings{"https://site.example/forum/t/c"});  // the class still counts
}

TEST(ExtractHostileTest, ManyPagingControlsAreCapped) {
  std::string many;
  for (int i = 0; i < 50000; ++i) {
    const std::string n = std::to_string(i);
    many +=
        "<li class=\"pager\" data-page=\"" + n + "\"><a href=\"?p=" + n + "\">" + n + "</a></li>";
  }
  const auto start = std::chrono::steady_clock::now();
  const Extracted capped = Extract(many);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_EQ(capped.pages.size(), 5000u);
  EXPECT_EQ(capped.pagination, capped.pages);
}

TEST(ExtractHostileTest, PagingMarkupSoup) {
  std::mt19937 rng(7);
  std::vector<std::string> pieces{std::string(1, '\0')};
  std::string_view soup_parts =
      "<a href=\"x\">|</a>|<nav>|</nav>|<div class=\"pag\">|</div>|<img src=i.png>|"
      "<button data-before=\"|<span data-url=\"|\">|Next|\xc2\xbb|\xd0|\xc3|\xc2|&raquo;|"
      "<li data-page=|1| |<link rel=prev href=|'";
  for (size_t bar; (bar = soup_parts.find('|')) != std::string_view::npos;
       soup_parts.remove_prefix(bar + 1)) {
    pieces.emplace_back(soup_parts.substr(0, bar));
  }
  pieces.emplace_back(soup_parts);
  for (int round = 0; round < 200; ++round) {
    std::string soup;
    for (int i = 0; i < 500; ++i) soup += pieces[rng() % pieces.size()];
    const Extracted e = Extract(soup);
    for (const std::string& p : e.pagination) {
      EXPECT_NE(std::find(e.pages.begin(), e.pages.end(), p), e.pages.end()) << p;
    }
    for (const std::string& p : e.image_pages) {
      EXPECT_NE(std::find(e.pages.begin(), e.pages.end(), p), e.pages.end()) << p;
    }
  }
}

}  // namespace
}  // namespace tdm::crawler
