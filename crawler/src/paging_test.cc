#include "paging.h"

#include <gtest/gtest.h>

#include <string>

namespace tdm::crawler {
namespace {

TEST(PagingTextTest, PhrasesCaseAndDecoration) {
  for (const char* text : {"next",
                           "Next",
                           " NEXT ",
                           "Next »",
                           "« Previous",
                           "older posts",
                           "Load  more…",
                           "Show older",
                           "next page",
                           "→",
                           "»»",
                           "‹",
                           "\xc2\xa0Next\xc2\xa0\xc2\xbb",
                           "Weiter >",
                           "NÄCHSTE",
                           "Ältere",
                           "Suivant :",
                           "PLUS ANCIENS",
                           "Précédent",
                           "Siguiente",
                           "ДАЛЕЕ",
                           "Следующая →",
                           "Назад",
                           ">> next >>"}) {
    EXPECT_TRUE(IsPagingText(text)) << text;
  }
  for (const char* text : {"", " ", ">", "...", "nextcloud", "next steps", "moreover", "2",
                           "more photos of her", "Read more about it", "home", "next\x01"}) {
    EXPECT_FALSE(IsPagingText(text)) << text;
  }
  EXPECT_FALSE(IsPagingText("next" + std::string(300, ' ')));
  EXPECT_FALSE(IsPagingText(std::string(1 << 20, '\xd0')));
  EXPECT_FALSE(IsPagingText("\xd0"));  // a lone lead byte at the end
  EXPECT_FALSE(IsPagingText("\xc3"));
}

TEST(PagingTextTest, PageNumbersAndPagerMarks) {
  EXPECT_TRUE(IsPageNumber("2"));
  EXPECT_TRUE(IsPageNumber(" 13\n"));
  EXPECT_TRUE(IsPageNumber("999999"));
  EXPECT_FALSE(IsPageNumber("1000000"));
  EXPECT_FALSE(IsPageNumber("2a"));
  EXPECT_FALSE(IsPageNumber("-1"));
  EXPECT_FALSE(IsPageNumber(" "));

  for (const char* v : {"pagination", "PageNav", "x pager y", "pages", "nav-links", "NAV-LINKS"}) {
    EXPECT_TRUE(MarksPager(v)) << v;
  }
  for (const char* v : {"", "nav", "links", "pa g", "post"}) EXPECT_FALSE(MarksPager(v)) << v;
  EXPECT_FALSE(MarksPager(nullptr));
}

TEST(PagingRelTest, Tokens) {
  EXPECT_TRUE(IsPagingRel("next"));
  EXPECT_TRUE(IsPagingRel("nofollow PREV"));
  EXPECT_TRUE(IsPagingRel("\tprevious\n"));
  EXPECT_FALSE(IsPagingRel("nextpage"));
  EXPECT_FALSE(IsPagingRel("stylesheet"));
  EXPECT_FALSE(IsPagingRel(""));
  EXPECT_FALSE(IsPagingRel(nullptr));
}

TEST(AnchorSignalsTest, TextIsCappedAndOverflowNeverPages) {
  AnchorSignals a;
  a.AppendText("Ne");
  a.AppendText("xt");
  EXPECT_TRUE(a.IsPaging());

  AnchorSignals number;
  number.AppendText("3");
  EXPECT_FALSE(number.IsPaging());
  number.in_pager = true;
  EXPECT_TRUE(number.IsPaging());

  AnchorSignals long_text;
  long_text.AppendText("Next");
  long_text.AppendText(std::string(1 << 20, ' '));
  EXPECT_EQ(long_text.text.size(), AnchorSignals::kMaxText);
  EXPECT_TRUE(long_text.text_overflow);
  EXPECT_FALSE(long_text.IsPaging());
  long_text.paging = true;  // rel, label or <nav> still decide
  EXPECT_TRUE(long_text.IsPaging());
}

TEST(CursorTest, AttributesAndValues) {
  EXPECT_EQ(FindCursorAttribute("data-before")->param, "before");
  EXPECT_EQ(FindCursorAttribute("data-max-id")->param, "before");
  EXPECT_EQ(FindCursorAttribute("data-after")->param, "after");
  EXPECT_EQ(FindCursorAttribute("data-cursor")->param, "cursor");
  EXPECT_EQ(FindCursorAttribute("data-next-cursor")->param, "cursor");
  EXPECT_EQ(FindCursorAttribute("data-page")->param, "page");
  for (const char* name : {"data-href", "data-url", "data-next-url", "data-next"}) {
    ASSERT_TRUE(FindCursorAttribute(name).has_value()) << name;
    EXPECT_TRUE(FindCursorAttribute(name)->is_url) << name;
  }
  for (const char* name : {"before", "data-", "data-src", "data-before-x", "href", ""}) {
    EXPECT_FALSE(FindCursorAttribute(name).has_value()) << name;
  }

  EXPECT_TRUE(IsValidCursor("1234"));
  EXPECT_TRUE(IsValidCursor("c:AB_1-2.x"));
  EXPECT_TRUE(IsValidCursor(std::string(kMaxCursorLength, 'a')));
  EXPECT_FALSE(IsValidCursor(std::string(kMaxCursorLength + 1, 'a')));
  for (const char* v : {"", " 1", "1 ", "a&b", "a=b", "a/b", "%41", "a#b", "a?b", "\xc3\xbc"}) {
    EXPECT_FALSE(IsValidCursor(v)) << v;
  }
}

TEST(CursorTest, WithQueryParam) {
  EXPECT_EQ(WithQueryParam("", "before", "5"), "before=5");
  EXPECT_EQ(WithQueryParam("q=x", "before", "5"), "q=x&before=5");
  EXPECT_EQ(WithQueryParam("q=x&before=9&embed=1", "before", "5"), "q=x&before=5&embed=1");
  EXPECT_EQ(WithQueryParam("before&q=x&before=1", "before", "5"), "before=5&q=x");
  EXPECT_EQ(WithQueryParam("&&q=x&&", "page", "2"), "q=x&page=2");
  EXPECT_EQ(WithQueryParam("beforehand=1&xbefore=2", "before", "5"),
            "beforehand=1&xbefore=2&before=5");
  EXPECT_EQ(WithQueryParam("a=%20b&before=", "before", "5"), "a=%20b&before=5");
}

TEST(CursorTest, CursorUrl) {
  const Result<Url> page = Url::Parse("https://t.me/s/chan?before=9&x=1#frag");
  ASSERT_TRUE(page.ok());
  const Result<Url> url = CursorUrl(*page, "before", "77");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->Spec(), "https://t.me/s/chan?before=77&x=1");
  EXPECT_FALSE(CursorUrl(*page, "before", "7 7").ok());
  EXPECT_FALSE(CursorUrl(*page, "before", "").ok());

  // A page URL near Url::kMaxLength cannot grow past it.
  const Result<Url> long_page =
      Url::Parse("https://s.example/?q=" + std::string(Url::kMaxLength - 30, 'a'));
  ASSERT_TRUE(long_page.ok());
  EXPECT_FALSE(CursorUrl(*long_page, "cursor", std::string(kMaxCursorLength, 'b')).ok());
}

}  // namespace
}  // namespace tdm::crawler
