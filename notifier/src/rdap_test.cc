#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include "tdm/notifier/recipients.h"

namespace tdm::notifier {
namespace {

// The fixtures live in tests/data/rdap (shared with the integration suite);
// found from this file's own path, which CMake passes absolute.
std::string Fixture(const std::string& name) {
  const auto path = std::filesystem::path(__FILE__).parent_path() / "../../tests/data/rdap" / name;
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_FALSE(ss.str().empty()) << "missing fixture " << path;
  return ss.str();
}

using Emails = std::vector<std::string>;

TEST(ParseRdap, ArinNetworkAbuseEntityNestedInTheRegistrant) {
  auto c = ParseRdap(Fixture("arin_ip_network.json"));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->abuse_emails, Emails{"Abuse@example-hosting.example"});
  EXPECT_EQ(c->abuse_org, "Example Hosting Ltd");
  EXPECT_TRUE(c->registrar_abuse_emails.empty());
  EXPECT_EQ(c->registrar_name, "");
}

TEST(ParseRdap, RipeNetworkTopLevelAbuseRoleNamedAfterTheRegistrant) {
  auto c = ParseRdap(Fixture("ripe_ip_network.json"));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  // Two spellings of one mailbox (one a mailto: URI) come out once.
  EXPECT_EQ(c->abuse_emails, Emails{"abuse@example-bv.example"});
  EXPECT_EQ(c->abuse_org, "Example Hosting B.V.");
}

TEST(ParseRdap, DomainRegistrarWithNestedAbuseAndRedactedRegistrant) {
  auto c = ParseRdap(Fixture("registrar_domain.json"));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->registrar_name, "Example Registrar Inc.");
  EXPECT_EQ(c->registrar_abuse_emails, Emails{"abuse@registrar.example"});
  // The redaction notice and the contact-form URL in "email" are not addresses.
  EXPECT_TRUE(c->abuse_emails.empty());
  EXPECT_EQ(c->abuse_org, "");
}

TEST(ParseRdap, AbuseEntityInsideATechnicalEntity) {
  auto c = ParseRdap(R"({"objectClassName":"ip network","entities":[
    {"roles":["technical"],"vcardArray":["vcard",[["fn",{},"text","Tiny Host Co"]]],
     "entities":[{"roles":["ABUSE"],"vcardArray":["vcard",[["fn",{},"text","abuse team"],
        ["EMAIL",{},"text"," report@tiny.example "]]]}]}]})");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->abuse_emails, Emails{"report@tiny.example"});
  EXPECT_EQ(c->abuse_org, "Tiny Host Co");
}

TEST(ParseRdap, VcardVariations) {
  // Several email properties, a mailto: uri, an array value, a type param,
  // an fn with a line break (printed in a draft: flattened), duplicates.
  auto c = ParseRdap(R"({"objectClassName":"ip network","entities":[
    {"roles":["abuse","technical"],"vcardArray":["vcard",[
      ["version",{},"text","4.0"],
      ["fn",{},"text","Line\nBreak Hosting"],
      ["email",{"type":"work"},"text","one@host.example"],
      ["email",{},"uri","mailto:two@HOST.example?subject=abuse"],
      ["email",{},"text",["three@host.example","not an address"]],
      ["email",{},"text","ONE@host.example"],
      ["email",{},"text","x@localhost"],
      ["email",{},"text","y@10.0.0.1"],
      ["email",{},"text",42]
    ]]}]})");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->abuse_emails,
            (Emails{"one@host.example", "two@host.example", "three@host.example"}));
  EXPECT_EQ(c->abuse_org, "Line Break Hosting");
}

TEST(ParseRdap, AbuseUnderTheRegistrarIsNotTheHostsAbuse) {
  auto c = ParseRdap(R"({"objectClassName":"domain","entities":[
    {"roles":["registrar"],"vcardArray":["vcard",[["fn",{},"text","Reg"]]],
     "entities":[{"roles":["abuse"],"vcardArray":["vcard",[["email",{},"text","a@reg.example"]]]}]},
    {"roles":["abuse"],"vcardArray":["vcard",[["email",{},"text","a@registry.example"]]]}]})");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->registrar_abuse_emails, Emails{"a@reg.example"});
  EXPECT_EQ(c->abuse_emails, Emails{"a@registry.example"});
  EXPECT_EQ(c->registrar_name, "Reg");
}

TEST(ParseRdap, ErrorResponseIsInvalidArgumentQuotingTheError) {
  auto c = ParseRdap(Fixture("error_404.json"));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(c.status().message(), "RDAP: no objectClassName (error response 404: Not Found)");
}

TEST(ParseRdap, NetworkWithoutEntitiesHasNoContacts) {
  auto c = ParseRdap(Fixture("ip_network_without_entities.json"));
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->abuse_emails.empty());
  EXPECT_TRUE(c->registrar_abuse_emails.empty());
}

TEST(ParseRdap, NotJsonNamesTheByte) {
  auto c = ParseRdap(R"({"objectClassName": nope})");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(c.status().message().rfind("RDAP: not JSON at byte ", 0), 0u) << c.status().message();
  EXPECT_EQ(ParseRdap("").status().message(), "RDAP: empty response");
  EXPECT_EQ(ParseRdap(" \r\n").status().message(), "RDAP: empty response");
  EXPECT_EQ(ParseRdap("<html>502 Bad Gateway</html>").status().message(),
            "RDAP: not JSON at byte 1");
}

TEST(ParseRdap, NotAnObjectOrNoClassName) {
  EXPECT_EQ(ParseRdap("[1,2]").status().message(), "RDAP: not an object but array");
  EXPECT_EQ(ParseRdap("\"x\"").status().message(), "RDAP: not an object but string");
  EXPECT_EQ(ParseRdap("{}").status().message(), "RDAP: no objectClassName");
  EXPECT_EQ(ParseRdap(R"({"objectClassName":7})").status().message(), "RDAP: no objectClassName");
}

TEST(ParseRdap, WrongTypesEverywhereAreSkipped) {
  const char* cases[] = {
      R"({"objectClassName":"ip network","entities":"none"})",
      R"({"objectClassName":"ip network","entities":{"roles":["abuse"]}})",
      R"({"objectClassName":"ip network","entities":[1,"x",null,[],true]})",
      R"({"objectClassName":"ip network","entities":[{"roles":"abuse",
         "vcardArray":["vcard",[["email",{},"text","a@b.example"]]]}]})",
      R"({"objectClassName":"ip network","entities":[{"roles":[1,{},null],
         "vcardArray":["vcard",[["email",{},"text","a@b.example"]]]}]})",
      R"({"objectClassName":"ip network","entities":[{"roles":["abuse"],"vcardArray":"vcard"}]})",
      R"({"objectClassName":"ip network","entities":[{"roles":["abuse"],"vcardArray":["vcard"]}]})",
      R"({"objectClassName":"ip network","entities":[{"roles":["abuse"],"vcardArray":["x",[]]}]})",
      R"({"objectClassName":"ip network","entities":[{"roles":["abuse"],"vcardArray":[1,2]}]})",
      R"({"objectClassName":"ip network","entities":[{"roles":["abuse"],"vcardArray":["vcard",{}]}]})",
      R"({"objectClassName":"ip network","entities":[{"roles":["abuse"],
         "vcardArray":["vcard",[["email"],["email",{}],["email",{},"text"],"email",7,
         [1,{},"text","a@b.example"],["email",{},"text",{"v":"a@b.example"}]]]}]})",
      R"({"objectClassName":"ip network","entities":[{"roles":["abuse"],"entities":5}]})",
      R"({"objectClassName":"domain","entities":[{"roles":["registrar"],
         "vcardArray":["vcard",[["fn",{},"text",["A","B"]]]],"entities":[{"roles":"abuse"}]}]})",
  };
  for (const char* json : cases) {
    auto c = ParseRdap(json);
    ASSERT_TRUE(c.ok()) << json << ": " << c.status().ToString();
    EXPECT_TRUE(c->abuse_emails.empty()) << json;
    EXPECT_TRUE(c->registrar_abuse_emails.empty()) << json;
  }
}

TEST(ParseRdap, TruncatedResponsesNeverCrash) {
  const std::string full = Fixture("arin_ip_network.json");
  for (size_t n = 0; n < full.size(); n += 7) {
    auto c = ParseRdap(std::string_view(full).substr(0, n));
    EXPECT_FALSE(c.ok()) << n;
  }
}

TEST(ParseRdap, SeededRandomBytesNeverCrash) {
  std::mt19937 rng(20260520);
  const std::string alphabet = "{}[]\":,abc01 \\\"nultrefs\x80\xff";
  for (int i = 0; i < 2000; ++i) {
    std::string s;
    const int len = static_cast<int>(rng() % 200);
    for (int j = 0; j < len; ++j) {
      s.push_back(i % 2 ? static_cast<char>(rng() & 0xff) : alphabet[rng() % alphabet.size()]);
    }
    auto c = ParseRdap(s);
    if (c.ok()) {
      EXPECT_TRUE(c->abuse_emails.empty());
    }
  }
}

TEST(ParseRdap, DeepNestingIsRefusedWithoutRecursion) {
  const std::string arrays = std::string(10000, '[') + std::string(10000, ']');
  auto c = ParseRdap(arrays);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("nested deeper than"), std::string::npos);
  std::string objects;
  for (int i = 0; i < 10000; ++i) objects += R"({"entities":[)";
  EXPECT_FALSE(ParseRdap(objects).ok());
  // Brackets inside strings are not nesting.
  auto quoted = ParseRdap(R"({"objectClassName":"ip network","name":")" + arrays + "\"}");
  EXPECT_TRUE(quoted.ok()) << quoted.status().ToString();
  // Entities nested deeper than kMaxRdapEntityDepth (but within the JSON cap)
  // are not looked into.
  std::string deep = R"({"objectClassName":"ip network")";
  for (int i = 0; i < 20; ++i) deep += R"(,"entities":[{"roles":["technical"])";
  deep +=
      R"(,"entities":[{"roles":["abuse"],"vcardArray":["vcard",[["email",{},"text","d@e.example"]]]}])";
  for (int i = 0; i < 20; ++i) deep += "}]";
  deep += "}";
  auto d = ParseRdap(deep);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_TRUE(d->abuse_emails.empty());
}

TEST(ParseRdap, OverTheCapIsTooLarge) {
  auto c = ParseRdap(std::string(kMaxRdapBytes + 1, ' '));
  EXPECT_EQ(c.status().code(), Status::Code::kTooLarge);
}

TEST(NormalizeEmailAddress, KeepsPlausibleMailboxesOnly) {
  EXPECT_EQ(NormalizeEmailAddress("Abuse@Host.EXAMPLE"), "Abuse@host.example");
  EXPECT_EQ(NormalizeEmailAddress("MAILTO:a.b+c@x.example.?subject=hi"), "a.b+c@x.example");
  EXPECT_EQ(NormalizeEmailAddress("  a@b-c.example\r\n"), "a@b-c.example");
  for (const char* bad :
       {"", "a", "@b.example", "a@", "a@b", "a@@b.example", "a b@c.example", "a@-b.example",
        "a@b..example", ".a@b.example", "a..b@c.example", "a@1.2.3.4", "a@b_c.example",
        "<a@b.example>", "a@b.exam ple", "abuse at example dot com", "https://x.example/contact"}) {
    EXPECT_FALSE(NormalizeEmailAddress(bad).has_value()) << bad;
  }
  EXPECT_FALSE(NormalizeEmailAddress(std::string(65, 'a') + "@b.example").has_value());
}

}  // namespace
}  // namespace tdm::notifier
