#include "tdm/common/url.h"

#include <gtest/gtest.h>

#include <string>

namespace tdm {
namespace {

struct Case {
  const char* in;
  const char* want;  // nullptr: must be refused
};

Url MustParse(std::string_view s) {
  Result<Url> u = Url::Parse(s);
  EXPECT_TRUE(u.ok()) << s << ": " << u.status().message();
  return *u;
}

// RFC 3986 section 5.4, base "http://a/b/c/d;p?q". Fragments are dropped and
// an empty path is spelled "/", so those rows differ from the RFC text.
TEST(UrlResolveTest, Rfc3986Examples) {
  const Url base = MustParse("http://a/b/c/d;p?q");
  const Case cases[] = {
      // 5.4.1 normal examples.
      {"g:h", nullptr},  // another scheme: not http(s), refused
      {"g", "http://a/b/c/g"},
      {"./g", "http://a/b/c/g"},
      {"g/", "http://a/b/c/g/"},
      {"/g", "http://a/g"},
      {"//g", "http://g/"},
      {"?y", "http://a/b/c/d;p?y"},
      {"g?y", "http://a/b/c/g?y"},
      {"#s", "http://a/b/c/d;p?q"},
      {"g#s", "http://a/b/c/g"},
      {"g?y#s", "http://a/b/c/g?y"},
      {";x", "http://a/b/c/;x"},
      {"g;x", "http://a/b/c/g;x"},
      {"g;x?y#s", "http://a/b/c/g;x?y"},
      {"", "http://a/b/c/d;p?q"},
      {".", "http://a/b/c/"},
      {"./", "http://a/b/c/"},
      {"..", "http://a/b/"},
      {"../", "http://a/b/"},
      {"../g", "http://a/b/g"},
      {"../..", "http://a/"},
      {"../../", "http://a/"},
      {"../../g", "http://a/g"},
      // 5.4.2 abnormal examples.
      {"../../../g", "http://a/g"},
      {"../../../../g", "http://a/g"},
      {"/./g", "http://a/g"},
      {"/../g", "http://a/g"},
      {"g.", "http://a/b/c/g."},
      {".g", "http://a/b/c/.g"},
      {"g..", "http://a/b/c/g.."},
      {"..g", "http://a/b/c/..g"},
      {"./../g", "http://a/b/g"},
      {"./g/.", "http://a/b/c/g/"},
      {"g/./h", "http://a/b/c/g/h"},
      {"g/../h", "http://a/b/c/h"},
      {"g;x=1/./y", "http://a/b/c/g;x=1/y"},
      {"g;x=1/../y", "http://a/b/c/y"},
      {"g?y/./x", "http://a/b/c/g?y/./x"},
      {"g?y/../x", "http://a/b/c/g?y/../x"},
      {"g#s/./x", "http://a/b/c/g"},
      {"g#s/../x", "http://a/b/c/g"},
      {"http:g", "http://a/b/c/g"},  // the RFC's backwards-compatible reading
  };
  for (const Case& c : cases) {
    Result<Url> got = base.Resolve(c.in);
    if (c.want == nullptr) {
      EXPECT_FALSE(got.ok()) << c.in;
      continue;
    }
    ASSERT_TRUE(got.ok()) << c.in << ": " << got.status().message();
    EXPECT_EQ(got->Spec(), c.want) << c.in;
  }
}

TEST(UrlResolveTest, BrowserQuirks) {
  const Url base = MustParse("https://site.example/forum/t/1");
  const Case cases[] = {
      {"\\\\other.example\\x", "https://other.example/x"},
      {"  ../p?a=1 ", "https://site.example/forum/p?a=1"},
      {"http://other.example/", "http://other.example/"},
      {"HTTPS://Site.Example/Forum", "https://site.example/Forum"},
      {"javascript:alert(1)", nullptr},
      {"mailto:a@b.example", nullptr},
      {"data:image/png;base64,AAAA", nullptr},
      {"//user@evil.example/", nullptr},
  };
  for (const Case& c : cases) {
    Result<Url> got = base.Resolve(c.in);
    if (c.want == nullptr) {
      EXPECT_FALSE(got.ok()) << c.in;
      continue;
    }
    ASSERT_TRUE(got.ok()) << c.in << ": " << got.status().message();
    EXPECT_EQ(got->Spec(), c.want) << c.in;
  }
}

TEST(UrlParseTest, Normalises) {
  const Case cases[] = {
      {"HTTP://Example.COM:80/a/./b", "http://example.com/a/b"},
      {"https://x.example:443", "https://x.example/"},
      {"https://x.example:8443/p?q#frag", "https://x.example:8443/p?q"},
      {"http://x.example:/", "http://x.example/"},
      {"http://x.example/a b?c d", "http://x.example/a%20b?c%20d"},
      {"http://x.example/caf\xc3\xa9", "http://x.example/caf%C3%A9"},
      {"http://x.example/%7euser/%2fa%zz%", "http://x.example/~user/%2Fa%25zz%25"},
      {"http://x.example/a/%2e%2E/b/%2E", "http://x.example/b/"},
      {"  \t http://x.example/p \r\n", "http://x.example/p"},
      {"http://x.exa\nmple/p", "http://x.example/p"},
      {"http:\\\\x.example\\a\\b?c\\d", "http://x.example/a/b?c%5Cd"},
      {"http://x.example/?", "http://x.example/?"},
      {"http://[::1]:8080/", "http://[::1]:8080/"},
      {"http://[FE80::1]/", "http://[fe80::1]/"},
  };
  for (const Case& c : cases) {
    Result<Url> got = Url::Parse(c.in);
    ASSERT_TRUE(got.ok()) << c.in << ": " << got.status().message();
    EXPECT_EQ(got->Spec(), c.want) << c.in;
    // The normal form is a fixed point.
    EXPECT_EQ(MustParse(got->Spec()), *got) << c.in;
  }
}

TEST(UrlParseTest, Accessors) {
  const Url u = MustParse("HTTPS://Example.com:8443/a/b?x=1");
  EXPECT_EQ(u.scheme(), "https");
  EXPECT_EQ(u.host(), "example.com");
  EXPECT_EQ(u.port(), 8443);
  EXPECT_EQ(u.path(), "/a/b");
  EXPECT_EQ(u.query(), "x=1");
  EXPECT_TRUE(u.has_query());
  EXPECT_EQ(u.HostPort(), "example.com:8443");

  const Url v = MustParse("http://example.com");
  EXPECT_EQ(v.port(), 80);
  EXPECT_EQ(v.path(), "/");
  EXPECT_FALSE(v.has_query());
  EXPECT_EQ(v.HostPort(), "example.com");
  EXPECT_EQ(MustParse("https://e.example").port(), 443);
  EXPECT_EQ(MustParse("http://[::1]/").host(), "[::1]");
}

TEST(UrlParseTest, EqualityUsesNormalForm) {
  EXPECT_EQ(MustParse("http://A.example:80/x/../y#f"), MustParse("http://a.example/y"));
  EXPECT_FALSE(MustParse("http://a.example/y?") == MustParse("http://a.example/y"));
  EXPECT_FALSE(MustParse("http://a.example/") == MustParse("https://a.example/"));
}

TEST(UrlParseTest, Refusals) {
  const struct {
    std::string in;
    std::string message_part;
  } cases[] = {
      {"javascript:alert(1)", "unsupported scheme 'javascript'"},
      {"mailto:a@b.example", "unsupported scheme 'mailto'"},
      {"data:text/html,hi", "unsupported scheme 'data'"},
      {"ftp://x.example/", "unsupported scheme 'ftp'"},
      {"relative/path", "no scheme"},
      {"", "no scheme"},
      {"http:x.example/", "missing '//'"},
      {"http://", "empty host"},
      {"http:///p", "empty host"},
      {"http://:80/", "empty host"},
      {"http://x.example:0/", "bad port"},
      {"http://x.example:65536/", "bad port"},
      {"http://x.example:8a/", "bad port"},
      {"http://x.example:123456/", "bad port"},
      {"http://user:pw@x.example/", "credentials in URL"},
      {"http://user@x.example/", "credentials in URL"},
      {"http://x y.example/", "invalid character in host"},
      {"http://h\xc3\xa9.example/", "non-ASCII host"},
      {"http://[::1/", "IPv6"},
      {"http://[::g]/", "IPv6"},
      {"http://x.example/" + std::string(Url::kMaxLength, 'a'), "longer than 8 KiB"},
  };
  for (const auto& c : cases) {
    Result<Url> got = Url::Parse(c.in);
    ASSERT_FALSE(got.ok()) << c.in;
    EXPECT_EQ(got.status().code(), Status::Code::kInvalidArgument) << c.in;
    EXPECT_NE(got.status().message().find(c.message_part), std::string::npos)
        << c.in << " -> " << got.status().message();
  }
}

}  // namespace
}  // namespace tdm

namespace tdm {
namespace {

TEST(HostKeyOf, IsTheHostAndAnyNonDefaultPortOrEmpty) {
  EXPECT_EQ(HostKeyOf("http://Leaks.Example/forum/"), "leaks.example");
  EXPECT_EQ(HostKeyOf("https://cdn.example:8443/a.jpg"), "cdn.example:8443");
  EXPECT_EQ(HostKeyOf("http://cdn.example:80/a.jpg"), "cdn.example");
  EXPECT_EQ(HostKeyOf("not a url"), "");
}

}  // namespace
}  // namespace tdm
