#pragma once

// Internal to tdm::notifier: the MIME encodings an e-mail message is written
// in and read back from: RFC 5322 header folding, RFC 2047 encoded words and
// RFC 2045 quoted-printable. Which headers a message has, and what goes in
// them, is email.cc's. Pure functions, no state.

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tdm::notifier::mime {

inline constexpr size_t kFoldAt = 78;  // RFC 5322 2.1.1: lines SHOULD be at most 78

inline bool IsWsp(char c) { return c == ' ' || c == '\t'; }
inline bool Is8Bit(char c) { return static_cast<unsigned char>(c) >= 0x80; }

// Builds one header field, folding before a token that would pass column 78
// (never before the first token on a line: a longer token just runs on).
class HeaderWriter {
 public:
  explicit HeaderWriter(std::string_view name) : out_(std::string(name) + ":") {
    line_len_ = out_.size();
  }
  // Characters a token may have and still fit after a space on this line.
  size_t Room() const { return line_len_ + 1 >= kFoldAt ? 0 : kFoldAt - line_len_ - 1; }
  bool LineHasToken() const { return line_has_token_; }
  void Fold() {
    out_ += "\r\n";
    line_len_ = 0;
    line_has_token_ = false;
  }
  void Add(std::string_view token) {
    if (line_has_token_ && token.size() > Room()) Fold();
    out_ += ' ';
    out_ += token;
    line_len_ += 1 + token.size();
    line_has_token_ = true;
  }
  std::string Finish() && { return std::move(out_) + "\r\n"; }

 private:
  std::string out_;
  size_t line_len_ = 0;
  bool line_has_token_ = false;
};

// Appends `text` as base64 encoded words, each as long as the room left on
// the line allows (at most 75 characters) and holding whole characters only.
void AddEncodedWords(std::string_view text, HeaderWriter& w);

// Whether unstructured text must travel as encoded words: 8-bit bytes, text
// a reader would take for an encoded word, or a word too long to fold.
bool NeedsEncoding(const std::vector<std::string>& words);

// RFC 2045 6.7 quoted-printable of the body, byte for byte: see
// FormatRfc5322 in email.h.
std::string EncodeQuotedPrintable(std::string_view body);

// DecodeQuotedPrintable and DecodeHeaderValue of email.h.
std::string DecodeQuotedPrintable(std::string_view encoded);
std::string DecodeHeaderValue(std::string_view value);

}  // namespace tdm::notifier::mime
