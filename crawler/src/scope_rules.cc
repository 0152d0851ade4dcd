#include "tdm/crawler/scope_rules.h"

#include <algorithm>
#include <cassert>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace tdm::crawler {
namespace {

using std::chrono::sys_days;
using std::chrono::year_month_day;

constexpr size_t kNpos = std::string_view::npos;

char LowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Splits on `sep`, keeping empty pieces.
std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> pieces;
  for (size_t start = 0;;) {
    const size_t end = s.find(sep, start);
    pieces.push_back(s.substr(start, end - start));
    if (end == kNpos) return pieces;
    start = end + 1;
  }
}

// A strip_params/keep_params entry against a parameter name: ASCII case is
// ignored, and a trailing '*' matches every name with that prefix.
bool NameMatches(std::string_view entry, std::string_view name) {
  const bool prefix = entry.ends_with('*');
  if (prefix) entry.remove_suffix(1);
  if (prefix ? name.size() < entry.size() : name.size() != entry.size()) return false;
  return std::equal(entry.begin(), entry.end(), name.begin(),
                    [](char a, char b) { return LowerAscii(a) == LowerAscii(b); });
}

bool AnyNameMatches(const std::vector<std::string>& entries, std::string_view name) {
  return std::ranges::any_of(entries, [&](const std::string& e) { return NameMatches(e, name); });
}

bool Stripped(const ScopeRules& rules, std::string_view parameter) {
  const std::string_view name = parameter.substr(0, parameter.find('='));
  return AnyNameMatches(rules.strip_params, name) && !AnyNameMatches(rules.keep_params, name);
}

std::string CanonicalQuery(std::string_view query, const ScopeRules& rules) {
  std::string out;
  for (std::string_view part : Split(query, '&')) {
    if (part.empty() || Stripped(rules, part)) continue;
    if (!out.empty()) out += '&';
    out += part;
  }
  return out;
}

// Drops stripped path parameters: ";name=value" runs to the next ';' or '/'.
std::string CanonicalPath(std::string_view path, const ScopeRules& rules) {
  std::string out;
  size_t pos = 0;
  while (pos < path.size()) {
    const size_t semi = path.find(';', pos);
    out.append(path.substr(pos, semi - pos));
    if (semi == kNpos) break;
    const size_t end = std::min(path.find_first_of("/;", semi + 1), path.size());
    if (!Stripped(rules, path.substr(semi + 1, end - semi - 1))) {
      out.append(path.substr(semi, end - semi));
    }
    pos = end;
  }
  return out;
}

// robots.txt matching: from the start, '*' is any run, a final '$' anchors.
// Greedy with one backtrack point, so O(pattern * text) at worst.
bool MatchesPattern(std::string_view pattern, std::string_view text) {
  const bool anchored = pattern.ends_with('$');
  if (anchored) pattern.remove_suffix(1);
  size_t p = 0, t = 0, star_p = kNpos, star_t = 0;
  while (true) {
    if (p == pattern.size()) {
      if (!anchored || t == text.size()) return true;
    } else if (pattern[p] == '*') {
      star_p = ++p;
      star_t = t;
      continue;
    } else if (t < text.size() && pattern[p] == text[t]) {
      ++p;
      ++t;
      continue;
    }
    if (star_p == kNpos || star_t >= text.size()) return false;
    p = star_p;
    t = ++star_t;
  }
}

bool AnyPatternMatches(const std::vector<std::string>& patterns, std::string_view text) {
  return std::ranges::any_of(patterns,
                             [&](const std::string& p) { return MatchesPattern(p, text); });
}

int CountQueryParts(std::string_view query) {
  return static_cast<int>(
      std::ranges::count_if(Split(query, '&'), [](std::string_view p) { return !p.empty(); }));
}

bool PathIsTrap(std::string_view path, const ScopeRules& rules) {
  std::unordered_map<std::string_view, int> seen;
  int segments = 0;
  for (std::string_view segment : Split(path, '/')) {
    if (segment.empty()) continue;
    if (++segments > rules.max_path_segments) return true;
    if (++seen[segment] > rules.max_repeated_segment) return true;
  }
  return false;
}

// ---- Calendar traps ----

// The days a date in a URL stands for: one day, or a whole month.
struct DateSpan {
  sys_days first;
  sys_days last;
};

// Days between `today` and the nearest day of `span`; 0 inside it.
int64_t DistanceDays(const DateSpan& span, sys_days today) {
  if (today < span.first) return (span.first - today).count();
  if (today > span.last) return (today - span.last).count();
  return 0;
}

// A valid date, or a whole month when `day` is 0; nothing for impossible ones.
std::optional<DateSpan> MakeSpan(int year, int month, int day) {
  if (year < 1900 || year > 2199 || month < 1 || month > 12) return std::nullopt;
  const std::chrono::year y{year};
  const std::chrono::month m{static_cast<unsigned>(month)};
  if (day == 0) {
    return DateSpan{sys_days(y / m / 1), sys_days(y / m / std::chrono::last)};
  }
  const year_month_day ymd{y, m, std::chrono::day{static_cast<unsigned>(day)}};
  if (!ymd.ok()) return std::nullopt;
  return DateSpan{sys_days(ymd), sys_days(ymd)};
}

size_t DigitRun(std::string_view s, size_t pos) {
  size_t n = 0;
  while (pos + n < s.size() && IsDigit(s[pos + n])) ++n;
  return n;
}

int Number(std::string_view digits) {
  int v = 0;
  for (char c : digits) v = v * 10 + (c - '0');
  return v;
}

// Exactly `n` digits standing alone at `pos`, or -1.
int DigitsAt(std::string_view s, size_t pos, size_t n) {
  return pos <= s.size() && DigitRun(s, pos) == n ? Number(s.substr(pos, n)) : -1;
}

// "YYYY-MM-DD", "YYYY/MM/DD", "YYYYMMDD" and "YYYY-MM" anywhere in `text`.
std::vector<DateSpan> DatesInText(std::string_view text) {
  std::vector<DateSpan> dates;
  size_t i = 0;
  while (i < text.size()) {
    const size_t run = DigitRun(text, i);
    if (run == 0) {
      ++i;
      continue;
    }
    std::optional<DateSpan> date;
    if (run == 8) {
      date = MakeSpan(Number(text.substr(i, 4)), Number(text.substr(i + 4, 2)),
                      Number(text.substr(i + 6, 2)));
    } else if (run == 4 && i + 4 < text.size() && (text[i + 4] == '-' || text[i + 4] == '/')) {
      const char sep = text[i + 4];
      const int month = DigitsAt(text, i + 5, 2);
      const bool has_day = i + 7 < text.size() && text[i + 7] == sep;
      const int day = has_day ? DigitsAt(text, i + 8, 2) : -1;
      if (month > 0 && day > 0) {
        date = MakeSpan(Number(text.substr(i, 4)), month, day);
      } else if (month > 0 && sep == '-') {
        date = MakeSpan(Number(text.substr(i, 4)), month, 0);
      }
    }
    if (date) dates.push_back(*date);
    i += run;
  }
  return dates;
}

// "year=YYYY&month=M[&day=D]" query parameters, names in any case.
std::optional<DateSpan> DateInParams(std::string_view query) {
  int year = -1, month = -1, day = 0;
  for (std::string_view part : Split(query, '&')) {
    const size_t eq = part.find('=');
    if (eq == kNpos) continue;
    const std::string_view name = part.substr(0, eq), value = part.substr(eq + 1);
    if (value.empty() || value.size() > 4 || DigitRun(value, 0) != value.size()) continue;
    if (NameMatches("year", name)) year = Number(value);
    if (NameMatches("month", name)) month = Number(value);
    if (NameMatches("day", name)) day = Number(value);
  }
  if (year < 0 || month < 0) return std::nullopt;
  return MakeSpan(year, month, day);
}

bool HasFarDate(const Url& url, std::string_view path_and_query, sys_days today, int max_days) {
  std::vector<DateSpan> dates = DatesInText(path_and_query);
  if (std::optional<DateSpan> d = DateInParams(url.query())) dates.push_back(*d);
  return std::ranges::any_of(dates,
                             [&](const DateSpan& d) { return DistanceDays(d, today) > max_days; });
}

// ---- Validation ----

// Every entry of `field` non-empty and passing `problem`, which returns what is
// wrong with an entry or nullptr.
Status CheckEntries(const char* field, const std::vector<std::string>& entries,
                    const char* (*problem)(const std::string&)) {
  for (size_t i = 0; i < entries.size(); ++i) {
    const std::string where = std::string("scope rules: ") + field + "[" + std::to_string(i) + "]";
    if (entries[i].empty()) return Status::InvalidArgument(where + " is empty");
    if (const char* p = problem(entries[i])) {
      return Status::InvalidArgument(where + " \"" + entries[i] + "\" " + p);
    }
  }
  return Status::Ok();
}

const char* PatternProblem(const std::string& pattern) {
  return pattern.front() == '/' || pattern.front() == '*' ? nullptr : "must start with '/' or '*'";
}

const char* ParamNameProblem(const std::string& name) {
  const size_t star = name.find('*');
  return star == kNpos || star + 1 == name.size() ? nullptr : "may hold '*' only at its end";
}

}  // namespace

Status ScopeRules::Validate() const {
  const struct {
    const char* name;
    int64_t value;
    int64_t min;
  } limits[] = {
      {"max_depth", max_depth, 0},
      {"max_pages", max_pages, 0},
      {"max_url_length", max_url_length, 1},
      {"max_query_params", max_query_params, 0},
      {"max_path_segments", max_path_segments, 0},
      {"max_repeated_segment", max_repeated_segment, 1},
      {"max_calendar_distance_days", max_calendar_distance_days, 0},
  };
  for (const auto& limit : limits) {
    if (limit.value < limit.min) {
      return Status::InvalidArgument("scope rules: " + std::string(limit.name) +
                                     " must be >= " + std::to_string(limit.min) + " (got " +
                                     std::to_string(limit.value) + ")");
    }
  }
  for (Status s : {CheckEntries("include", include, PatternProblem),
                   CheckEntries("exclude", exclude, PatternProblem),
                   CheckEntries("strip_params", strip_params, ParamNameProblem),
                   CheckEntries("keep_params", keep_params, ParamNameProblem)}) {
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

Result<Url> Canonicalize(const Url& url, const ScopeRules& rules) {
  std::string spec = url.scheme() + "://" + url.HostPort() + CanonicalPath(url.path(), rules);
  const std::string query = CanonicalQuery(url.query(), rules);
  if (!query.empty()) spec += "?" + query;
  return Url::Parse(spec);
}

const char* ScopeVerdictName(ScopeVerdict verdict) {
  // In the enum's order; metric labels, so never renamed.
  static constexpr const char* kNames[] = {"in",       "out_of_scope", "excluded",
                                           "too_deep", "too_long",     "too_many_params",
                                           "trap",     "page_budget"};
  static_assert(std::size(kNames) == static_cast<size_t>(ScopeVerdict::kPageBudget) + 1);
  const auto index = static_cast<size_t>(verdict);
  return index < std::size(kNames) ? kNames[index] : "unknown";
}

bool PageBudgetLeft(const ScopeRules& rules, int64_t pages_so_far) {
  return pages_so_far < rules.max_pages;
}

ScopeVerdict Check(const Scope& scope, const ScopeRules& rules, const Url& canonical, int depth,
                   int64_t pages_so_far, sys_days today) {
  assert(depth >= 0 && pages_so_far >= 0);
  if (!scope.Contains(canonical)) return ScopeVerdict::kOutOfScope;
  std::string target = canonical.path();
  if (canonical.has_query()) target += "?" + canonical.query();
  if (!rules.include.empty() && !AnyPatternMatches(rules.include, target)) {
    return ScopeVerdict::kOutOfScope;
  }
  if (AnyPatternMatches(rules.exclude, target)) return ScopeVerdict::kExcluded;
  if (depth > rules.max_depth) return ScopeVerdict::kTooDeep;
  if (canonical.Spec().size() > static_cast<size_t>(rules.max_url_length)) {
    return ScopeVerdict::kTooLong;
  }
  if (CountQueryParts(canonical.query()) > rules.max_query_params) {
    return ScopeVerdict::kTooManyParams;
  }
  if (PathIsTrap(canonical.path(), rules) ||
      HasFarDate(canonical, target, today, rules.max_calendar_distance_days)) {
    return ScopeVerdict::kTrap;
  }
  if (!PageBudgetLeft(rules, pages_so_far)) return ScopeVerdict::kPageBudget;
  return ScopeVerdict::kIn;
}

}  // namespace tdm::crawler
