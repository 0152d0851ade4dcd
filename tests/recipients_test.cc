// Recipient resolution over real HTTP on 127.0.0.1: a local RDAP server and a
// site with a security.txt, both demo::StaticServer, fetched through libcurl.
// Needs neither PostgreSQL nor Kafka.

#include "tdm/notifier/recipients.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tdm/demo/static_server.h"

namespace tdm::notifier {
namespace {

namespace fs = std::filesystem;

const fs::path kFixtures = TDM_RDAP_DATA_DIR;

void Write(const fs::path& path, const std::string& content) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << content;
}

void Copy(const std::string& fixture, const fs::path& to) {
  fs::create_directories(to.parent_path());
  fs::copy_file(kFixtures / fixture, to);
}

class Recipients : public ::testing::Test {
 protected:
  // One server: RDAP answers under /rdap-<variant>/ (files ip/127.0.0.1 and
  // domain/leaks.example), the site's security.txt at its root.
  void SetUp() override {
    char tmpl[] = "/tmp/tdm-recipients-XXXXXX";
    root_ = mkdtemp(tmpl);
    Copy("arin_ip_network.json", root_ / "rdap-good/ip/127.0.0.1");
    Copy("registrar_domain.json", root_ / "rdap-good/domain/leaks.example");
    Write(root_ / "rdap-garbage/ip/127.0.0.1", "{\"objectClassName\": \"ip network\", \x01\xff");
    Write(root_ / "rdap-empty/ip/127.0.0.1", "");
    Copy("ip_network_without_entities.json", root_ / "rdap-none/ip/127.0.0.1");
    Write(root_ / ".well-known/security.txt",
          "# tdm integration test\r\n"
          "Contact: mailto:security@leaks.example\r\n"
          "Contact: https://leaks.example/report\r\n"
          "Expires: 2099-12-31T23:59:59Z\r\n");
    server_ = std::make_unique<demo::StaticServer>(root_);
    auto port = server_->Start(0);
    ASSERT_TRUE(port.ok()) << port.status().ToString();
    origin_ = "http://127.0.0.1:" + std::to_string(*port);
    FetcherOptions o;
    o.connect_timeout = std::chrono::milliseconds(1000);
    o.total_timeout = std::chrono::milliseconds(3000);
    fetcher_ = MakeCurlFetcher(o);
  }
  void TearDown() override {
    server_->Stop();
    fs::remove_all(root_);
  }

  RecipientResolution Resolve(const std::string& rdap_base, const std::string& site_url,
                              const std::string& configured = "") {
    RecipientResolver resolver(*fetcher_, rdap_base, [](const std::string&) {
      return std::vector<std::string>{"127.0.0.1"};
    });
    RecipientQuery q;
    q.site_url = site_url;
    q.configured_email = configured;
    q.allow_private = true;
    return resolver.Resolve(q);
  }
  static std::string Problems(const RecipientResolution& r) {
    std::string out;
    for (const auto& p : r.problems) out += p + "\n";
    return out;
  }

  fs::path root_;
  std::unique_ptr<demo::StaticServer> server_;
  std::unique_ptr<Fetcher> fetcher_;
  std::string origin_;
};

TEST_F(Recipients, FullResolutionWithSources) {
  auto r = Resolve(origin_ + "/rdap-good/", origin_ + "/forum/t/1.html", "dmca@leaks.example");
  EXPECT_TRUE(r.problems.empty()) << Problems(r);
  ASSERT_EQ(r.candidates.size(), 3u) << Problems(r);
  EXPECT_EQ(r.candidates[0].email, "dmca@leaks.example");
  EXPECT_EQ(r.candidates[0].source, "site contact");
  EXPECT_EQ(r.candidates[1].email, "Abuse@example-hosting.example");
  EXPECT_EQ(r.candidates[1].kind, "hosting-abuse");
  EXPECT_EQ(r.candidates[1].source, "RDAP abuse contact of 127.0.0.1 (Example Hosting Ltd, " +
                                        origin_ + "/rdap-good/ip/127.0.0.1)");
  EXPECT_EQ(r.candidates[2].email, "security@leaks.example");
  EXPECT_EQ(r.candidates[2].kind, "security-txt");
  EXPECT_EQ(r.candidates[2].source, "security.txt of " + origin_);
  EXPECT_EQ(r.contact_uris, std::vector<std::string>{"https://leaks.example/report"});
}

TEST_F(Recipients, RegistrarFromTheDomainLookup) {
  // A named host (resolved to 127.0.0.1 by the test's resolver): RDAP is
  // asked about the IP and the registrable domain; the site itself is not
  // reachable, so security.txt is a problem.
  auto r = Resolve(origin_ + "/rdap-good", "http://forum.leaks.example/t/1.html");
  ASSERT_EQ(r.candidates.size(), 2u) << Problems(r);
  EXPECT_EQ(r.candidates[0].kind, "hosting-abuse");
  EXPECT_EQ(r.candidates[1].email, "abuse@registrar.example");
  EXPECT_EQ(r.candidates[1].source,
            "registrar abuse contact for leaks.example (Example Registrar Inc.)");
  ASSERT_EQ(r.problems.size(), 1u) << Problems(r);
  EXPECT_EQ(r.problems[0].rfind("security.txt: no response", 0), 0u) << Problems(r);
}

TEST_F(Recipients, RdapGarbageFallsBackToSecurityTxt) {
  auto r = Resolve(origin_ + "/rdap-garbage", origin_ + "/");
  ASSERT_EQ(r.problems.size(), 1u) << Problems(r);
  EXPECT_EQ(r.problems[0].rfind("RDAP ip lookup: not JSON at byte ", 0), 0u) << Problems(r);
  ASSERT_EQ(r.candidates.size(), 1u);
  EXPECT_EQ(r.candidates[0].kind, "security-txt");
}

TEST_F(Recipients, RdapEmptyBody) {
  auto r = Resolve(origin_ + "/rdap-empty", origin_ + "/");
  EXPECT_EQ(r.problems, std::vector<std::string>{"RDAP ip lookup: empty body"});
  ASSERT_EQ(r.candidates.size(), 1u);
  EXPECT_EQ(r.candidates[0].email, "security@leaks.example");
}

TEST_F(Recipients, RdapWithoutAbuseContactAndMissingFiles) {
  auto r = Resolve(origin_ + "/rdap-none", origin_ + "/");
  EXPECT_EQ(r.problems, std::vector<std::string>{"RDAP ip lookup: no abuse contact"});
  ASSERT_EQ(r.candidates.size(), 1u);
  EXPECT_EQ(r.candidates[0].kind, "security-txt");
  r = Resolve(origin_ + "/rdap-nowhere", origin_ + "/");
  EXPECT_EQ(r.problems, std::vector<std::string>{"RDAP ip lookup: 404"});
  EXPECT_EQ(r.candidates.size(), 1u);
}

TEST_F(Recipients, RdapServerNotAnswering) {
  auto r = Resolve(origin_ + "/fault/drop", origin_ + "/", "dmca@leaks.example");
  ASSERT_EQ(r.problems.size(), 1u) << Problems(r);
  EXPECT_EQ(r.problems[0].rfind("RDAP ip lookup: no response (", 0), 0u) << Problems(r);
  ASSERT_EQ(r.candidates.size(), 2u);
  EXPECT_EQ(r.candidates[0].kind, "site");
  EXPECT_EQ(r.candidates[1].kind, "security-txt");
}

TEST_F(Recipients, RdapPortClosed) {
  demo::StaticServer closed(root_);
  auto port = closed.Start(0);
  ASSERT_TRUE(port.ok());
  closed.Stop();
  auto r = Resolve("http://127.0.0.1:" + std::to_string(*port), origin_ + "/");
  ASSERT_EQ(r.problems.size(), 1u) << Problems(r);
  EXPECT_EQ(r.problems[0].rfind("RDAP ip lookup: no response (", 0), 0u) << Problems(r);
  ASSERT_EQ(r.candidates.size(), 1u);
  EXPECT_EQ(r.candidates[0].kind, "security-txt");
}

TEST_F(Recipients, SecurityTxtMissingIsAProblem) {
  fs::remove(root_ / ".well-known/security.txt");
  auto r = Resolve(origin_ + "/rdap-good", origin_ + "/");
  EXPECT_EQ(r.problems, std::vector<std::string>{"security.txt: 404"});
  ASSERT_EQ(r.candidates.size(), 1u);
  EXPECT_EQ(r.candidates[0].kind, "hosting-abuse");
}

TEST_F(Recipients, ConfiguredContactComesFirstAndIsNotRepeated) {
  auto r = Resolve(origin_ + "/rdap-good", origin_ + "/", "ABUSE@example-hosting.example");
  ASSERT_EQ(r.candidates.size(), 2u) << Problems(r);
  EXPECT_EQ(r.candidates[0].kind, "site");
  EXPECT_EQ(r.candidates[0].email, "ABUSE@example-hosting.example");
  EXPECT_EQ(r.candidates[1].kind, "security-txt");
}

TEST_F(Recipients, PrivateSiteNotAllowedKeepsTheGuardOn) {
  RecipientResolver resolver(*fetcher_, origin_ + "/rdap-good", ResolveHostAddresses);
  RecipientQuery q;
  q.site_url = origin_ + "/";
  q.allow_private = false;
  auto r = resolver.Resolve(q);
  // The loopback RDAP server was configured by the operator: asked anyway.
  ASSERT_EQ(r.candidates.size(), 1u);
  EXPECT_EQ(r.candidates[0].kind, "hosting-abuse");
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].rfind("security.txt: no response (", 0), 0u) << Problems(r);
}

}  // namespace
}  // namespace tdm::notifier
