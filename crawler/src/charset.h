#pragma once

// Internal to tdm::crawler: pages reach the HTML parser as UTF-8 (Gumbo reads
// only UTF-8). The charset comes from the Content-Type header, else from a
// <meta charset> or <meta http-equiv="Content-Type"> in the first 1024 bytes
// (as browsers pre-scan), else UTF-8 is assumed.

#include <string>
#include <string_view>

namespace tdm::crawler {

struct Utf8Page {
  std::string html;     // UTF-8 (bytes invalid in the source charset dropped)
  std::string charset;  // what was used, lowercase: "utf-8", "windows-1252", ...
  bool converted = false;
  bool unknown_charset = false;  // named but not supported: read as UTF-8
};

// The charset named by a Content-Type value ("text/html; charset=ISO-8859-1"),
// lowercase, or "" when none.
std::string CharsetOfContentType(std::string_view content_type);

Utf8Page DecodeToUtf8(std::string_view body, std::string_view content_type);

}  // namespace tdm::crawler
