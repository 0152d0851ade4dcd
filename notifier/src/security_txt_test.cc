#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <string>

#include "tdm/notifier/recipients.h"

namespace tdm::notifier {
namespace {

using std::chrono::sys_days;
using namespace std::chrono_literals;

// 2026-06-01T00:00:00Z
const std::chrono::system_clock::time_point kNow =
    sys_days(std::chrono::year{2026} / std::chrono::June / 1);

using Strings = std::vector<std::string>;

TEST(ParseSecurityTxt, ContactsInOrderEmailsAndUrisApart) {
  auto t = ParseSecurityTxt(
      "# Our security policy\n"
      "Contact: mailto:security@leaks.example\n"
      "Contact: https://leaks.example/report\n"
      "contact:   MAILTO:Abuse@LEAKS.example  \n"
      "Contact: tel:+1-201-555-0123\n"
      "Contact: mailto:security@leaks.example\n"
      "Expires: 2026-12-31T23:59:59.000Z\n"
      "Encryption: https://leaks.example/pgp-key.txt\n"
      "Preferred-Languages: en, de\n",
      kNow);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->contact_emails, (Strings{"security@leaks.example", "Abuse@leaks.example"}));
  EXPECT_EQ(t->contact_uris, Strings{"https://leaks.example/report"});
  EXPECT_EQ(t->expires, "2026-12-31T23:59:59.000Z");
  EXPECT_FALSE(t->expired);
  EXPECT_FALSE(t->is_signed);
  ASSERT_EQ(t->notes.size(), 1u);
  EXPECT_NE(t->notes[0].find("tel:"), std::string::npos);
}

TEST(ParseSecurityTxt, CrlfAndBomAndBareAddress) {
  auto t = ParseSecurityTxt(
      "\xEF\xBB\xBF"
      "Contact: sec@site.example\r\nExpires: 2027-01-01T00:00:00+01:00\r\n",
      kNow);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->contact_emails, Strings{"sec@site.example"});
  EXPECT_FALSE(t->expired);
}

TEST(ParseSecurityTxt, ExpiredFileIsFlaggedNotRefused) {
  auto t = ParseSecurityTxt("Contact: mailto:a@b.example\nExpires: 2026-05-31T23:30:00-01:00\n",
                            kNow);  // 2026-06-01T00:30Z: still valid
  ASSERT_TRUE(t.ok());
  EXPECT_FALSE(t->expired);
  t = ParseSecurityTxt("Contact: mailto:a@b.example\nExpires: 2026-05-31T23:30:00Z\n", kNow);
  ASSERT_TRUE(t.ok());
  EXPECT_TRUE(t->expired);
  EXPECT_EQ(t->contact_emails, Strings{"a@b.example"});
}

TEST(ParseSecurityTxt, MissingOrUnreadableExpiresIsANote) {
  auto t = ParseSecurityTxt("Contact: mailto:a@b.example\n", kNow);
  ASSERT_TRUE(t.ok());
  EXPECT_FALSE(t->expired);
  EXPECT_EQ(t->notes, Strings{"no Expires field"});
  for (const char* bad : {"tomorrow", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z",
                          "2026-01-01 00:00:00Z", "2026-01-01T00:00:00", "2026-01-01T00:00:00+1",
                          "2026-01-01T25:00:00Z", "2026-01-01T00:00:00.Z", "2026"}) {
    auto u = ParseSecurityTxt(std::string("Contact: mailto:a@b.example\nExpires: ") + bad, kNow);
    ASSERT_TRUE(u.ok()) << bad;
    EXPECT_FALSE(u->expired) << bad;
    ASSERT_EQ(u->notes.size(), 1u) << bad;
    EXPECT_NE(u->notes[0].find("RFC 3339"), std::string::npos) << bad;
  }
}

TEST(ParseSecurityTxt, SignedFileYieldsTheSignedContent) {
  auto t = ParseSecurityTxt(
      "-----BEGIN PGP SIGNED MESSAGE-----\r\n"
      "Hash: SHA512\r\n"
      "\r\n"
      "- Contact: mailto:signed@site.example\r\n"
      "Expires: 2030-01-01T00:00:00Z\r\n"
      "-----BEGIN PGP SIGNATURE-----\r\n"
      "\r\n"
      "iQIzBAEBCgAdFiEE...\r\n"
      "Contact: mailto:outside@evil.example\r\n"
      "-----END PGP SIGNATURE-----\r\n",
      kNow);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_TRUE(t->is_signed);
  EXPECT_EQ(t->contact_emails, Strings{"signed@site.example"});
  EXPECT_EQ(t->expires, "2030-01-01T00:00:00Z");

  auto unsigned_tail = ParseSecurityTxt(
      "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nContact: mailto:a@b.example\n", kNow);
  EXPECT_EQ(unsigned_tail.status().code(), Status::Code::kInvalidArgument);
}

TEST(ParseSecurityTxt, HtmlSoft404IsRefused) {
  for (const char* html : {"<!DOCTYPE html><html><body>Page not found</body></html>",
                           "\n\n  <html><head><title>404</title></head></html>",
                           "Contact: mailto:a@b.example\n<html><body>oops</body></html>"}) {
    auto t = ParseSecurityTxt(html, kNow);
    ASSERT_FALSE(t.ok()) << html;
    EXPECT_EQ(t.status().code(), Status::Code::kInvalidArgument);
    EXPECT_NE(t.status().message().find("HTML"), std::string::npos);
  }
}

TEST(ParseSecurityTxt, NoContactFieldIsAnError) {
  EXPECT_EQ(ParseSecurityTxt("", kNow).status().message(), "security.txt: no Contact field");
  EXPECT_EQ(ParseSecurityTxt("# only a comment\nExpires: 2030-01-01T00:00:00Z\n", kNow)
                .status()
                .message(),
            "security.txt: no Contact field");
  EXPECT_FALSE(ParseSecurityTxt("just some text\nwithout fields", kNow).ok());
}

TEST(ParseSecurityTxt, ImplausibleContactsAreNotedAndSkipped) {
  auto t = ParseSecurityTxt(
      "Contact: mailto:not-an-address\nContact: http://plain.example/form\n"
      "Contact: https://has space.example/\nnonsense line\n",
      kNow);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_TRUE(t->contact_emails.empty());
  EXPECT_TRUE(t->contact_uris.empty());
  EXPECT_EQ(t->notes.size(), 5u);  // three contacts, one non-field, no Expires
}

TEST(ParseSecurityTxt, CapsAndBinary) {
  std::string big = "Contact: mailto:a@b.example\n" + std::string(kMaxSecurityTxtBytes, '#');
  EXPECT_EQ(ParseSecurityTxt(big, kNow).status().code(), Status::Code::kTooLarge);
  EXPECT_EQ(
      ParseSecurityTxt(std::string("Contact: mailto:a@b.example\n\0", 29), kNow).status().code(),
      Status::Code::kInvalidArgument);
}

TEST(ParseSecurityTxt, SeededRandomBytesNeverCrash) {
  std::mt19937 rng(9116);
  const std::string pieces[] = {"Contact:",
                                " mailto:",
                                "a@b.example",
                                "\r\n",
                                "\n",
                                "#",
                                "-----BEGIN PGP SIGNED MESSAGE-----",
                                "-----BEGIN PGP SIGNATURE-----",
                                "Expires: ",
                                "2026-01-01T00:00:00Z",
                                "- ",
                                ":",
                                "<"};
  for (int i = 0; i < 3000; ++i) {
    std::string s;
    const int n = static_cast<int>(rng() % 40);
    for (int j = 0; j < n; ++j) {
      if (rng() % 3 == 0) {
        s.push_back(static_cast<char>(rng() & 0xff));
      } else {
        s += pieces[rng() % std::size(pieces)];
      }
    }
    auto t = ParseSecurityTxt(s, kNow);
    if (t.ok()) {
      for (const auto& e : t->contact_emails) {
        EXPECT_TRUE(NormalizeEmailAddress(e)) << e;
      }
    }
  }
}

}  // namespace
}  // namespace tdm::notifier
