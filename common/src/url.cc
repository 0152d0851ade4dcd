#include "tdm/common/url.h"

#include <string>
#include <string_view>

namespace tdm {
namespace {

bool IsAsciiAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }
bool IsHexDigit(char c) {
  return IsAsciiDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
char ToLowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
int HexValue(char c) {
  if (IsAsciiDigit(c)) return c - '0';
  return ToLowerAscii(c) - 'a' + 10;
}
bool IsUnreserved(unsigned char c) {
  return IsAsciiAlpha(static_cast<char>(c)) || IsAsciiDigit(static_cast<char>(c)) || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

// Bytes a browser would percent-encode in a path or query, plus '|' and '^'
// so that Spec() only ever holds RFC 3986 characters.
bool NeedsEncoding(unsigned char c) {
  if (c <= 0x20 || c >= 0x7f) return true;
  switch (c) {
    case '"':
    case '<':
    case '>':
    case '`':
    case '{':
    case '}':
    case '|':
    case '^':
    case '\\':
      return true;
    default:
      return false;
  }
}

void AppendEscape(std::string& out, unsigned char c) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  out.push_back('%');
  out.push_back(kHex[c >> 4]);
  out.push_back(kHex[c & 0xf]);
}

// One canonical spelling for percent-encoding (RFC 3986 6.2.2.1 and 6.2.2.2).
std::string NormalizeEncoding(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    const auto c = static_cast<unsigned char>(in[i]);
    if (c == '%' && i + 2 < in.size() && IsHexDigit(in[i + 1]) && IsHexDigit(in[i + 2])) {
      const auto decoded =
          static_cast<unsigned char>(HexValue(in[i + 1]) * 16 + HexValue(in[i + 2]));
      if (IsUnreserved(decoded)) {
        out.push_back(static_cast<char>(decoded));
      } else {
        AppendEscape(out, decoded);
      }
      i += 2;
    } else if (c == '%' || NeedsEncoding(c)) {
      AppendEscape(out, c);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

void PopLastSegment(std::string& out) {
  const size_t slash = out.rfind('/');
  out.erase(slash == std::string::npos ? 0 : slash);
}

// RFC 3986 5.2.4, walking the input once.
std::string RemoveDotSegments(std::string_view path) {
  std::string in(path);
  std::string out;
  size_t pos = 0;
  auto rest = [&] { return std::string_view(in).substr(pos); };
  while (pos < in.size()) {
    const std::string_view r = rest();
    if (r.starts_with("../")) {
      pos += 3;
    } else if (r.starts_with("./")) {
      pos += 2;
    } else if (r.starts_with("/./")) {
      pos += 2;  // leaves "/" at pos
    } else if (r == "/.") {
      in[++pos] = '/';
    } else if (r.starts_with("/../")) {
      pos += 3;
      PopLastSegment(out);
    } else if (r == "/..") {
      pos += 2;
      in[pos] = '/';
      PopLastSegment(out);
    } else if (r == "." || r == "..") {
      pos = in.size();
    } else {
      const size_t next = in.find('/', pos + 1);
      const size_t end = next == std::string::npos ? in.size() : next;
      out.append(in, pos, end - pos);
      pos = end;
    }
  }
  return out;
}

// Trims C0 controls and spaces at both ends and drops tab/CR/LF anywhere;
// backslashes before the query or fragment become '/'.
std::string Clean(std::string_view in) {
  size_t b = 0, e = in.size();
  while (b < e && static_cast<unsigned char>(in[b]) <= 0x20) ++b;
  while (e > b && static_cast<unsigned char>(in[e - 1]) <= 0x20) --e;
  std::string out;
  out.reserve(e - b);
  bool in_query = false;
  for (size_t i = b; i < e; ++i) {
    char c = in[i];
    if (c == '\t' || c == '\n' || c == '\r') continue;
    if (c == '?' || c == '#') in_query = true;
    if (c == '\\' && !in_query) c = '/';
    out.push_back(c);
  }
  return out;
}

// Length of a leading "scheme:" including the colon, or 0 when there is none.
size_t SchemeLength(std::string_view s) {
  if (s.empty() || !IsAsciiAlpha(s[0])) return 0;
  for (size_t i = 1; i < s.size(); ++i) {
    const char c = s[i];
    if (c == ':') return i + 1;
    if (!IsAsciiAlpha(c) && !IsAsciiDigit(c) && c != '+' && c != '-' && c != '.') return 0;
  }
  return 0;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = ToLowerAscii(c);
  return out;
}

int DefaultPort(std::string_view scheme) { return scheme == "https" ? 443 : 80; }

Status ParseHost(std::string_view host, std::string& out) {
  if (host.empty()) return Status::InvalidArgument("empty host");
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']')
      return Status::InvalidArgument("malformed IPv6 host");
    for (char c : host.substr(1, host.size() - 2)) {
      if (!IsHexDigit(c) && c != ':' && c != '.') {
        return Status::InvalidArgument("invalid character in IPv6 host");
      }
    }
    out = Lower(host);
    return Status::Ok();
  }
  for (char c : host) {
    if (static_cast<unsigned char>(c) >= 0x80) {
      return Status::InvalidArgument("non-ASCII host (IDN) is not supported");
    }
    if (!IsAsciiAlpha(c) && !IsAsciiDigit(c) && c != '-' && c != '.' && c != '_') {
      return Status::InvalidArgument("invalid character in host");
    }
  }
  out = Lower(host);
  return Status::Ok();
}

Status ParsePort(std::string_view text, int default_port, int& out) {
  if (text.empty()) {
    out = default_port;
    return Status::Ok();
  }
  if (text.size() > 5) return Status::InvalidArgument("bad port");
  int port = 0;
  for (char c : text) {
    if (!IsAsciiDigit(c)) return Status::InvalidArgument("bad port");
    port = port * 10 + (c - '0');
  }
  if (port < 1 || port > 65535) return Status::InvalidArgument("bad port");
  out = port;
  return Status::Ok();
}

struct Reference {
  std::string_view path;
  std::string_view query;
  bool has_query = false;
};

// Splits "path?query#fragment"; the fragment is discarded.
Reference SplitPathQuery(std::string_view s) {
  Reference ref;
  s = s.substr(0, s.find('#'));
  const size_t q = s.find('?');
  ref.path = s.substr(0, q);
  if (q != std::string_view::npos) {
    ref.has_query = true;
    ref.query = s.substr(q + 1);
  }
  return ref;
}

}  // namespace

Result<Url> Url::Parse(std::string_view absolute) {
  if (absolute.size() > kMaxLength) return Status::InvalidArgument("URL longer than 8 KiB");
  const std::string s = Clean(absolute);
  const size_t scheme_len = SchemeLength(s);
  if (scheme_len == 0) return Status::InvalidArgument("not an absolute URL (no scheme)");
  Url url;
  url.scheme_ = Lower(std::string_view(s).substr(0, scheme_len - 1));
  if (url.scheme_ != "http" && url.scheme_ != "https") {
    return Status::InvalidArgument("unsupported scheme '" + url.scheme_ +
                                   "' (only http and https)");
  }
  std::string_view rest = std::string_view(s).substr(scheme_len);
  if (!rest.starts_with("//")) return Status::InvalidArgument("missing '//' after scheme");
  rest.remove_prefix(2);

  const size_t authority_end = rest.find_first_of("/?#");
  const std::string_view authority = rest.substr(0, authority_end);
  rest = authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);
  if (authority.find('@') != std::string_view::npos) {
    return Status::InvalidArgument("credentials in URL");
  }
  // The port is after the last ':' unless that ':' is inside an IPv6 literal.
  std::string_view host = authority;
  std::string_view port_text;
  const size_t colon = authority.rfind(':');
  const size_t bracket = authority.rfind(']');
  if (colon != std::string_view::npos && (bracket == std::string_view::npos || colon > bracket)) {
    host = authority.substr(0, colon);
    port_text = authority.substr(colon + 1);
  }
  if (Status st = ParseHost(host, url.host_); !st.ok()) return st;
  if (Status st = ParsePort(port_text, DefaultPort(url.scheme_), url.port_); !st.ok()) return st;

  const Reference ref = SplitPathQuery(rest);
  url.path_ = RemoveDotSegments(NormalizeEncoding(ref.path));
  if (url.path_.empty() || url.path_.front() != '/') url.path_ = "/" + url.path_;
  url.has_query_ = ref.has_query;
  url.query_ = NormalizeEncoding(ref.query);
  return url;
}

Result<Url> Url::Resolve(std::string_view reference) const {
  if (reference.size() > kMaxLength) return Status::InvalidArgument("URL longer than 8 KiB");
  std::string ref = Clean(reference);
  if (const size_t scheme_len = SchemeLength(ref); scheme_len > 0) {
    const std::string scheme = Lower(std::string_view(ref).substr(0, scheme_len - 1));
    if (scheme != scheme_ || std::string_view(ref).substr(scheme_len).starts_with("//")) {
      return Parse(ref);
    }
    ref.erase(0, scheme_len);  // "http:g" relative to an http base
  }
  if (ref.starts_with("//")) return Parse(scheme_ + ":" + ref);

  const Reference parts = SplitPathQuery(ref);
  std::string target = scheme_ + "://" + HostPort();
  if (parts.path.empty()) {
    target += path_;
  } else if (parts.path.front() == '/') {
    target += parts.path;
  } else {
    target.append(path_, 0, path_.rfind('/') + 1);  // path_ always holds a '/'
    target += parts.path;
  }
  if (parts.has_query) {
    target += '?';
    target += parts.query;
  } else if (parts.path.empty() && has_query_) {
    target += '?';
    target += query_;
  }
  return Parse(target);
}

bool Url::IsDefaultPort() const { return port_ == DefaultPort(scheme_); }

std::string Url::HostPort() const {
  return IsDefaultPort() ? host_ : host_ + ":" + std::to_string(port_);
}

std::string Url::Spec() const {
  std::string spec = scheme_ + "://" + HostPort() + path_;
  if (has_query_) {
    spec += '?';
    spec += query_;
  }
  return spec;
}

std::string HostKeyOf(std::string_view url) {
  auto u = Url::Parse(url);
  return u.ok() ? u->HostPort() : std::string();
}

}  // namespace tdm
