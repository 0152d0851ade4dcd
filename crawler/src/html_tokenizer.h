#pragma once

// Internal to tdm::crawler: a streaming HTML tokenizer for ExtractLinks().
//
// It follows the WHATWG tokenizer (https://html.spec.whatwg.org/#tokenization)
// in the states that decide where tags, attributes and text are: data, tag
// open, end tag open, tag name, the attribute states (first of duplicate
// attributes wins on lookup), self-closing, markup declarations (comments with
// their "<!-->" and "--!>" endings, DOCTYPE, CDATA as a bogus comment unless
// the caller allows CDATA sections, bogus comments "<?...>" and "</ ...>"),
// and the text states that the tree builder selects after a start tag:
// RCDATA, RAWTEXT, script data (with its escaped and double-escaped states)
// and PLAINTEXT. Comments and DOCTYPEs produce no token.
//
// The input stream is taken as UTF-8 the way Gumbo 0.10 preprocesses it, so
// that both extractors see the same strings: CR and CRLF become LF, each
// maximal invalid UTF-8 subsequence becomes U+FFFD, and so do the control
// characters U+0001..U+0008, U+000B, U+000E..U+001F, U+007F..U+009F and the
// noncharacters (U+FDD0..U+FDEF, U+xFFFE, U+xFFFF). Gumbo does the last part
// where the standard only reports a parse error. This preprocessing is
// applied lazily to the attribute values, names and text the caller reads,
// not to the whole input.
//
// Cost: linear in the input; every byte is looked at a bounded number of
// times; no recursion. Memory: the current token only (attribute values are
// decoded into a buffer reused from tag to tag; at most kMaxAttributes
// attributes are kept per tag, the rest are tokenized and dropped).
//
// Not thread-safe; one tokenizer per document. The views in a token are valid
// until the next call to Next().

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tdm::crawler {

struct HtmlAttribute {
  std::string_view name;   // ASCII-lowercased
  std::string_view value;  // character references decoded, preprocessed
};

// How the bytes of a text token become characters (DecodeHtmlText()).
enum class TextKind : uint8_t {
  kData,     // character references decoded, NUL dropped (as in <body>)
  kRcdata,   // character references decoded, NUL -> U+FFFD (<title>, <textarea>)
  kRawtext,  // as written, NUL -> U+FFFD (<script>, <style>, ..., <plaintext>)
  kCdata,    // as written, NUL kept (CDATA sections in foreign content)
};

struct HtmlToken {
  enum class Type : uint8_t { kText, kStartTag, kEndTag, kEof };

  Type type = Type::kEof;
  std::string_view name;                  // tags: ASCII-lowercased name, U+FFFD for NUL
  std::vector<HtmlAttribute> attributes;  // start tags: in source order, duplicates kept
  bool self_closing = false;              // start tags: "<br/>"
  std::string_view text;                  // kText: the raw input bytes
  TextKind text_kind = TextKind::kData;   // kText

  // The value of the first attribute called `name` (lowercase), or nullptr.
  const std::string_view* Find(std::string_view name) const;
};

// The text states a start tag can switch the tokenizer to.
enum class RawMode : uint8_t { kNone, kRcdata, kRawtext, kScriptData, kPlaintext };

class HtmlTokenizer {
 public:
  // Attributes of one tag beyond this many are dropped.
  static constexpr size_t kMaxAttributes = 1024;

  explicit HtmlTokenizer(std::string_view html) : in_(html) {}
  HtmlTokenizer(const HtmlTokenizer&) = delete;
  HtmlTokenizer& operator=(const HtmlTokenizer&) = delete;

  // The next token; kEof at the end, and again on every later call.
  const HtmlToken& Next();

  // Called by the tree builder right after a start tag: its content up to
  // the matching end tag `end_tag` (lowercase; ignored for kPlaintext) is
  // text of that kind, as the spec's tree construction switches the
  // tokenizer for <title>, <textarea>, <style>, <script>, <plaintext> ...
  void SetRawMode(RawMode mode, std::string_view end_tag);

  // Whether "<![CDATA[" opens a CDATA section (true in foreign content) or a
  // bogus comment (HTML content, the default).
  void set_cdata_allowed(bool allowed) { cdata_allowed_ = allowed; }

 private:
  bool ParseMarkup();       // at '<': a token into tok_, or false if skipped
  bool ParseTag(bool end);  // at the tag name; false when EOF cut it off
  size_t SkipComment(size_t at) const;
  size_t RawTextEnd() const;  // where the current raw text stops
  size_t ScriptDataEnd() const;
  std::string_view Name(size_t begin, size_t end);
  void AddAttribute(size_t name_begin, size_t name_end, size_t value_begin, size_t value_end);

  std::string_view in_;
  size_t pos_ = 0;
  RawMode raw_mode_ = RawMode::kNone;
  std::string raw_end_tag_;
  bool cdata_allowed_ = false;
  HtmlToken tok_;
  // Decoded names and values of the current tag; HtmlAttribute views are
  // made once the tag is complete, since the buffer may move while growing.
  std::string scratch_;
  struct PendingAttribute {
    bool name_in_scratch, value_in_scratch;
    size_t name_begin, name_size, value_begin, value_size;
  };
  std::vector<PendingAttribute> pending_;
};

// Appends the characters of text token bytes `raw` of kind `kind` to `out`,
// preprocessed like the tokenizer's input (see above). Stops once `out` has
// grown by more than `limit` bytes (callers keep a prefix; the returned bool
// tells that it was cut).
bool DecodeHtmlText(std::string_view raw, TextKind kind, std::string& out,
                    size_t limit = static_cast<size_t>(-1));

}  // namespace tdm::crawler
