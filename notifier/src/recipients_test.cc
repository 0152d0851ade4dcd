#include "tdm/notifier/recipients.h"

#include <gtest/gtest.h>

#include <string>

#include "tdm/common/test_doubles.h"

namespace tdm::notifier {
namespace {

const std::string kBase = "http://rdap.test";
const std::string kIpUrl = kBase + "/ip/192.0.2.7";
const std::string kDomainUrl = kBase + "/domain/leaks.example";
const std::string kSecurityUrl = "https://forum.leaks.example/.well-known/security.txt";

const std::string kIpBody = R"({"objectClassName":"ip network","entities":[
  {"roles":["registrant"],"vcardArray":["vcard",[["fn",{},"text","Example Hosting Ltd"]]],
   "entities":[{"roles":["abuse"],"vcardArray":["vcard",[
     ["email",{},"text","abuse@hosting.example"]]]}]}]})";
const std::string kDomainBody = R"({"objectClassName":"domain","entities":[
  {"roles":["registrar"],"vcardArray":["vcard",[["fn",{},"text","Example Registrar Inc."]]],
   "entities":[{"roles":["abuse"],"vcardArray":["vcard",[
     ["email",{},"text","abuse@registrar.example"]]]}]}]})";
const std::string kSecurityBody =
    "Contact: mailto:security@leaks.example\nContact: https://leaks.example/report\n"
    "Expires: 2099-01-01T00:00:00Z\n";

class Resolver : public ::testing::Test {
 protected:
  RecipientResolution Resolve(const std::string& site_url, const std::string& configured = "",
                              bool allow_private = false, const std::string& base = kBase) {
    RecipientResolver resolver(fetcher_, base, [this](const std::string& host) {
      resolved_.push_back(host);
      return ips_;
    });
    RecipientQuery q;
    q.site_url = site_url;
    q.configured_email = configured;
    q.allow_private = allow_private;
    return resolver.Resolve(q);
  }
  void ServeAll() {
    fetcher_.Serve(kIpUrl, 200, "application/rdap+json", kIpBody);
    fetcher_.Serve(kDomainUrl, 200, "application/rdap+json", kDomainBody);
    fetcher_.Serve(kSecurityUrl, 200, "text/plain", kSecurityBody);
  }
  static std::vector<std::string> Emails(const RecipientResolution& r) {
    std::vector<std::string> out;
    for (const auto& c : r.candidates) out.push_back(c.email);
    return out;
  }
  static std::vector<std::string> Kinds(const RecipientResolution& r) {
    std::vector<std::string> out;
    for (const auto& c : r.candidates) out.push_back(c.kind);
    return out;
  }

  tdm::testing::ScriptedFetcher fetcher_;
  std::vector<std::string> ips_ = {"192.0.2.7", "2001:db8::7"};
  std::vector<std::string> resolved_;
};

using Strings = std::vector<std::string>;

TEST_F(Resolver, SiteContactThenHostingThenRegistrarThenSecurityTxtWithSources) {
  ServeAll();
  auto r = Resolve("https://forum.leaks.example/t/1.html", "DMCA@Leaks.Example");
  EXPECT_TRUE(r.problems.empty()) << r.problems[0];
  EXPECT_EQ(Emails(r), (Strings{"DMCA@leaks.example", "abuse@hosting.example",
                                "abuse@registrar.example", "security@leaks.example"}));
  EXPECT_EQ(Kinds(r), (Strings{"site", "hosting-abuse", "registrar-abuse", "security-txt"}));
  EXPECT_EQ(r.candidates[0].source, "site contact");
  EXPECT_EQ(r.candidates[1].source,
            "RDAP abuse contact of 192.0.2.7 (Example Hosting Ltd, " + kIpUrl + ")");
  EXPECT_EQ(r.candidates[2].source,
            "registrar abuse contact for leaks.example (Example Registrar Inc.)");
  EXPECT_EQ(r.candidates[3].source, "security.txt of https://forum.leaks.example");
  EXPECT_EQ(r.contact_uris, Strings{"https://leaks.example/report"});
  EXPECT_EQ(resolved_, Strings{"forum.leaks.example"});
  // One batch; RDAP keeps the SSRF guard on for a public RDAP server.
  EXPECT_EQ(fetcher_.fetched, (Strings{kIpUrl, kDomainUrl, kSecurityUrl}));
  for (const auto& req : fetcher_.requests_seen) EXPECT_FALSE(req.allow_private) << req.url;
}

TEST_F(Resolver, DuplicatesKeepTheirFirstPlace) {
  ServeAll();
  fetcher_.Serve(kSecurityUrl, 200, "text/plain",
                 "Contact: mailto:ABUSE@registrar.example\nContact: mailto:new@leaks.example\n");
  auto r = Resolve("https://forum.leaks.example/", "abuse@HOSTING.example");
  EXPECT_EQ(Emails(r),
            (Strings{"abuse@hosting.example", "abuse@registrar.example", "new@leaks.example"}));
  EXPECT_EQ(Kinds(r), (Strings{"site", "registrar-abuse", "security-txt"}));
}

TEST_F(Resolver, EachFailureIsAProblemAndTheNextSourceIsAsked) {
  fetcher_.Serve(kDomainUrl, 500, "text/html", "<h1>oops</h1>");
  fetcher_.Serve(kSecurityUrl, 404, "text/html", "<h1>not found</h1>");
  auto r = Resolve("https://forum.leaks.example/", "dmca@leaks.example");
  EXPECT_EQ(Emails(r), Strings{"dmca@leaks.example"});
  EXPECT_EQ(r.problems, (Strings{"RDAP ip lookup: no response (connection refused (test))",
                                 "RDAP domain lookup: 500", "security.txt: 404"}));
}

TEST_F(Resolver, GarbageEmptyAndHtmlBodiesAreProblems) {
  fetcher_.Serve(kIpUrl, 200, "application/json", "{\"objectClassName\": tru");
  fetcher_.Serve(kDomainUrl, 200, "application/json", "");
  fetcher_.Serve(kSecurityUrl, 200, "text/html", "<!doctype html><p>Welcome!</p>");
  auto r = Resolve("https://forum.leaks.example/");
  EXPECT_TRUE(r.candidates.empty());
  ASSERT_EQ(r.problems.size(), 3u);
  EXPECT_EQ(r.problems[0].rfind("RDAP ip lookup: not JSON at byte ", 0), 0u) << r.problems[0];
  EXPECT_EQ(r.problems[1], "RDAP domain lookup: empty body");
  EXPECT_EQ(r.problems[2].rfind("security.txt: an HTML page", 0), 0u) << r.problems[2];
}

TEST_F(Resolver, NoAbuseContactFallsBackToSecurityTxt) {
  fetcher_.Serve(kIpUrl, 200, "application/rdap+json", R"({"objectClassName":"ip network"})");
  fetcher_.Serve(kDomainUrl, 404, "application/rdap+json",
                 R"({"errorCode":404,"title":"Not Found"})");
  fetcher_.Serve(kSecurityUrl, 200, "text/plain", kSecurityBody);
  auto r = Resolve("https://forum.leaks.example/");
  EXPECT_EQ(Emails(r), Strings{"security@leaks.example"});
  EXPECT_EQ(r.problems, (Strings{"RDAP ip lookup: no abuse contact", "RDAP domain lookup: 404"}));
}

TEST_F(Resolver, ErrorObjectAnsweredWith200IsAProblem) {
  ServeAll();
  fetcher_.Serve(kIpUrl, 200, "application/rdap+json", R"({"errorCode":429,"title":"Slow down"})");
  auto r = Resolve("https://forum.leaks.example/");
  EXPECT_EQ(r.problems, Strings{"RDAP ip lookup: no objectClassName (error response 429: Slow "
                                "down)"});
  EXPECT_EQ(Kinds(r), (Strings{"registrar-abuse", "security-txt"}));
}

TEST_F(Resolver, DomainAbuseAtTopLevelServesAsTheRegistrars) {
  fetcher_.Serve(kDomainUrl, 200, "application/rdap+json",
                 R"({"objectClassName":"domain","entities":[{"roles":["abuse"],
                   "vcardArray":["vcard",[["email",{},"text","abuse@nic.example"]]]}]})");
  auto r = Resolve("https://forum.leaks.example/");
  ASSERT_EQ(r.candidates.size(), 1u);
  EXPECT_EQ(r.candidates[0].kind, "registrar-abuse");
  EXPECT_EQ(r.candidates[0].source,
            "registrar abuse contact for leaks.example (" + kDomainUrl + ")");
  fetcher_.Serve(kDomainUrl, 200, "application/rdap+json", R"({"objectClassName":"domain"})");
  r = Resolve("https://forum.leaks.example/");
  EXPECT_NE(std::find(r.problems.begin(), r.problems.end(),
                      "RDAP domain lookup: no registrar abuse contact"),
            r.problems.end());
}

TEST_F(Resolver, SecurityTxtRedirectedToAnotherSiteIsNotUsed) {
  fetcher_.Redirect(kSecurityUrl, "https://elsewhere.example/.well-known/security.txt",
                    kSecurityBody);
  auto r = Resolve("https://forum.leaks.example/");
  EXPECT_TRUE(r.candidates.empty());
  EXPECT_EQ(
      r.problems.back(),
      "security.txt: redirected elsewhere (https://elsewhere.example/.well-known/security.txt)");
  // Within the registrable domain it is the site's own.
  fetcher_.Redirect(kSecurityUrl, "https://www.leaks.example/.well-known/security.txt",
                    kSecurityBody);
  r = Resolve("https://forum.leaks.example/");
  EXPECT_EQ(Emails(r), Strings{"security@leaks.example"});
}

TEST_F(Resolver, ExpiredSecurityTxtStillCountsWithAProblem) {
  fetcher_.Serve(kSecurityUrl, 200, "text/plain",
                 "Contact: mailto:old@leaks.example\nExpires: 2001-01-01T00:00:00Z\n");
  auto r = Resolve("https://forum.leaks.example/");
  EXPECT_EQ(Emails(r), Strings{"old@leaks.example"});
  EXPECT_NE(std::find(r.problems.begin(), r.problems.end(),
                      "security.txt: expired (2001-01-01T00:00:00Z)"),
            r.problems.end());
}

TEST_F(Resolver, IpLiteralSiteNeedsNoDnsAndHasNoRegistrar) {
  auto r = Resolve("https://192.0.2.7:8443/a");
  EXPECT_TRUE(resolved_.empty());
  EXPECT_EQ(fetcher_.fetched, (Strings{kIpUrl, "https://192.0.2.7:8443/.well-known/security.txt"}));
  Resolve("http://[2001:db8::9]/");
  EXPECT_EQ(fetcher_.fetched[2], kBase + "/ip/2001:db8::9");
}

TEST_F(Resolver, UnresolvableHostStillAsksForTheDomain) {
  ips_.clear();
  auto r = Resolve("http://leaks.example/");
  EXPECT_EQ(fetcher_.fetched,
            (Strings{kDomainUrl, "https://leaks.example/.well-known/security.txt"}));
  EXPECT_EQ(r.problems.front(), "RDAP ip lookup: leaks.example does not resolve");
}

TEST_F(Resolver, LoopbackRdapServerAloneMayBePrivate) {
  Resolve("https://forum.leaks.example/", "", false, "http://127.0.0.1:9000//");
  ASSERT_EQ(fetcher_.requests_seen.size(), 3u);
  EXPECT_EQ(fetcher_.requests_seen[0].url, "http://127.0.0.1:9000/ip/192.0.2.7");
  EXPECT_EQ(fetcher_.requests_seen[1].url, "http://127.0.0.1:9000/domain/leaks.example");
  for (int i : {0, 1}) {
    EXPECT_TRUE(fetcher_.requests_seen[i].allow_private);
    EXPECT_EQ(fetcher_.requests_seen[i].private_host, "127.0.0.1");
  }
  // security.txt follows the site's setting, not the RDAP server's.
  EXPECT_FALSE(fetcher_.requests_seen[2].allow_private);
}

TEST_F(Resolver, SecurityTxtObeysTheSitesAllowPrivateAndLoopbackHttpOrigin) {
  Resolve("http://127.0.0.1:8080/forum/", "", true);
  const FetchRequest& req = fetcher_.requests_seen.back();
  EXPECT_EQ(req.url, "http://127.0.0.1:8080/.well-known/security.txt");
  EXPECT_TRUE(req.allow_private);
  EXPECT_EQ(req.private_host, "127.0.0.1");
  // A public http site is asked over https, as RFC 9116 requires.
  Resolve("http://leaks.example:8080/", "", false);
  EXPECT_EQ(fetcher_.requests_seen.back().url, "https://leaks.example/.well-known/security.txt");
}

TEST_F(Resolver, DeferredAndBadInputsAreProblemsNotThrows) {
  fetcher_.Defer(kIpUrl, 60);
  auto r = Resolve("https://forum.leaks.example/", "not an address");
  EXPECT_EQ(r.problems[0], "site contact: not an e-mail address");
  EXPECT_EQ(r.problems[1].rfind("RDAP ip lookup: deferred", 0), 0u) << r.problems[1];
  r = Resolve("ftp://x/", "dmca@leaks.example");
  EXPECT_EQ(Emails(r), Strings{"dmca@leaks.example"});
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].rfind("site URL: ", 0), 0u);
  r = Resolve("https://forum.leaks.example/", "", false, "not a url");
  EXPECT_EQ(r.problems[0].rfind("RDAP: base URL unusable", 0), 0u) << r.problems[0];
}

TEST_F(Resolver, ThrowingResolverIsAProblem) {
  RecipientResolver resolver(fetcher_, kBase, [](const std::string&) -> std::vector<std::string> {
    throw std::runtime_error("resolver broke");
  });
  RecipientQuery q;
  q.site_url = "https://forum.leaks.example/";
  auto r = resolver.Resolve(q);
  EXPECT_EQ(r.problems[0], "RDAP ip lookup: resolving forum.leaks.example failed (resolver broke)");
}

TEST(RegistrableDomain, LastTwoLabelsOrThreeUnderACommonSecondLevel) {
  EXPECT_EQ(RegistrableDomain("forum.leaks.example"), "leaks.example");
  EXPECT_EQ(RegistrableDomain("leaks.example"), "leaks.example");
  EXPECT_EQ(RegistrableDomain("LEAKS.Example."), "leaks.example");
  EXPECT_EQ(RegistrableDomain("a.b.leaks.co.uk"), "leaks.co.uk");
  EXPECT_EQ(RegistrableDomain("img.site.com.au"), "site.com.au");
  EXPECT_EQ(RegistrableDomain("co.uk.example"), "uk.example");
  for (const char* none : {"", "localhost", "app.localhost", "example", "127.0.0.1", "[::1]", "::1",
                           "bad_label.example"}) {
    EXPECT_EQ(RegistrableDomain(none), "") << none;
  }
}

TEST(ResolveHostAddresses, LiteralsAndLocalhost) {
  EXPECT_EQ(ResolveHostAddresses("127.0.0.1"), Strings{"127.0.0.1"});
  EXPECT_EQ(ResolveHostAddresses("[::1]"), Strings{"::1"});
  EXPECT_TRUE(ResolveHostAddresses("").empty());
  EXPECT_TRUE(ResolveHostAddresses("no-such-host.invalid").empty());
}

TEST(WithSiteContact, PutsTheConfiguredContactFirstOnceAndKeepsTheRest) {
  RecipientResolution found;
  Recipient hosting;
  hosting.email = "abuse@hosting.test";
  hosting.source = "RDAP abuse contact of 192.0.2.1";
  hosting.kind = "hosting-abuse";
  Recipient same = hosting;
  same.email = "Agent@Forum.test";
  same.kind = "security-txt";
  found.candidates = {hosting, same};
  found.problems = {"RDAP domain lookup: 404"};
  const auto out = WithSiteContact(found, "agent@forum.test");
  ASSERT_EQ(out.candidates.size(), 2u);
  EXPECT_EQ(out.candidates[0].email, "agent@forum.test");
  EXPECT_EQ(out.candidates[0].kind, "site");
  EXPECT_EQ(out.candidates[1].email, "abuse@hosting.test");
  EXPECT_EQ(out.problems, found.problems);
  const auto bad = WithSiteContact(found, "not an address");
  EXPECT_EQ(bad.candidates.size(), 2u);
  EXPECT_EQ(bad.candidates[0].kind, "hosting-abuse");
  EXPECT_EQ(bad.problems.front(), "site contact: not an e-mail address");
  EXPECT_EQ(WithSiteContact(found, "").candidates.size(), 2u);
}

}  // namespace
}  // namespace tdm::notifier
