#include "tdm/crawler/robots.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace tdm::crawler {
namespace {

using std::chrono::milliseconds;

constexpr std::string_view kWhitespace = " \t";
constexpr std::string_view kHexDigits = "0123456789ABCDEF";

char ToLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return ToLower(x) == ToLower(y);
         });
}

bool IsAnyOf(std::string_view key, std::initializer_list<std::string_view> names) {
  return std::any_of(names.begin(), names.end(),
                     [key](std::string_view n) { return EqualsIgnoreCase(key, n); });
}

std::string_view Trim(std::string_view s) {
  const size_t begin = s.find_first_not_of(kWhitespace);
  if (begin == std::string_view::npos) return {};
  return s.substr(begin, s.find_last_not_of(kWhitespace) - begin + 1);
}

// The product token of a user-agent value: "tdm-bot/1.0 (+https://x)" -> "tdm-bot".
std::string_view ProductToken(std::string_view value) {
  size_t n = 0;
  while (n < value.size()) {
    const char c = value[n];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '_')) break;
    ++n;
  }
  return value.substr(0, n);
}

// "*", also when followed by whitespace and more ("* bots"), as Google reads it.
bool IsGlobalAgent(std::string_view value) {
  return !value.empty() && value[0] == '*' &&
         (value.size() == 1 || value[1] == ' ' || value[1] == '\t');
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsUnreserved(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

// Octets that are never compared literally: Url writes them escaped, so a rule
// or a raw path spelling them literally must be escaped too.
bool MustEscape(unsigned char c) {
  return c <= 0x20 || c >= 0x7F ||
         std::string_view("\"<>`{}|^").find(static_cast<char>(c)) != std::string_view::npos;
}

void AppendEscaped(unsigned char c, std::string& out) {
  out += '%';
  out += kHexDigits[c >> 4];
  out += kHexDigits[c & 0xF];
}

// The normal form both sides are compared in (see robots.h). In a rule ('rule'
// true) '*' is the wildcard and a final '$' the end anchor; anywhere else they
// are literal octets and compared as "%2A" / "%24".
std::string Normalise(std::string_view in, bool rule) {
  std::string out;
  out.reserve(in.size() + 8);
  for (size_t i = 0; i < in.size(); ++i) {
    const auto c = static_cast<unsigned char>(in[i]);
    if (c == '%') {
      const int hi = i + 2 < in.size() ? HexValue(in[i + 1]) : -1;
      const int lo = hi >= 0 ? HexValue(in[i + 2]) : -1;
      if (lo < 0) {
        out += "%25";  // a '%' that starts no escape
        continue;
      }
      const auto decoded = static_cast<unsigned char>(hi * 16 + lo);
      if (IsUnreserved(decoded)) {
        out += static_cast<char>(decoded);
      } else {
        AppendEscaped(decoded, out);
      }
      i += 2;
    } else if (rule && (c == '*' || (c == '$' && i + 1 == in.size()))) {
      out += static_cast<char>(c);
    } else if (c == '*' || c == '$' || MustEscape(c)) {
      AppendEscaped(c, out);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

// Whether the normalised `pattern` matches `path` from its first octet. The
// literal pieces between '*'s are found leftmost-first, which is exact for
// patterns whose only wildcard is '*', and linear-ish in practice.
bool Matches(std::string_view path, std::string_view pattern) {
  const bool anchored = !pattern.empty() && pattern.back() == '$';
  if (anchored) pattern.remove_suffix(1);
  size_t star = pattern.find('*');
  if (star == std::string_view::npos) return anchored ? path == pattern : path.starts_with(pattern);
  if (!path.starts_with(pattern.substr(0, star))) return false;
  size_t pos = star;
  std::string_view rest = pattern.substr(star + 1);
  while ((star = rest.find('*')) != std::string_view::npos) {
    const std::string_view piece = rest.substr(0, star);
    const size_t found = path.find(piece, pos);
    if (found == std::string_view::npos) return false;
    pos = found + piece.size();
    rest = rest.substr(star + 1);
  }
  if (anchored) return path.size() - pos >= rest.size() && path.ends_with(rest);
  return path.find(rest, pos) != std::string_view::npos;
}

// A plain non-negative decimal number of seconds ("5", "0.5", "2."), in ms.
std::optional<milliseconds> ParseCrawlDelay(std::string_view v) {
  const size_t dot = v.find('.');
  const std::string_view whole = v.substr(0, dot);
  const std::string_view fraction = dot == std::string_view::npos ? "" : v.substr(dot + 1);
  const auto digits = [](std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (whole.size() + fraction.size() == 0 || !digits(whole) || !digits(fraction)) {
    return std::nullopt;
  }
  const int64_t max_seconds =
      std::chrono::duration_cast<std::chrono::seconds>(kMaxCrawlDelay).count();
  int64_t seconds = 0;
  for (char c : whole) {
    seconds = std::min<int64_t>(seconds * 10 + (c - '0'), max_seconds);
  }
  int64_t ms = 0;  // the first four fraction digits, in 1/10 ms, then rounded
  for (size_t i = 0; i < 4; ++i) {
    ms = ms * 10 + (i < fraction.size() ? fraction[i] - '0' : 0);
  }
  return std::min(milliseconds(seconds * 1000 + (ms + 5) / 10), kMaxCrawlDelay);
}

// The body up to kMaxRobotsBytes, without a line the limit cuts in two, and
// without a UTF-8 byte order mark.
std::string_view ParsedPart(std::string_view body) {
  if (body.size() > kMaxRobotsBytes) {
    const char next = body[kMaxRobotsBytes];
    body = body.substr(0, kMaxRobotsBytes);
    if (next != '\n' && next != '\r') {
      const size_t end = body.find_last_of("\r\n");
      body = body.substr(0, end == std::string_view::npos ? 0 : end + 1);
    }
  }
  if (body.starts_with("\xEF\xBB\xBF")) body.remove_prefix(3);
  return body;
}

// Splits a comment-free, trimmed line into key and value; false for lines
// that are neither "key: value" nor exactly two words "key value".
bool SplitLine(std::string_view line, std::string_view& key, std::string_view& value) {
  size_t sep = line.find(':');
  size_t value_start = sep + 1;
  if (sep == std::string_view::npos) {
    sep = line.find_first_of(kWhitespace);
    if (sep == std::string_view::npos) return false;
    value_start = line.find_first_not_of(kWhitespace, sep);
    if (line.find_first_of(kWhitespace, value_start) != std::string_view::npos) return false;
  }
  key = Trim(line.substr(0, sep));
  value = Trim(line.substr(value_start));
  return !key.empty();
}

enum class Key { kUserAgent, kAllow, kDisallow, kCrawlDelay, kSitemap, kUnknown };

Key KeyOf(std::string_view key) {
  if (IsAnyOf(key, {"user-agent", "useragent", "user agent", "user_agent"})) return Key::kUserAgent;
  if (IsAnyOf(key, {"allow"})) return Key::kAllow;
  if (IsAnyOf(key, {"disallow", "dissallow", "dissalow", "disalow", "diasllow", "disallaw"})) {
    return Key::kDisallow;
  }
  if (IsAnyOf(key, {"crawl-delay", "crawldelay", "crawl delay", "crawl_delay"})) {
    return Key::kCrawlDelay;
  }
  if (IsAnyOf(key, {"sitemap", "site-map"})) return Key::kSitemap;
  return Key::kUnknown;
}

// What the groups of one kind ("ours" or "*") add up to.
struct Collected {
  bool seen = false;
  std::vector<std::pair<std::string, bool>> rules;  // normalised pattern, allow
  std::optional<milliseconds> crawl_delay;
};

// Reads the body line by line, keeping only what concerns `token` and "*".
class Collector {
 public:
  explicit Collector(std::string_view token) : token_(ProductToken(token)) {}

  void Line(std::string_view line) {
    line = Trim(line.substr(0, line.find('#')));
    std::string_view key_text, value;
    if (line.empty() || !SplitLine(line, key_text, value)) return;
    switch (KeyOf(key_text)) {
      case Key::kUserAgent:
        if (!in_agent_list_) {
          ours_now_ = any_now_ = false;
          group_delay_.reset();
        }
        in_agent_list_ = true;
        if (IsGlobalAgent(value)) {
          any_now_ = any_.seen = true;
        } else if (!token_.empty() && EqualsIgnoreCase(ProductToken(value), token_)) {
          ours_now_ = ours_.seen = true;
        }
        // A crawl-delay between the group's user-agent lines is the group's too.
        if (group_delay_) AddDelay(*group_delay_);
        break;
      case Key::kAllow:
      case Key::kDisallow:
        in_agent_list_ = false;
        if (value.empty()) break;  // "disallow:" alone allows everything: no rule
        AddRule(Normalise(value, /*rule=*/true), KeyOf(key_text) == Key::kAllow);
        break;
      case Key::kCrawlDelay:
        if (std::optional<milliseconds> d = ParseCrawlDelay(value)) {
          group_delay_ = std::max(group_delay_.value_or(*d), *d);
          AddDelay(*d);
        }
        break;
      case Key::kSitemap:
        if (!value.empty()) sitemaps_.emplace_back(value);
        break;
      case Key::kUnknown:
        break;
    }
  }

  // The groups that apply: ours if any named us, else "*", else none.
  Collected& Applying() { return ours_.seen ? ours_ : any_; }
  std::vector<std::string>& sitemaps() { return sitemaps_; }

 private:
  void AddRule(std::string pattern, bool allow) {
    if (ours_now_) ours_.rules.emplace_back(pattern, allow);
    if (any_now_) any_.rules.emplace_back(std::move(pattern), allow);
  }
  void AddDelay(milliseconds d) {
    for (auto [now, c] : {std::pair{ours_now_, &ours_}, std::pair{any_now_, &any_}}) {
      if (now) c->crawl_delay = std::max(c->crawl_delay.value_or(d), d);
    }
  }

  const std::string_view token_;
  bool in_agent_list_ = false;               // the last group line read was a user-agent
  bool ours_now_ = false;                    // the current group names our token
  bool any_now_ = false;                     // the current group names "*"
  std::optional<milliseconds> group_delay_;  // the current group's largest crawl-delay
  Collected ours_, any_;
  std::vector<std::string> sitemaps_;
};

}  // namespace

RobotsFetchClass ClassifyRobotsFetch(int http_status) {
  if (http_status >= 200 && http_status <= 299) return RobotsFetchClass::kParsed;
  if (http_status == 429) return RobotsFetchClass::kUnreachable;
  if (http_status >= 300 && http_status <= 499) return RobotsFetchClass::kUnavailable;
  return RobotsFetchClass::kUnreachable;
}

RobotsTxt RobotsTxt::Parse(std::string_view body, std::string_view user_agent_token) {
  Collector collector(user_agent_token);
  std::string_view rest = ParsedPart(body);
  while (!rest.empty()) {
    const size_t end = rest.find_first_of("\r\n");
    collector.Line(rest.substr(0, end));
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
  }
  Collected& applying = collector.Applying();
  RobotsTxt out;
  out.rules_.reserve(applying.rules.size());
  for (auto& [pattern, allow] : applying.rules) out.rules_.push_back({std::move(pattern), allow});
  std::stable_sort(out.rules_.begin(), out.rules_.end(), [](const Rule& a, const Rule& b) {
    if (a.pattern.size() != b.pattern.size()) return a.pattern.size() > b.pattern.size();
    return a.allow && !b.allow;
  });
  out.crawl_delay_ = applying.crawl_delay;
  out.sitemaps_ = std::move(collector.sitemaps());
  return out;
}

RobotsTxt RobotsTxt::FromFetch(int http_status, std::string_view body,
                               std::string_view user_agent_token) {
  switch (ClassifyRobotsFetch(http_status)) {
    case RobotsFetchClass::kParsed:
      return Parse(body, user_agent_token);
    case RobotsFetchClass::kUnavailable:
      return AllowAll();
    case RobotsFetchClass::kUnreachable:
      return DisallowAll();
  }
  return DisallowAll();  // not reached: the switch covers every class
}

RobotsTxt RobotsTxt::AllowAll() { return RobotsTxt(); }

RobotsTxt RobotsTxt::DisallowAll() {
  RobotsTxt out;
  out.rules_.push_back({"/", false});
  return out;
}

bool RobotsTxt::Allowed(std::string_view path_and_query) const {
  std::string path = Normalise(path_and_query, /*rule=*/false);
  if (!path.starts_with('/')) path.insert(0, 1, '/');
  if (std::string_view(path).substr(0, path.find('?')) == "/robots.txt") return true;
  for (const Rule& r : rules_) {
    if (Matches(path, r.pattern)) return r.allow;
  }
  return true;
}

bool RobotsTxt::Allowed(const Url& url) const {
  return Allowed(url.has_query() ? url.path() + "?" + url.query() : url.path());
}

}  // namespace tdm::crawler
