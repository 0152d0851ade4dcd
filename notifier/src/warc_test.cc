#include "tdm/notifier/warc.h"

#include <gtest/gtest.h>
#include <openssl/sha.h>

#include <map>
#include <random>
#include <regex>
#include <set>
#include <string>
#include <vector>

namespace tdm::notifier {
namespace {

using namespace std::string_literals;

// A tiny WARC reader: enough to check what the writer produced.
struct ParsedRecord {
  std::string version;
  std::vector<std::pair<std::string, std::string>> headers;  // in order
  std::string block;
  std::string Get(const std::string& name) const {
    for (const auto& [n, v] : headers) {
      if (n == name) return v;
    }
    return "";
  }
  int Count(const std::string& name) const {
    int n = 0;
    for (const auto& h : headers) n += h.first == name;
    return n;
  }
};

// Parses every record of `file`; fails the test on any format error.
std::vector<ParsedRecord> ReadWarc(const std::string& file) {
  std::vector<ParsedRecord> out;
  size_t pos = 0;
  while (pos < file.size()) {
    ParsedRecord r;
    const size_t head_end = file.find("\r\n\r\n", pos);
    EXPECT_NE(head_end, std::string::npos) << "no end of WARC headers";
    if (head_end == std::string::npos) return out;
    const std::string head = file.substr(pos, head_end + 2 - pos);
    size_t line_start = 0;
    for (size_t eol = head.find("\r\n"); eol != std::string::npos;
         line_start = eol + 2, eol = head.find("\r\n", line_start)) {
      const std::string line = head.substr(line_start, eol - line_start);
      EXPECT_EQ(line.find('\n'), std::string::npos) << "bare LF in a WARC header";
      if (line_start == 0) {
        r.version = line;
        continue;
      }
      const size_t colon = line.find(": ");
      EXPECT_NE(colon, std::string::npos) << line;
      if (colon == std::string::npos) return out;
      r.headers.emplace_back(line.substr(0, colon), line.substr(colon + 2));
    }
    const std::string length = r.Get("Content-Length");
    EXPECT_FALSE(length.empty());
    const size_t n = std::stoull(length);
    const size_t block_start = head_end + 4;
    EXPECT_LE(block_start + n + 4, file.size()) << "Content-Length runs past the file";
    if (block_start + n + 4 > file.size()) return out;
    r.block = file.substr(block_start, n);
    EXPECT_EQ(file.substr(block_start + n, 4), "\r\n\r\n") << "record must end with CRLF CRLF";
    pos = block_start + n + 4;
    out.push_back(std::move(r));
  }
  return out;
}

// Independent of the writer: SHA-1 then RFC 4648 base32 via bit strings.
std::string ExpectedSha1(const std::string& data) {
  unsigned char md[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(data.data()), data.size(), md);
  std::string bits;
  for (unsigned char b : md) {
    for (int i = 7; i >= 0; --i) bits += ((b >> i) & 1) ? '1' : '0';
  }
  std::string out = "sha1:";
  for (size_t i = 0; i < bits.size(); i += 5) {
    out += "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"[std::stoi(bits.substr(i, 5), nullptr, 2)];
  }
  return out;
}

std::chrono::system_clock::time_point June1st() {
  return std::chrono::system_clock::time_point(std::chrono::seconds(1780315200)) +
         std::chrono::milliseconds(750);  // 2026-06-01T12:00:00.750Z
}

WarcCapture Page() {
  WarcCapture c;
  c.target_uri = "https://leaks.example/t/1.html";
  c.date = June1st();
  c.ip = "203.0.113.7";
  c.body = "<html><body><img src=\"/m/a.jpg\"></body></html>";
  c.http_headers =
      "HTTP/1.1 200 OK\r\nServer: demo\r\nContent-Type: text/html; charset=utf-8\r\n"
      "Content-Length: " +
      std::to_string(c.body.size()) + "\r\n";
  return c;
}

// The HTTP header lines of a response block (before the blank line).
std::vector<std::string> HttpLines(const std::string& block) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t eol = block.find("\r\n"); eol != std::string::npos && eol != start;
       start = eol + 2, eol = block.find("\r\n", start)) {
    out.push_back(block.substr(start, eol - start));
  }
  return out;
}

TEST(Warc, DigestsAreSha1InBase32) {
  EXPECT_EQ(WarcSha1Digest(""), "sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ");
  EXPECT_EQ(WarcSha1Digest("abc"), "sha1:VGMT4NSHA2AWVOR6EVYXQUGCNSONBWE5");
}

TEST(Warc, ResponseRecordParsesBackWithExactLengthAndDigests) {
  const WarcCapture c = Page();
  const std::string id = NewWarcRecordId(1, 2);
  auto rec = WarcResponseRecord(c, id);
  ASSERT_TRUE(rec.ok()) << rec.status().ToString();
  auto records = ReadWarc(*rec);
  ASSERT_EQ(records.size(), 1u);
  const ParsedRecord& r = records[0];
  EXPECT_EQ(r.version, "WARC/1.1");
  EXPECT_EQ(r.Get("WARC-Type"), "response");
  EXPECT_EQ(r.Get("WARC-Record-ID"), id);
  EXPECT_EQ(r.Get("WARC-Date"), "2026-06-01T12:00:00Z");
  EXPECT_EQ(r.Get("WARC-Target-URI"), c.target_uri);
  EXPECT_EQ(r.Get("WARC-IP-Address"), "203.0.113.7");
  EXPECT_EQ(r.Get("Content-Type"), "application/http;msgtype=response");
  EXPECT_EQ(r.Count("Content-Length"), 1);
  EXPECT_EQ(std::stoull(r.Get("Content-Length")), r.block.size());
  EXPECT_EQ(r.block, c.http_headers + "\r\n" + c.body) << "headers as received, then the body";
  EXPECT_EQ(r.Get("WARC-Block-Digest"), ExpectedSha1(r.block));
  EXPECT_EQ(r.Get("WARC-Payload-Digest"), ExpectedSha1(c.body));
  // Records concatenate into a file that reads back record by record.
  auto second = WarcResponseRecord(c, NewWarcRecordId(3, 4));
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(ReadWarc(*rec + *second).size(), 2u);
}

TEST(Warc, UnknownAddressIsLeftOutAndTheIdGetsItsBrackets) {
  WarcCapture c = Page();
  c.ip.clear();
  auto rec = WarcResponseRecord(c, "urn:uuid:12345678-1234-4234-8234-123456789abc");
  ASSERT_TRUE(rec.ok());
  auto r = ReadWarc(*rec).at(0);
  EXPECT_EQ(r.Count("WARC-IP-Address"), 0);
  EXPECT_EQ(r.Get("WARC-Record-ID"), "<urn:uuid:12345678-1234-4234-8234-123456789abc>");
}

TEST(Warc, BareLineFeedsInHeadersBecomeCrlf) {
  WarcCapture c = Page();
  c.http_headers = "HTTP/1.1 200 OK\nContent-Type: text/html\nX-Odd: a\rb\n\n";
  auto rec = WarcResponseRecord(c, NewWarcRecordId(1, 2));
  ASSERT_TRUE(rec.ok()) << rec.status().ToString();
  auto r = ReadWarc(*rec).at(0);
  const std::string expected_head =
      "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX-Odd: a\rb\r\n"
      "Content-Length: " +
      std::to_string(c.body.size()) + "\r\n\r\n";
  EXPECT_EQ(r.block, expected_head + c.body);
  EXPECT_EQ(r.Get("WARC-Block-Digest"), ExpectedSha1(r.block));
}

TEST(Warc, WireEncodingHeadersAreRenamedAndContentLengthIsTheBodys) {
  WarcCapture c = Page();
  c.http_headers =
      "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: gzip\r\n"
      "transfer-encoding: chunked\r\nContent-Length: 17\r\nVary: Accept-Encoding\r\n";
  auto rec = WarcResponseRecord(c, NewWarcRecordId(1, 2));
  ASSERT_TRUE(rec.ok()) << rec.status().ToString();
  auto r = ReadWarc(*rec).at(0);
  const std::vector<std::string> lines = HttpLines(r.block);
  const std::vector<std::string> expected = {
      "HTTP/1.1 200 OK",
      "Content-Type: text/html",
      "X-TDM-Original-Content-Encoding: gzip",
      "X-TDM-Original-Transfer-Encoding: chunked",
      "X-TDM-Original-Content-Length: 17",
      "Vary: Accept-Encoding",
      "Content-Length: " + std::to_string(c.body.size()),
  };
  EXPECT_EQ(lines, expected);
  EXPECT_EQ(r.block.substr(r.block.size() - c.body.size()), c.body);
  EXPECT_EQ(r.Get("WARC-Payload-Digest"), ExpectedSha1(c.body));
}

TEST(Warc, AMissingContentLengthIsAdded) {
  WarcCapture c = Page();
  c.http_headers = "HTTP/2 200\r\ncontent-type: text/html\r\n";
  auto rec = WarcResponseRecord(c, NewWarcRecordId(1, 2));
  ASSERT_TRUE(rec.ok());
  EXPECT_EQ(HttpLines(ReadWarc(*rec).at(0).block).back(),
            "Content-Length: " + std::to_string(c.body.size()));
}

TEST(Warc, AMebibyteBodyKeepsExactLengthAndDigests) {
  WarcCapture c = Page();
  std::mt19937_64 rng(7);
  c.body = "<html><body><pre>";
  while (c.body.size() < (1u << 20) - 20) c.body += static_cast<char>('a' + rng() % 26);
  c.body += "</pre></body></html>";
  c.http_headers = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n";
  auto rec = WarcResponseRecord(c, NewWarcRecordId(5, 6));
  ASSERT_TRUE(rec.ok());
  auto records = ReadWarc(*rec);
  ASSERT_EQ(records.size(), 1u);
  const ParsedRecord& r = records[0];
  EXPECT_EQ(std::stoull(r.Get("Content-Length")), r.block.size());
  EXPECT_GT(r.block.size(), 1u << 20);
  EXPECT_EQ(r.Get("WARC-Block-Digest"), ExpectedSha1(r.block));
  EXPECT_EQ(r.Get("WARC-Payload-Digest"), ExpectedSha1(c.body));
}

// Principle 3: never image bytes in evidence.
TEST(Warc, ImageBodiesAreRefused) {
  WarcCapture c = Page();
  c.http_headers = "HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\n";
  c.body = "not really a jpeg";
  auto by_type = WarcResponseRecord(c, NewWarcRecordId(1, 2));
  EXPECT_EQ(by_type.status().code(), Status::Code::kRefused) << by_type.status().ToString();

  const std::vector<std::string> signatures = {
      "\xFF\xD8\xFF\xE0"s + "JFIF"s,
      "\x89PNG\r\n\x1A\n"s + "rest"s,
      "GIF89a"s + "rest"s,
      "GIF87a"s + "rest"s,
      "RIFF\x10\x00\x00\x00WEBPVP8 "s,
      "\x00\x00\x00\x1C"s + "ftypavif"s,
  };
  for (const std::string& sig : signatures) {
    WarcCapture lie = Page();  // says text/html
    lie.body = sig + std::string(100, 'x');
    auto r = WarcResponseRecord(lie, NewWarcRecordId(1, 2));
    EXPECT_EQ(r.status().code(), Status::Code::kRefused) << sig;
  }
  for (const char* type : {"video/mp4", "application/octet-stream", "IMAGE/PNG; q=1"}) {
    WarcCapture other = Page();
    other.http_headers = "HTTP/1.1 200 OK\r\nContent-Type: "s + type + "\r\n";
    EXPECT_EQ(WarcResponseRecord(other, NewWarcRecordId(1, 2)).status().code(),
              Status::Code::kRefused)
        << type;
  }
  WarcCapture untyped = Page();
  untyped.http_headers = "HTTP/1.1 200 OK\r\n";
  EXPECT_TRUE(WarcResponseRecord(untyped, NewWarcRecordId(1, 2)).ok()) << "text without a type";
  untyped.body = "abc\0def"s;
  EXPECT_EQ(WarcResponseRecord(untyped, NewWarcRecordId(1, 2)).status().code(),
            Status::Code::kRefused);
  for (const char* type : {"text/plain", "application/json", "application/rss+xml"}) {
    EXPECT_TRUE(CheckNotImagery(type, "{}").ok()) << type;
  }
  EXPECT_TRUE(CheckNotImagery("image/jpeg", "").ok()) << "an empty body holds no image";
}

TEST(Warc, HeadersWithoutAStatusLineAreInvalid) {
  WarcCapture c = Page();
  c.http_headers = "";
  EXPECT_EQ(WarcResponseRecord(c, NewWarcRecordId(1, 2)).status().code(),
            Status::Code::kInvalidArgument);
  c.http_headers = "Content-Type: text/html\r\n";
  EXPECT_EQ(WarcResponseRecord(c, NewWarcRecordId(1, 2)).status().code(),
            Status::Code::kInvalidArgument);
}

TEST(Warc, AHostileUriCannotInjectWarcHeaders) {
  WarcCapture c = Page();
  c.target_uri = "https://leaks.example/a\r\nWARC-Type: revisit";
  auto rec = WarcResponseRecord(c, NewWarcRecordId(1, 2));
  ASSERT_TRUE(rec.ok());
  auto r = ReadWarc(*rec).at(0);
  EXPECT_EQ(r.Count("WARC-Type"), 1);
  EXPECT_EQ(r.Get("WARC-Target-URI"), "https://leaks.example/a%0D%0AWARC-Type:%20revisit");
}

TEST(Warc, MetadataRecordCarriesFieldsAndPointsAtItsResponse) {
  const std::string response_id = NewWarcRecordId(10, 20);
  const std::string id = NewWarcRecordId(11, 21);
  const WarcFields fields = {
      {"image-url", "https://leaks.example/m/a.jpg"},
      {"image-sha256", std::string(64, 'a')},
      {"image-pdq", std::string(64, 'f')},
      {"verdict", "present"},
      {"reason", "still on the page\r\nWARC-Type: injected"},
  };
  const std::string rec =
      WarcMetadataRecord("https://leaks.example/t/1.html", June1st(), response_id, fields, id);
  auto records = ReadWarc(rec);
  ASSERT_EQ(records.size(), 1u);
  const ParsedRecord& r = records[0];
  EXPECT_EQ(r.Get("WARC-Type"), "metadata");
  EXPECT_EQ(r.Get("WARC-Record-ID"), id);
  EXPECT_EQ(r.Get("WARC-Concurrent-To"), response_id);
  EXPECT_EQ(r.Get("WARC-Target-URI"), "https://leaks.example/t/1.html");
  EXPECT_EQ(r.Get("WARC-Date"), "2026-06-01T12:00:00Z");
  EXPECT_EQ(r.Get("Content-Type"), "application/warc-fields");
  EXPECT_EQ(r.Get("WARC-Block-Digest"), ExpectedSha1(r.block));
  EXPECT_EQ(r.block,
            "image-url: https://leaks.example/m/a.jpg\r\n"
            "image-sha256: " +
                std::string(64, 'a') + "\r\nimage-pdq: " + std::string(64, 'f') +
                "\r\nverdict: present\r\n"
                "reason: still on the page  WARC-Type: injected\r\n");
}

TEST(Warc, InfoRecordStartsAFile) {
  const std::string rec = WarcInfoRecord(
      "tdm-takedown-42.warc", June1st(),
      {{"software", "tdm/0.1"}, {"format", "WARC File Format 1.1"}}, NewWarcRecordId(7, 8));
  auto records = ReadWarc(rec);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].Get("WARC-Type"), "warcinfo");
  EXPECT_EQ(records[0].Get("WARC-Filename"), "tdm-takedown-42.warc");
  EXPECT_EQ(records[0].Get("Content-Type"), "application/warc-fields");
  EXPECT_EQ(records[0].block, "software: tdm/0.1\r\nformat: WARC File Format 1.1\r\n");
  EXPECT_EQ(records[0].Get("WARC-Block-Digest"), ExpectedSha1(records[0].block));
}

TEST(Warc, RecordIdsAreVersion4UuidsAndUnique) {
  const std::regex uuid4(
      "<urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}>");
  std::set<std::string> seen;
  std::mt19937_64 rng(42);
  for (int i = 0; i < 5000; ++i) {
    const std::string random_id = NewWarcRecordId(rng(), rng());
    const std::string counter_id = NewWarcRecordId(0x1234567890abcdefull, static_cast<uint64_t>(i));
    EXPECT_TRUE(std::regex_match(random_id, uuid4)) << random_id;
    EXPECT_TRUE(std::regex_match(counter_id, uuid4)) << counter_id;
    seen.insert(random_id);
    seen.insert(counter_id);
  }
  EXPECT_EQ(seen.size(), 10000u);
  EXPECT_EQ(NewWarcRecordId(1, 2), NewWarcRecordId(1, 2)) << "pure: same seeds, same id";
}

}  // namespace
}  // namespace tdm::notifier
