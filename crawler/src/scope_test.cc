#include "tdm/crawler/scope.h"

#include <gtest/gtest.h>

namespace tdm::crawler {
namespace {

Url U(std::string_view s) {
  Result<Url> u = Url::Parse(s);
  EXPECT_TRUE(u.ok()) << s << ": " << u.status().message();
  return *u;
}

TEST(ScopeTest, PrefixIsSeedPathUpToLastSlash) {
  EXPECT_EQ(Scope::FromSeed(U("https://leaks.example/forum/index.php")).path_prefix(), "/forum/");
  EXPECT_EQ(Scope::FromSeed(U("https://leaks.example/forum/")).path_prefix(), "/forum/");
  EXPECT_EQ(Scope::FromSeed(U("https://leaks.example/forum")).path_prefix(), "/");
  EXPECT_EQ(Scope::FromSeed(U("https://leaks.example")).path_prefix(), "/");
}

TEST(ScopeTest, Membership) {
  const Scope scope = Scope::FromSeed(U("https://leaks.example/forum/index.php?x=1"));
  const struct {
    const char* url;
    bool in;
  } cases[] = {
      {"https://leaks.example/forum/index.php", true},
      {"https://leaks.example/forum/", true},
      {"https://leaks.example/forum/t/123/page-2", true},  // deeper path
      {"https://leaks.example/forum/t?id=5&p=2", true},    // query
      {"https://LEAKS.example:443/forum/a", true},         // case, explicit default port
      {"https://leaks.example:8443/forum/a", false},       // same host, other port
      {"http://leaks.example/forum/a", false},             // other scheme
      {"https://cdn.leaks.example/forum/a", false},        // subdomain
      {"https://leaks.example.evil/forum/a", false},       // suffix trick
      {"https://leaks.example/forum-evil/a", false},       // prefix trick
      {"https://leaks.example/forum", false},              // the directory without '/'
      {"https://leaks.example/admin/", false},
      {"https://leaks.example/forum/../admin/", false},      // dot segments
      {"https://leaks.example/forum/%2e%2E/admin/", false},  // encoded dots
      {"https://leaks.example/forum/..%2Fadmin/", false},    // encoded slash
      {"https://leaks.example/forum/..%2fadmin/", false},
      {"https://leaks.example/forum/..%5cadmin/", false},  // encoded backslash
      {"https://leaks.example/forum\\..\\admin", false},   // backslashes read as '/'
  };
  for (const auto& c : cases) {
    EXPECT_EQ(scope.Contains(U(c.url)), c.in) << c.url;
  }
}

TEST(ScopeTest, Describe) {
  EXPECT_EQ(Scope::FromSeed(U("https://leaks.example/forum/x")).Describe(),
            "https://leaks.example/forum/*");
  EXPECT_EQ(Scope::FromSeed(U("http://[::1]:8080/a/")).Describe(), "http://[::1]:8080/a/*");
}

}  // namespace
}  // namespace tdm::crawler
