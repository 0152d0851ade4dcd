#pragma once

// Url: a strict, small absolute http(s) URL for crawling.
//
// Everything the crawler fetches, stores or compares goes through Url, so two
// spellings of the same resource ("HTTP://Example.COM:80/a/./b" and
// "http://example.com/a/b") become one value. Only http and https exist here:
// a page full of javascript:, mailto: or data: references yields errors that the
// caller can count and skip, never a Url.
//
// Normal form (what the accessors and Spec() return):
//   - scheme and host lowercased; IPv6 hosts keep their brackets;
//   - the default port (80 for http, 443 for https) is never spelled out;
//   - the path always starts with '/', dot segments are removed (RFC 3986
//     5.2.4), including percent-encoded dots such as "%2e%2E";
//   - percent-escapes of unreserved characters are decoded ("%7E" -> "~"),
//     other escapes get uppercase hex, and spaces, control characters,
//     non-ASCII bytes and a few unsafe characters ("<>`{}|^ and a '%' that
//     starts no escape) are percent-encoded;
//   - the fragment is dropped: it never reaches a server.
//
// Refused (Status::InvalidArgument, message says why): schemes other than
// http/https, missing "//", empty or malformed host, non-ASCII host (IDN is not
// supported), bad port (0, >65535, non-digits), userinfo ("credentials in
// URL"), and input longer than 8 KiB. Leading and trailing whitespace/control
// characters are trimmed, tabs and newlines inside are removed, and backslashes
// before the query are read as '/' — all as browsers do.
//
// Thread-safety: a Url is an immutable value; const methods are safe to call
// from any thread.

#include <cstddef>
#include <string>
#include <string_view>

#include "tdm/common/status.h"

namespace tdm {

class Url {
 public:
  // Longest input Parse() and Resolve() accept, in bytes.
  static constexpr size_t kMaxLength = 8 * 1024;

  // Parses an absolute http(s) URL.
  static Result<Url> Parse(std::string_view absolute);

  // Resolves a reference (as found in an href) against this URL following
  // RFC 3986 section 5.2: "//host/p", "/p", "p", "../p", "?q", "#f" and "".
  // A reference such as "http:g" (same scheme, no "//") is read as relative,
  // the RFC's backwards-compatible choice that browsers also make. A reference
  // with another scheme ("mailto:x", "g:h") is refused like in Parse().
  Result<Url> Resolve(std::string_view reference) const;

  const std::string& scheme() const { return scheme_; }  // "http" or "https"
  const std::string& host() const { return host_; }      // lowercase; "[::1]"
  int port() const { return port_; }                     // effective port
  const std::string& path() const { return path_; }      // starts with '/'
  const std::string& query() const { return query_; }    // without '?'
  bool has_query() const { return has_query_; }          // "?" was present

  // The normal form as one string, e.g. "https://example.com:8443/a?b".
  std::string Spec() const;

  // "host", or "host:port" when the port is not the scheme's default.
  std::string HostPort() const;

  bool IsDefaultPort() const;

  bool operator==(const Url& other) const = default;

 private:
  Url() = default;

  std::string scheme_;
  std::string host_;
  int port_ = 0;
  std::string path_;
  std::string query_;
  bool has_query_ = false;
};

// The host[:port] of `url` (Url::HostPort), the key tdm's topics are
// partitioned by and politeness budgets are kept per; "" when it does not parse.
std::string HostKeyOf(std::string_view url);

}  // namespace tdm
