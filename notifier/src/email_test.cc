#include "tdm/notifier/email.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace tdm::notifier {
namespace {

using std::chrono::system_clock;

// 2026-06-01 12:34:56 UTC, a Monday.
system_clock::time_point FixedDate() { return system_clock::from_time_t(1780317296); }

EmailMessage Simple() {
  EmailMessage m;
  m.from = "notices@tdm.example";
  m.from_name = "tdm notices";
  m.to = {"abuse@host.example"};
  m.subject = "Removal request";
  m.body = "Hello.\n";
  m.message_id = "tdm.1.00000000000000ff@tdm.example";
  m.date = FixedDate();
  return m;
}

std::string HeaderBlock(const std::string& text) {
  return text.substr(0, text.find("\r\n\r\n") + 2);
}
std::string BodyOf(const std::string& text) { return text.substr(text.find("\r\n\r\n") + 4); }

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t eol; (eol = text.find("\r\n", start)) != std::string::npos; start = eol + 2) {
    lines.push_back(text.substr(start, eol - start));
  }
  if (start < text.size()) lines.push_back(text.substr(start));
  return lines;
}

// Header fields of a formatted message: name and the value as written
// (folding kept), in order.
std::vector<std::pair<std::string, std::string>> Fields(const std::string& text) {
  std::vector<std::pair<std::string, std::string>> fields;
  for (const auto& line : Lines(HeaderBlock(text))) {
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) {
      fields.back().second += "\r\n" + line;
    } else {
      const size_t colon = line.find(':');
      fields.emplace_back(line.substr(0, colon), line.substr(colon + 1));
    }
  }
  return fields;
}

std::string Field(const std::string& text, const std::string& name) {
  for (const auto& [n, v] : Fields(text)) {
    if (n == name) return v;
  }
  return "<absent>";
}

std::string Trimmed(std::string s) {
  while (!s.empty() && s.front() == ' ') s.erase(0, 1);
  return s;
}

// Checks what every formatted message must be: CRLF only, no line over 78
// unless it is one unbreakable token, and the blank line after the headers.
void ExpectWellFormed(const std::string& text) {
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') {
      ASSERT_TRUE(i > 0 && text[i - 1] == '\r') << "bare LF at " << i;
    }
    if (text[i] == '\r') {
      ASSERT_TRUE(i + 1 < text.size() && text[i + 1] == '\n') << "bare CR";
    }
  }
  ASSERT_NE(text.find("\r\n\r\n"), std::string::npos);
  for (const auto& line : Lines(HeaderBlock(text))) {
    EXPECT_LE(line.size(), 78u) << line;
    for (char c : line) EXPECT_TRUE(c >= 32 && c < 127) << "non-ASCII or control in " << line;
  }
}

bool IsCompleteUtf8(const std::string& s) {
  for (size_t i = 0; i < s.size();) {
    const auto lead = static_cast<unsigned char>(s[i]);
    const size_t n = lead < 0x80 ? 1 : lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return false;
    }
    i += n;
  }
  return true;
}

// The encoded words in a header value.
std::vector<std::string> EncodedWords(const std::string& value) {
  std::vector<std::string> words;
  for (size_t at = value.find("=?"); at != std::string::npos; at = value.find("=?", at + 1)) {
    const size_t end = value.find("?=", value.find('?', value.find('?', at + 2) + 1) + 1);
    words.push_back(value.substr(at, end + 2 - at));
    at = end + 1;
  }
  return words;
}

TEST(FormatRfc5322, WritesTheHeadersInOrderWithCrlfAndAUtcDate) {
  EmailMessage m = Simple();
  m.cc = {"agent@host.example", "copy@tdm.example"};
  m.in_reply_to = "<abc@host.example>";
  m.references = "x@host.example <abc@host.example>";
  m.extra_headers = {{"X-Tdm-Request", "42"}, {"Reply-To", "case-42@tdm.example"}};
  const std::string text = FormatRfc5322(m);
  ExpectWellFormed(text);
  EXPECT_EQ(HeaderBlock(text),
            "Date: Mon, 01 Jun 2026 12:34:56 +0000\r\n"
            "From: tdm notices <notices@tdm.example>\r\n"
            "To: abuse@host.example\r\n"
            "Cc: agent@host.example, copy@tdm.example\r\n"
            "Subject: Removal request\r\n"
            "Message-ID: <tdm.1.00000000000000ff@tdm.example>\r\n"
            "In-Reply-To: <abc@host.example>\r\n"
            "References: <x@host.example> <abc@host.example>\r\n"
            "X-Tdm-Request: 42\r\n"
            "Reply-To: case-42@tdm.example\r\n"
            "MIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n"
            "Content-Transfer-Encoding: quoted-printable\r\n");
  EXPECT_EQ(BodyOf(text), "Hello.\r\n");
}

TEST(FormatRfc5322, OptionalHeadersAreLeftOutAndOddDisplayNamesAreQuoted) {
  EmailMessage m = Simple();
  m.from_name = "Roe, Jane \"JR\"";
  const std::string text = FormatRfc5322(m);
  EXPECT_EQ(Field(text, "From"), " \"Roe, Jane \\\"JR\\\"\" <notices@tdm.example>");
  EXPECT_EQ(Field(text, "Cc"), "<absent>");
  EXPECT_EQ(Field(text, "In-Reply-To"), "<absent>");
  EXPECT_EQ(Field(text, "References"), "<absent>");
  m.from_name = "";
  EXPECT_EQ(Field(FormatRfc5322(m), "From"), " notices@tdm.example");
}

TEST(FormatRfc5322, LongHeadersFoldAt78AndUnfoldToTheOriginal) {
  EmailMessage m = Simple();
  std::string subject;
  for (int i = 0; i < 40; ++i) subject += (i ? " " : "") + std::string("word") + std::to_string(i);
  m.subject = subject;
  for (int i = 0; i < 12; ++i) m.to.push_back("recipient" + std::to_string(i) + "@host.example");
  const std::string text = FormatRfc5322(m);
  ExpectWellFormed(text);
  const std::string folded = Field(text, "Subject");
  EXPECT_NE(folded.find("\r\n "), std::string::npos) << "the subject was folded";
  EXPECT_EQ(Trimmed(DecodeHeaderValue(folded)), subject);
  const std::string to = DecodeHeaderValue(Field(text, "To"));
  EXPECT_NE(to.find("abuse@host.example, recipient0@host.example,"), std::string::npos) << to;
  EXPECT_NE(to.find("recipient11@host.example"), std::string::npos);
}

TEST(FormatRfc5322, NonAsciiSubjectAndNameBecomeShortEncodedWordsOfWholeCharacters) {
  EmailMessage m = Simple();
  m.from_name = "Zoë Łukasiewicz-Ørsted 山田 花子";
  std::string subject = "Demande de retrait — contenu intime non consenti: ";
  for (int i = 0; i < 20; ++i) subject += "日本語のテキスト 🙂 ";
  subject += "fin";
  m.subject = subject;
  const std::string text = FormatRfc5322(m);
  ExpectWellFormed(text);
  for (const std::string name : {"Subject", "From"}) {
    const std::string value = Field(text, name);
    const auto words = EncodedWords(value);
    ASSERT_FALSE(words.empty()) << name;
    for (const auto& w : words) {
      EXPECT_LE(w.size(), 75u) << w;
      EXPECT_EQ(w.rfind("=?UTF-8?B?", 0), 0u) << w;
      EXPECT_TRUE(IsCompleteUtf8(DecodeHeaderValue(w))) << "a character was split in " << w;
    }
  }
  EXPECT_EQ(Trimmed(DecodeHeaderValue(Field(text, "Subject"))), subject);
  EXPECT_EQ(Trimmed(DecodeHeaderValue(Field(text, "From"))),
            "Zoë Łukasiewicz-Ørsted 山田 花子 <notices@tdm.example>");
}

TEST(FormatRfc5322, AsciiThatLooksEncodedOrCannotFoldIsEncodedToo) {
  EmailMessage m = Simple();
  m.subject = "about =?UTF-8?B?Zm9v?= this";
  std::string text = FormatRfc5322(m);
  EXPECT_EQ(Trimmed(DecodeHeaderValue(Field(text, "Subject"))), m.subject);
  m.subject = "see https://host.example/" + std::string(300, 'a');
  text = FormatRfc5322(m);
  ExpectWellFormed(text);
  EXPECT_EQ(Trimmed(DecodeHeaderValue(Field(text, "Subject"))), m.subject);
}

TEST(DecodeHeaderValue, DecodesBAndQWordsAndDropsSpaceBetweenThem) {
  EXPECT_EQ(DecodeHeaderValue("=?UTF-8?Q?caf=C3=A9_au_lait?= =?utf-8?B?w6k=?= x"),
            "café au laité x");
  EXPECT_EQ(DecodeHeaderValue("plain =?UTF-8?B?w6k=?=\r\n =?UTF-8?B?w6k=?= end"), "plain éé end");
  EXPECT_EQ(DecodeHeaderValue("=?UTF-8?X?bad?= =?broken"), "=?UTF-8?X?bad?= =?broken");
}

TEST(FormatRfc5322, NoHeaderValueCanInjectAHeader) {
  EmailMessage m = Simple();
  m.subject = "Hello\r\nBcc: victim-list@evil.example\r\n\r\nfake body";
  m.from_name = "Eve\nBcc: a@evil.example";
  m.to = {"abuse@host.example\r\nBcc: b@evil.example"};
  m.cc = {"c@host.example\rX-Injected: 1"};
  m.message_id = "id@x\r\nBcc: c@evil.example";
  m.in_reply_to = "r@x\nBcc: d@evil.example";
  m.extra_headers = {{"X-Note", "ok\r\nBcc: e@evil.example"},
                     {"Bcc", "f@evil.example"},
                     {"X-Bad Name", "g"},
                     {"X-Bad\r\nBcc", "h"},
                     {"subject", "second subject"},
                     {"X-Nul", std::string("a\0b", 3) + "\x7f\x1b[31m"}};
  const std::string text = FormatRfc5322(m);
  ExpectWellFormed(text);
  const std::vector<std::string> allowed = {
      "Date",    "From",         "To",           "Cc",
      "Subject", "Message-ID",   "In-Reply-To",  "X-Note",
      "X-Nul",   "MIME-Version", "Content-Type", "Content-Transfer-Encoding"};
  std::vector<std::string> names;
  for (const auto& [name, value] : Fields(text)) names.push_back(name);
  EXPECT_EQ(names, allowed);
  EXPECT_EQ(Trimmed(DecodeHeaderValue(Field(text, "Subject"))),
            "HelloBcc: victim-list@evil.examplefake body");
  EXPECT_EQ(BodyOf(text), "Hello.\r\n");
  EXPECT_EQ(Trimmed(Field(text, "X-Nul")), "ab[31m");
}

TEST(FormatRfc5322, ALeadingDotIsLeftForTheSmtpClientToStuff) {
  EmailMessage m = Simple();
  m.body = ".\n..two\n.end";
  EXPECT_EQ(BodyOf(FormatRfc5322(m)), ".\r\n..two\r\n.end=\r\n");
}

TEST(QuotedPrintable, EncodesWhatMustBeEncoded) {
  EmailMessage m = Simple();
  auto body = [&](const std::string& b) {
    m.body = b;
    return BodyOf(FormatRfc5322(m));
  };
  EXPECT_EQ(body(""), "");
  EXPECT_EQ(body("a=b\n"), "a=3Db\r\n");
  EXPECT_EQ(body("tail \nmid dle\t\n"), "tail=20\r\nmid dle=09\r\n");
  EXPECT_EQ(body("no newline"), "no newline=\r\n");
  EXPECT_EQ(body("café\n"), "caf=C3=A9\r\n");
  EXPECT_EQ(body("cr\r\n"), "cr=0D\r\n");
  EXPECT_EQ(body(std::string(80, 'x') + "\n"),
            std::string(75, 'x') + "=\r\n" + std::string(5, 'x') + "\r\n");
  EXPECT_EQ(DecodeQuotedPrintable("a=3db=\r\nc  \r\nd=ZZ=\ne=4"), "a=bc\nd=ZZe=4");
}

// Random UTF-8 text (seeded): every byte class the encoder treats apart.
std::string RandomBody(std::mt19937& rng) {
  static const std::vector<std::string> kPieces = {
      "a",  "Z",  "0",  " ",    "\t",   "=",    ".",
      "\n", "\n", "\r", "~",    "\x01", "\x7f", "é",
      "ß",  "€",  "日", "🙂", "\xff", "=?",   "https://host.example/t/1.html?a=1&b=2"};
  std::uniform_int_distribution<size_t> pick(0, kPieces.size() - 1);
  std::uniform_int_distribution<int> length(0, 3000);
  std::string body;
  for (int n = length(rng); n > 0; --n) body += kPieces[pick(rng)];
  if (rng() % 2) body += std::string(rng() % 2500, 'u') + "\n";
  return body;
}

TEST(QuotedPrintable, RandomTextRoundTripsByteForByteInShortAsciiLines) {
  std::mt19937 rng(20260601);
  EmailMessage m = Simple();
  for (int i = 0; i < 300; ++i) {
    m.body = RandomBody(rng);
    const std::string text = FormatRfc5322(m);
    ExpectWellFormed(text);
    const std::string body = BodyOf(text);
    for (const auto& line : Lines(body)) {
      ASSERT_LE(line.size(), 76u) << "case " << i;
      for (char c : line)
        ASSERT_TRUE(c == 9 || (c >= 32 && c < 127)) << "case " << i << ": " << line;
      if (!line.empty()) {
        ASSERT_NE(line.back(), ' ') << "case " << i;
        ASSERT_NE(line.back(), '\t') << "case " << i;
      }
    }
    ASSERT_EQ(DecodeQuotedPrintable(body), m.body) << "case " << i;
  }
}

TEST(MakeMessageId, UsesTheSendersDomainOrLocalhost) {
  EXPECT_EQ(MakeMessageId(42, "notices@tdm.example", 0xabc), "tdm.42.0000000000000abc@tdm.example");
  EXPECT_EQ(MakeMessageId(7, "no-domain", 1), "tdm.7.0000000000000001@localhost");
  EXPECT_EQ(MakeMessageId(7, "x@", 1), "tdm.7.0000000000000001@localhost");
  EXPECT_EQ(MakeMessageId(7, "x@ev<il>.exa mple", 1), "tdm.7.0000000000000001@evil.example");
}

TEST(IsPlausibleEmailAddress, Table) {
  struct Case {
    std::string address;
    bool plausible;
  };
  const std::vector<Case> cases = {
      {"abuse@host.example", true},
      {"first.last+tag@mail.host-name.example", true},
      {"a@b.co", true},
      {"dmca_agent@xn--bcher-kva.example", true},
      {"root@localhost", true},
      {"root@LOCALHOST", true},
      {"x@[192.0.2.1]", true},
      {"x@[IPv6:2001:db8::1]", true},
      {"o'brien@host.example", true},
      {"", false},
      {"no-at-sign", false},
      {"@host.example", false},
      {"a@", false},
      {"a@@host.example", false},
      {"a@b@host.example", false},
      {"a b@host.example", false},
      {"a@host .example", false},
      {"a@host.example\r\nBcc: x@evil.example", false},
      {"a\t@host.example", false},
      {"<a@host.example>", false},
      {"a,b@host.example", false},
      {"\"quoted\"@host.example", false},
      {".a@host.example", false},
      {"a.@host.example", false},
      {"a..b@host.example", false},
      {"a@host", false},
      {"a@host.", false},
      {"a@.host.example", false},
      {"a@-host.example", false},
      {"a@host-.example", false},
      {"a@ho_st.example", false},
      {"a@[999.1.1.1]", false},
      {"a@[not-an-ip]", false},
      {"zoë@host.example", false},
      {std::string(65, 'a') + "@host.example", false},
      {std::string(64, 'a') + "@" + std::string(63, 'b') + ".example", true},
      {"a@" + std::string(63, 'b') + "." + std::string(63, 'c') + "." + std::string(63, 'd') + "." +
           std::string(60, 'e') + ".example",
       false},  // over 254 bytes
  };
  for (const auto& c : cases) {
    EXPECT_EQ(IsPlausibleEmailAddress(c.address), c.plausible) << "'" << c.address << "'";
  }
}

}  // namespace
}  // namespace tdm::notifier
