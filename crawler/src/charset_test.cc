#include "charset.h"

#include <gtest/gtest.h>

namespace tdm::crawler {
namespace {

TEST(Charset, FromTheHeaderThenMetaElseUtf8) {
  EXPECT_EQ(CharsetOfContentType("text/html; charset=ISO-8859-1"), "windows-1252");
  EXPECT_EQ(CharsetOfContentType("text/html;charset=\"Shift_JIS\""), "shift_jis");
  EXPECT_EQ(CharsetOfContentType("text/html"), "");

  // Latin-1 bytes named by the header: converted.
  const std::string latin1 = "<a href=\"caf\xe9.html\">caf\xe9</a>";
  Utf8Page p = DecodeToUtf8(latin1, "text/html; charset=iso-8859-1");
  EXPECT_TRUE(p.converted);
  EXPECT_EQ(p.html, "<a href=\"caf\xc3\xa9.html\">caf\xc3\xa9</a>");

  // Named by <meta> only.
  p = DecodeToUtf8("<html><head><meta charset='windows-1252'></head>\x93q\x94</html>", "text/html");
  EXPECT_EQ(p.charset, "windows-1252");
  EXPECT_NE(p.html.find("\xe2\x80\x9cq\xe2\x80\x9d"), std::string::npos);  // curly quotes
  p = DecodeToUtf8("<meta http-equiv=\"Content-Type\" content=\"text/html; charset=koi8-r\">\xf0",
                   "");
  EXPECT_EQ(p.charset, "koi8-r");
  EXPECT_EQ(p.html.substr(p.html.size() - 2), "\xd0\x9f");  // Cyrillic capital Pe

  // Shift_JIS, two bytes per character.
  p = DecodeToUtf8("\x93\xfa\x96\x7b", "text/html; charset=Shift_JIS");
  EXPECT_EQ(p.html, "\xe6\x97\xa5\xe6\x9c\xac");  // 日本
}

TEST(Charset, WrongAndUnknownCharsetsNeitherFailNorLoseTheRest) {
  // The header claims UTF-8 but the bytes are Latin-1: passed on as they are
  // (the parser replaces the invalid bytes), links intact.
  Utf8Page p = DecodeToUtf8("<a href=\"a.html\">caf\xe9</a>", "text/html; charset=utf-8");
  EXPECT_FALSE(p.converted);
  EXPECT_NE(p.html.find("a.html"), std::string::npos);
  // A charset nobody knows: read as UTF-8, flagged.
  p = DecodeToUtf8("<a href=\"b.html\">x</a>", "text/html; charset=x-no-such-thing");
  EXPECT_TRUE(p.unknown_charset);
  EXPECT_EQ(p.html, "<a href=\"b.html\">x</a>");
  // Bytes invalid in the named charset are dropped, the rest converted.
  p = DecodeToUtf8("ok\x81\x82 <a href=\"c.html\">", "text/html; charset=shift_jis");
  EXPECT_NE(p.html.find("<a href=\"c.html\">"), std::string::npos);
}

}  // namespace
}  // namespace tdm::crawler
