#include "tdm/notifier/warc.h"

#include <openssl/sha.h>

#include <cctype>
#include <cstdio>
#include <ctime>

namespace tdm::notifier {
namespace {

constexpr std::string_view kCrlf = "\r\n";

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

std::string Base32(const unsigned char* data, size_t n) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (size_t i = 0; i < n; ++i) {
    buffer = (buffer << 8) | data[i];
    bits += 8;
    while (bits >= 5) {
      out += kAlphabet[(buffer >> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += kAlphabet[(buffer << (5 - bits)) & 31];
  while (out.size() % 8 != 0) out += '=';
  return out;
}

std::string IsoDate(std::chrono::system_clock::time_point t) {
  const std::time_t secs =
      std::chrono::system_clock::to_time_t(std::chrono::floor<std::chrono::seconds>(t));
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// A URI for a WARC header: control characters, spaces and non-ASCII bytes
// percent-encoded (a Url's normal form has none; this guards other callers).
std::string CleanUri(std::string_view uri) {
  std::string out;
  for (unsigned char c : uri) {
    if (c <= 0x20 || c >= 0x7f) {
      char buf[4];
      std::snprintf(buf, sizeof(buf), "%%%02X", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

// A header value on one line: control characters become spaces.
std::string CleanValue(std::string_view v) {
  std::string out(v);
  for (char& c : out) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) c = ' ';
  }
  return std::string(Trim(out));
}

// A field name: a token; anything else (':', spaces, controls) becomes '-'.
std::string CleanName(std::string_view n) {
  std::string out(n);
  for (char& c : out) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == ':') c = '-';
  }
  return out.empty() ? "-" : out;
}

std::string BracketedId(std::string_view id) {
  std::string clean = CleanUri(id);
  if (StartsWith(clean, "<") && clean.back() == '>') return clean;
  return "<" + clean + ">";
}

std::string FieldsBlock(const WarcFields& fields) {
  std::string out;
  for (const auto& [name, value] : fields) {
    out += CleanName(name) + ": " + CleanValue(value);
    out += kCrlf;
  }
  return out;
}

// WARC header lines before Content-Length, then the block.
std::string Record(const std::string& header_lines, std::string_view block) {
  std::string out = "WARC/1.1\r\n" + header_lines;
  out += "Content-Length: " + std::to_string(block.size()) + "\r\n\r\n";
  out.append(block);
  out += "\r\n\r\n";
  return out;
}

std::string Line(std::string_view name, std::string_view value) {
  std::string out(name);
  out += ": ";
  out.append(value);
  out += kCrlf;
  return out;
}

// The header lines of an HTTP response, CRLF each, re-labelled as the
// header comment explains; content_type receives the Content-Type value.
Result<std::string> HttpHeaderBlock(std::string_view raw, size_t body_size,
                                    std::string* content_type) {
  std::vector<std::string_view> lines;
  while (!raw.empty()) {
    const size_t lf = raw.find('\n');
    std::string_view line = raw.substr(0, lf);
    raw.remove_prefix(lf == std::string_view::npos ? raw.size() : lf + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
  }
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  if (lines.empty() || !StartsWith(lines.front(), "HTTP/")) {
    return Status::InvalidArgument("no HTTP status line in the response headers");
  }
  const std::string exact = std::to_string(body_size);
  bool length_kept = false;
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string_view line = lines[i];
    const bool continuation = !line.empty() && (line[0] == ' ' || line[0] == '\t');
    const size_t colon = i == 0 || continuation ? std::string_view::npos : line.find(':');
    if (colon != std::string_view::npos) {
      const std::string name = Lower(Trim(line.substr(0, colon)));
      const std::string_view value = Trim(line.substr(colon + 1));
      const std::string_view rest = line.substr(colon);  // ":" and the value as received
      if (name == "content-type" && content_type->empty()) *content_type = std::string(value);
      if (name == "transfer-encoding") {
        out += "X-TDM-Original-Transfer-Encoding";
        out.append(rest);
        out += kCrlf;
        continue;
      }
      if (name == "content-encoding") {
        out += "X-TDM-Original-Content-Encoding";
        out.append(rest);
        out += kCrlf;
        continue;
      }
      if (name == "content-length") {
        if (value == exact && !length_kept) {
          length_kept = true;
        } else {
          out += "X-TDM-Original-Content-Length";
          out.append(rest);
          out += kCrlf;
          continue;
        }
      }
    }
    out.append(line);
    out += kCrlf;
  }
  if (!length_kept) out += Line("Content-Length", exact);
  return out;
}

bool LooksLikeImageOrVideo(std::string_view b) {
  auto at = [&](size_t offset, std::string_view sig) {
    return b.size() >= offset + sig.size() && b.substr(offset, sig.size()) == sig;
  };
  using namespace std::string_view_literals;
  if (at(0, "\xFF\xD8\xFF"sv)) return true;                                 // JPEG
  if (at(0, "\x89PNG\r\n\x1A\n"sv)) return true;                            // PNG
  if (at(0, "GIF87a"sv) || at(0, "GIF89a"sv)) return true;                  // GIF
  if (at(0, "RIFF"sv) && at(8, "WEBP"sv)) return true;                      // WebP
  if (at(4, "ftyp"sv)) return true;                                         // MP4, MOV, AVIF, HEIC
  if (at(0, "II*\0"sv) || at(0, "MM\0*"sv)) return true;                    // TIFF
  if (at(0, "BM"sv) && at(6, "\0\0\0\0"sv) && b.size() >= 26) return true;  // BMP
  if (at(0, "\x1A\x45\xDF\xA3"sv)) return true;                             // Matroska, WebM
  return false;
}

bool AllowedTextType(std::string_view content_type) {
  std::string t = Lower(Trim(content_type.substr(0, content_type.find(';'))));
  if (StartsWith(t, "text/")) return true;
  if (t == "application/xhtml+xml" || t == "application/xml" || t == "application/json") {
    return true;
  }
  auto ends = [&](std::string_view suffix) {
    return t.size() > suffix.size() &&
           t.compare(t.size() - suffix.size(), suffix.size(), suffix.data(), suffix.size()) == 0;
  };
  return ends("+xml") || ends("+json");
}

}  // namespace

Status CheckNotImagery(std::string_view content_type, std::string_view body) {
  if (body.empty()) return Status::Ok();
  if (LooksLikeImageOrVideo(body)) {
    return Status::Refused("the body is an image or video (by its signature): never kept");
  }
  if (Trim(content_type).empty()) {
    if (body.substr(0, 4096).find('\0') != std::string_view::npos) {
      return Status::Refused("a binary body without Content-Type: not kept");
    }
    return Status::Ok();
  }
  if (!AllowedTextType(content_type)) {
    return Status::Refused("Content-Type " + CleanValue(content_type) +
                           " is not a page: only text is kept as evidence");
  }
  return Status::Ok();
}

std::string WarcSha1Digest(std::string_view data) {
  unsigned char md[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(data.data()), data.size(), md);
  return "sha1:" + Base32(md, sizeof(md));
}

Result<std::string> WarcResponseRecord(const WarcCapture& capture, std::string_view record_id) {
  std::string content_type;
  Result<std::string> headers =
      HttpHeaderBlock(capture.http_headers, capture.body.size(), &content_type);
  if (!headers.ok()) return headers.status();
  if (Status s = CheckNotImagery(content_type, capture.body); !s.ok()) return s;
  std::string block = std::move(*headers);
  block += kCrlf;
  block += capture.body;
  std::string lines = Line("WARC-Type", "response");
  lines += Line("WARC-Record-ID", BracketedId(record_id));
  lines += Line("WARC-Date", IsoDate(capture.date));
  lines += Line("WARC-Target-URI", CleanUri(capture.target_uri));
  if (!capture.ip.empty()) lines += Line("WARC-IP-Address", CleanValue(capture.ip));
  lines += Line("Content-Type", "application/http;msgtype=response");
  lines += Line("WARC-Block-Digest", WarcSha1Digest(block));
  lines += Line("WARC-Payload-Digest", WarcSha1Digest(capture.body));
  return Record(lines, block);
}

std::string WarcMetadataRecord(std::string_view target_uri,
                               std::chrono::system_clock::time_point date,
                               std::string_view concurrent_to_id, const WarcFields& fields,
                               std::string_view record_id) {
  const std::string block = FieldsBlock(fields);
  std::string lines = Line("WARC-Type", "metadata");
  lines += Line("WARC-Record-ID", BracketedId(record_id));
  lines += Line("WARC-Date", IsoDate(date));
  lines += Line("WARC-Target-URI", CleanUri(target_uri));
  if (!concurrent_to_id.empty()) {
    lines += Line("WARC-Concurrent-To", BracketedId(concurrent_to_id));
  }
  lines += Line("Content-Type", "application/warc-fields");
  lines += Line("WARC-Block-Digest", WarcSha1Digest(block));
  return Record(lines, block);
}

std::string WarcInfoRecord(std::string_view filename, std::chrono::system_clock::time_point date,
                           const WarcFields& fields, std::string_view record_id) {
  const std::string block = FieldsBlock(fields);
  std::string lines = Line("WARC-Type", "warcinfo");
  lines += Line("WARC-Record-ID", BracketedId(record_id));
  lines += Line("WARC-Date", IsoDate(date));
  if (!filename.empty()) lines += Line("WARC-Filename", CleanValue(filename));
  lines += Line("Content-Type", "application/warc-fields");
  lines += Line("WARC-Block-Digest", WarcSha1Digest(block));
  return Record(lines, block);
}

std::string NewWarcRecordId(uint64_t seed_a, uint64_t seed_b) {
  const uint64_t hi = (seed_a & ~uint64_t{0xF000}) | uint64_t{0x4000};
  const uint64_t lo = (seed_b & ~(uint64_t{3} << 62)) | (uint64_t{2} << 62);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "<urn:uuid:%08x-%04x-%04x-%04x-%012llx>",
                static_cast<unsigned>(hi >> 32), static_cast<unsigned>((hi >> 16) & 0xFFFF),
                static_cast<unsigned>(hi & 0xFFFF), static_cast<unsigned>(lo >> 48),
                static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFull));
  return buf;
}

}  // namespace tdm::notifier
