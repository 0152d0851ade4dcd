#include "charset.h"

#include <iconv.h>

#include <algorithm>
#include <cctype>
#include <cerrno>

namespace tdm::crawler {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// The value after "charset=" in `text` (quotes and spaces trimmed), or "".
std::string CharsetParam(std::string_view text) {
  const std::string lower = Lower(text);
  const size_t at = lower.find("charset");
  if (at == std::string::npos) return "";
  size_t i = at + 7;
  while (i < lower.size() && (lower[i] == ' ' || lower[i] == '=')) ++i;
  while (i < lower.size() && (lower[i] == '"' || lower[i] == '\'')) ++i;
  size_t end = i;
  while (end < lower.size() &&
         (std::isalnum(static_cast<unsigned char>(lower[end])) || lower[end] == '-' ||
          lower[end] == '_' || lower[end] == ':' || lower[end] == '.')) {
    ++end;
  }
  return lower.substr(i, end - i);
}

// WHATWG: these labels all mean windows-1252, a superset of Latin-1.
std::string Canonical(std::string charset) {
  if (charset == "utf8") return "utf-8";
  if (charset == "latin1" || charset == "iso-8859-1" || charset == "us-ascii" ||
      charset == "ascii" || charset == "cp1252") {
    return charset == "us-ascii" || charset == "ascii" ? "utf-8" : "windows-1252";
  }
  return charset;
}

}  // namespace

std::string CharsetOfContentType(std::string_view content_type) {
  return Canonical(CharsetParam(content_type));
}

Utf8Page DecodeToUtf8(std::string_view body, std::string_view content_type) {
  Utf8Page page;
  std::string charset = CharsetOfContentType(content_type);
  if (charset.empty()) {
    // <meta charset="x"> or <meta http-equiv="Content-Type" content="...; charset=x">
    const std::string head = Lower(body.substr(0, 1024));
    for (size_t at = head.find("<meta"); at != std::string::npos && charset.empty();
         at = head.find("<meta", at + 5)) {
      const size_t end = head.find('>', at);
      charset = Canonical(CharsetParam(std::string_view(head).substr(at, end - at)));
    }
  }
  if (charset.empty()) charset = "utf-8";
  page.charset = charset;
  if (charset == "utf-8") {
    page.html.assign(body);
    return page;
  }
  iconv_t cd = iconv_open("UTF-8//IGNORE", charset.c_str());
  if (cd == reinterpret_cast<iconv_t>(-1)) {
    page.unknown_charset = true;
    page.charset = "utf-8";
    page.html.assign(body);
    return page;
  }
  std::string out(body.size() * 3 + 16, '\0');  // every source byte -> at most 3 UTF-8 bytes here
  char* in = const_cast<char*>(body.data());
  size_t in_left = body.size();
  char* dst = out.data();
  size_t out_left = out.size();
  while (in_left > 0) {
    if (iconv(cd, &in, &in_left, &dst, &out_left) != static_cast<size_t>(-1)) break;
    if (errno == E2BIG) break;  // cannot happen with 3x room for single-byte charsets
    ++in;                       // an invalid or incomplete sequence: skip its byte
    --in_left;
  }
  iconv_close(cd);
  out.resize(out.size() - out_left);
  page.html = std::move(out);
  page.converted = true;
  return page;
}

}  // namespace tdm::crawler
