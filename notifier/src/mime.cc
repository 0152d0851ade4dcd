#include "mime.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <optional>

namespace tdm::notifier::mime {
namespace {

constexpr size_t kMaxEncodedWord = 75;  // RFC 2047 2
constexpr size_t kMaxQpLine = 76;       // RFC 2045 6.7 (5)
constexpr std::string_view kWordPrefix = "=?UTF-8?B?";
constexpr std::string_view kWordSuffix = "?=";

std::string Base64(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const uint32_t v = static_cast<unsigned char>(in[i]) << 16 |
                       static_cast<unsigned char>(in[i + 1]) << 8 |
                       static_cast<unsigned char>(in[i + 2]);
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i < in.size()) {
    const bool two = i + 1 < in.size();
    const uint32_t v = static_cast<unsigned char>(in[i]) << 16 |
                       (two ? static_cast<unsigned char>(in[i + 1]) << 8 : 0);
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += two ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::optional<std::string> DecodeBase64(std::string_view in) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '=') break;
    const int v = value(c);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Bytes in the UTF-8 character starting at text[i]: its lead byte's length,
// cut short where continuation bytes stop (broken input stays whole bytes).
size_t CharLength(std::string_view text, size_t i) {
  const auto lead = static_cast<unsigned char>(text[i]);
  size_t want = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  size_t n = 1;
  while (n < want && i + n < text.size() &&
         (static_cast<unsigned char>(text[i + n]) & 0xc0) == 0x80) {
    ++n;
  }
  return n;
}

// One encoded word at text[i] ("=?charset?B|Q?text?="): its decoded bytes and
// its length, or nullopt when text[i] does not start a well-formed one.
std::optional<std::pair<std::string, size_t>> DecodeEncodedWordAt(std::string_view text, size_t i) {
  if (text.compare(i, 2, "=?") != 0) return std::nullopt;
  const size_t q1 = text.find('?', i + 2);
  if (q1 == std::string_view::npos || q1 + 2 >= text.size() || text[q1 + 2] != '?') {
    return std::nullopt;
  }
  const char encoding = static_cast<char>(std::toupper(static_cast<unsigned char>(text[q1 + 1])));
  const size_t end = text.find("?=", q1 + 3);
  if (end == std::string_view::npos) return std::nullopt;
  const std::string_view payload = text.substr(q1 + 3, end - q1 - 3);
  if (payload.find_first_of(" \t") != std::string_view::npos) return std::nullopt;
  std::string decoded;
  if (encoding == 'B') {
    auto b = DecodeBase64(payload);
    if (!b) return std::nullopt;
    decoded = std::move(*b);
  } else if (encoding == 'Q') {
    for (size_t k = 0; k < payload.size(); ++k) {
      if (payload[k] == '_') {
        decoded += ' ';
      } else if (payload[k] == '=' && k + 2 < payload.size() && HexValue(payload[k + 1]) >= 0 &&
                 HexValue(payload[k + 2]) >= 0) {
        decoded += static_cast<char>(HexValue(payload[k + 1]) * 16 + HexValue(payload[k + 2]));
        k += 2;
      } else {
        decoded += payload[k];
      }
    }
  } else {
    return std::nullopt;
  }
  return std::make_pair(std::move(decoded), end + 2 - i);
}

}  // namespace

void AddEncodedWords(std::string_view text, HeaderWriter& w) {
  const size_t overhead = kWordPrefix.size() + kWordSuffix.size();
  size_t i = 0;
  while (i < text.size()) {
    const size_t max_word = std::min(kMaxEncodedWord, w.Room());
    const size_t max_bytes = max_word > overhead ? (max_word - overhead) / 4 * 3 : 0;
    size_t end = i;
    while (end < text.size() && end + CharLength(text, end) - i <= max_bytes) {
      end += CharLength(text, end);
    }
    if (end == i) {  // not even one character fits here: go to a new line
      w.Fold();
      continue;
    }
    w.Add(std::string(kWordPrefix) + Base64(text.substr(i, end - i)) + std::string(kWordSuffix));
    i = end;
  }
}

bool NeedsEncoding(const std::vector<std::string>& words) {
  for (const auto& word : words) {
    if (word.size() > kFoldAt - 2 || word.find("=?") != std::string::npos) return true;
    if (std::any_of(word.begin(), word.end(), Is8Bit)) return true;
  }
  return false;
}

std::string EncodeQuotedPrintable(std::string_view body) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  size_t line_len = 0;
  auto emit = [&](std::string_view token) {
    if (line_len + token.size() > kMaxQpLine - 1) {  // keep room for the soft break's '='
      out += "=\r\n";
      line_len = 0;
    }
    out += token;
    line_len += token.size();
  };
  size_t start = 0;
  while (start < body.size()) {
    const size_t nl = body.find('\n', start);
    const std::string_view line =
        body.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
    for (size_t i = 0; i < line.size(); ++i) {
      const char c = line[i];
      const auto u = static_cast<unsigned char>(c);
      const bool last = i + 1 == line.size();
      if ((u >= 33 && u <= 126 && c != '=') || (IsWsp(c) && !last)) {
        emit(std::string_view(&c, 1));
      } else {
        const char escaped[3] = {'=', kHex[u >> 4], kHex[u & 15]};
        emit(std::string_view(escaped, 3));
      }
    }
    // A last line without '\n' ends in a soft break: nothing is added to it.
    out += nl == std::string_view::npos ? "=\r\n" : "\r\n";
    line_len = 0;
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  return out;
}

std::string DecodeQuotedPrintable(std::string_view encoded) {
  std::string out;
  size_t start = 0;
  while (start < encoded.size()) {
    const size_t nl = encoded.find('\n', start);
    const bool hard_end = nl != std::string_view::npos;
    std::string_view line = encoded.substr(start, hard_end ? nl - start : std::string_view::npos);
    if (hard_end && !line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (hard_end) {
      while (!line.empty() && IsWsp(line.back())) line.remove_suffix(1);
    }
    bool soft = false;
    if (hard_end && !line.empty() && line.back() == '=') {
      soft = true;
      line.remove_suffix(1);
    }
    for (size_t i = 0; i < line.size(); ++i) {
      if (line[i] == '=' && i + 2 < line.size() && HexValue(line[i + 1]) >= 0 &&
          HexValue(line[i + 2]) >= 0) {
        out += static_cast<char>(HexValue(line[i + 1]) * 16 + HexValue(line[i + 2]));
        i += 2;
      } else {
        out += line[i];
      }
    }
    if (hard_end && !soft) out += '\n';
    if (!hard_end) break;
    start = nl + 1;
  }
  return out;
}

std::string DecodeHeaderValue(std::string_view value) {
  std::string unfolded;
  for (char c : value) {
    if (c != '\r' && c != '\n') unfolded += c;
  }
  std::string out;
  std::string pending_space;  // whitespace after an encoded word, dropped if another follows
  bool after_word = false;
  for (size_t i = 0; i < unfolded.size();) {
    if (auto word = DecodeEncodedWordAt(unfolded, i)) {
      if (!after_word) out += pending_space;
      pending_space.clear();
      out += word->first;
      i += word->second;
      after_word = true;
    } else if (IsWsp(unfolded[i])) {
      (after_word ? pending_space : out) += unfolded[i++];
    } else {
      out += pending_space;
      pending_space.clear();
      out += unfolded[i++];
      after_word = false;
    }
  }
  return out + pending_space;
}

}  // namespace tdm::notifier::mime
