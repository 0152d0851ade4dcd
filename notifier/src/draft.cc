#include "tdm/notifier/draft.h"

#include <algorithm>
#include <map>
#include <set>
#include <string_view>

#include "tdm/notifier/regimes.h"

namespace tdm::notifier {
namespace {

constexpr size_t kWidth = 78;

// Copies `in` onto one line: each run of line breaks (CR, LF, NEL, U+2028,
// U+2029) becomes `line_break` (spaces around it folded) or, when that is
// empty as for URLs, is simply removed; other control characters are dropped
// (a tab becomes a space outside URLs); leading and trailing spaces are
// trimmed. Everything else, odd characters included, is kept verbatim.
std::string OneLine(std::string_view in, std::string_view line_break) {
  const bool joins = !line_break.empty();
  std::string out;
  bool pending_break = false;
  for (size_t i = 0; i < in.size(); ++i) {
    const auto c = static_cast<unsigned char>(in[i]);
    const auto next = [&](size_t k) {
      return i + k < in.size() ? static_cast<unsigned char>(in[i + k]) : 0;
    };
    size_t break_len = 0;
    if (c == '\r' || c == '\n') {
      break_len = 1;
    } else if (c == 0xC2 && next(1) == 0x85) {
      break_len = 2;
    } else if (c == 0xE2 && next(1) == 0x80 && (next(2) == 0xA8 || next(2) == 0xA9)) {
      break_len = 3;
    }
    if (break_len > 0) {
      pending_break = true;
      i += break_len - 1;
      continue;
    }
    char ch;
    if (c == '\t' && joins) {
      ch = ' ';
    } else if (c >= 0x20 && c != 0x7F) {
      ch = static_cast<char>(c);
    } else {
      continue;
    }
    if (pending_break && joins) {
      if (ch == ' ') continue;  // leading space of the next line
      while (!out.empty() && out.back() == ' ') out.pop_back();
      if (!out.empty()) out += line_break;
    }
    pending_break = false;
    out += ch;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  const size_t start = out.find_first_not_of(' ');
  return start == std::string::npos ? std::string() : out.substr(start);
}

std::string Placeholder(std::string_view element) {
  return "[to be supplied before sending: " + std::string(element) + "]";
}

// Greedy wrap of one line at kWidth columns, at blanks, continuation lines
// indented like the first; spacing inside a line (aligned columns) is kept.
// A line holding a URL is kept whole (a URL must stay on one line to be
// copied), and so is a word longer than the line.
std::string WrapLine(std::string_view line) {
  if (line.size() <= kWidth || line.find("://") != std::string_view::npos) {
    return std::string(line) + "\n";
  }
  const size_t lead = line.find_first_not_of(' ');
  const std::string indent(lead == std::string_view::npos ? 0 : lead, ' ');
  std::string out;
  std::string rest(line);
  while (rest.size() > kWidth) {
    // The last blank a line may end before, else the first one after.
    size_t cut = rest.find_last_of(' ', kWidth);
    if (cut == std::string::npos || cut < indent.size() ||
        rest.find_first_not_of(' ', indent.size()) >= cut) {
      cut = rest.find(' ', kWidth);
      if (cut == std::string::npos) break;
    }
    size_t start = cut;
    while (start > 0 && rest[start - 1] == ' ') --start;
    const size_t next = rest.find_first_not_of(' ', cut);
    out += rest.substr(0, start) + "\n";
    if (next == std::string::npos) {
      rest.clear();
      break;
    }
    rest = indent + rest.substr(next);
  }
  if (!rest.empty()) out += rest + "\n";
  return out;
}

// The rendered template as sent: trailing blanks trimmed, lines that render
// as nothing but blanks left out (a section that printed nothing), long
// lines wrapped, exactly one line end at the end.
std::string Layout(std::string_view rendered) {
  std::string out;
  size_t pos = 0;
  while (pos < rendered.size()) {
    size_t end = rendered.find('\n', pos);
    if (end == std::string_view::npos) end = rendered.size();
    std::string_view line = rendered.substr(pos, end - pos);
    pos = end + 1;
    const bool was_empty = line.empty();
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
    if (line.empty() && !was_empty) continue;
    out += line.empty() ? "\n" : WrapLine(line);
  }
  while (out.size() >= 2 && out[out.size() - 1] == '\n' && out[out.size() - 2] == '\n') {
    out.pop_back();
  }
  return out;
}

struct ImageEntry {
  std::set<size_t> pages;    // 1-based indices into the page list
  std::string first_seen;    // earliest non-empty first_seen_utc
  bool by_face_only = true;  // until a sighting says it is a copy of a work
  std::string sha256;        // the first given
  std::string pdq;
};

// The material: pages and images, each URL once, sorted.
struct Material {
  std::vector<std::string> pages;
  std::map<std::string, ImageEntry> images;
};

Material CollectMaterial(const std::vector<InfringingItem>& items) {
  std::set<std::string> page_set;
  for (const auto& item : items) {
    std::string page = OneLine(item.page_url, "");
    if (!page.empty()) page_set.insert(std::move(page));
  }
  Material m;
  m.pages.assign(page_set.begin(), page_set.end());
  for (const auto& item : items) {
    const std::string image = OneLine(item.image_url, "");
    if (image.empty()) continue;
    ImageEntry& entry = m.images[image];
    const std::string page = OneLine(item.page_url, "");
    if (!page.empty()) {
      const auto it = std::lower_bound(m.pages.begin(), m.pages.end(), page);
      entry.pages.insert(static_cast<size_t>(it - m.pages.begin()) + 1);
    }
    entry.by_face_only = entry.by_face_only && item.by_face_only;
    const std::string seen = OneLine(item.first_seen_utc, " ");
    if (!seen.empty() && (entry.first_seen.empty() || seen < entry.first_seen)) {
      entry.first_seen = seen;
    }
    if (entry.sha256.empty()) entry.sha256 = OneLine(item.sha256_hex, "");
    if (entry.pdq.empty()) entry.pdq = OneLine(item.pdq_hex, "");
  }
  return m;
}

TemplateValue Text(std::string s) { return TemplateValue::Text(std::move(s)); }

TemplateValue ImageValue(size_t number, const std::string& url, const ImageEntry& e) {
  std::string pages;
  for (size_t p : e.pages) pages += (pages.empty() ? "P" : ", P") + std::to_string(p);
  std::string sighting;
  if (!pages.empty())
    sighting = (e.pages.size() == 1 ? "shown on page " : "shown on pages ") + pages;
  if (!e.first_seen.empty()) {
    sighting += (sighting.empty() ? "first observed " : "; first observed ") + e.first_seen;
  }
  TemplateValue v = TemplateValue::Map();
  v.Set("number", Text(std::to_string(number)))
      .Set("url", Text(url))
      .Set("pages", Text(pages))
      .Set("several_pages", TemplateValue::Flag(e.pages.size() > 1))
      .Set("first_seen", Text(e.first_seen))
      .Set("sighting", Text(sighting))
      .Set("by_face_only", TemplateValue::Flag(e.by_face_only))
      .Set("sha256", Text(e.sha256))
      .Set("pdq", Text(e.pdq));
  return v;
}

TemplateValue MaterialValues(const Material& m, TemplateValue model) {
  TemplateValue pages = TemplateValue::List();
  for (size_t i = 0; i < m.pages.size(); ++i) {
    TemplateValue page = TemplateValue::Map();
    page.Set("number", Text(std::to_string(i + 1))).Set("url", Text(m.pages[i]));
    pages.Append(std::move(page));
  }
  TemplateValue images = TemplateValue::List();
  size_t n = 0, by_face = 0;
  for (const auto& [url, entry] : m.images) {
    images.Append(ImageValue(++n, url, entry));
    if (entry.by_face_only) ++by_face;
  }
  const size_t copies = m.images.size() - by_face;
  model.Set("pages", std::move(pages)).Set("images", std::move(images));
  model.Set("has_material", TemplateValue::Flag(!m.pages.empty() || !m.images.empty()));
  model.Set("has_images", TemplateValue::Flag(!m.images.empty()));
  model.Set("all_by_face_only", TemplateValue::Flag(!m.images.empty() && copies == 0));
  model.Set("some_by_face_only", TemplateValue::Flag(by_face > 0 && copies > 0));
  model.Set("several_works", TemplateValue::Flag(copies != 1));
  return model;
}

TemplateValue CiteValues(const std::vector<CitedRequest>& cites) {
  TemplateValue list = TemplateValue::List();
  for (const CitedRequest& c : cites) {
    TemplateValue urls = TemplateValue::List();
    for (const std::string& u : c.urls) {
      std::string url = OneLine(u, "");
      if (url.empty()) continue;
      TemplateValue entry = TemplateValue::Map();
      entry.Set("url", Text(std::move(url)));
      urls.Append(std::move(entry));
    }
    TemplateValue cite = TemplateValue::Map();
    cite.Set("id", Text(std::to_string(c.request_id)))
        .Set("host", Text(OneLine(c.host, "")))
        .Set("sent_at", Text(OneLine(c.sent_at_utc, " ")))
        .Set("urls", std::move(urls));
    list.Append(std::move(cite));
  }
  return list;
}

std::vector<std::string> RegimesOf(const DraftInput& input) {
  std::vector<std::string> r = input.regimes;
  if (r.empty()) r = {"dmca-512c3", "take-it-down"};
  std::sort(r.begin(), r.end());
  r.erase(std::unique(r.begin(), r.end()), r.end());
  return r;
}

Draft DraftWith(const TemplateSet& templates, const DraftInput& input,
                std::string_view load_error) {
  Draft draft;
  const std::vector<std::string> regimes = RegimesOf(input);
  std::set<NoticeDetail> needed;
  for (const std::string& r : regimes) {
    for (const StatutoryElement& e : StatutoryElements(r))
      needed.insert(e.details.begin(), e.details.end());
  }

  // Details, in the order Draft::missing documents (NoticeDetail's).
  const Material material = CollectMaterial(input.items);
  std::map<NoticeDetail, std::string> values = {
      {NoticeDetail::kName, OneLine(input.subject.name, " ")},
      {NoticeDetail::kPostalAddress, OneLine(input.subject.postal_address, ", ")},
      {NoticeDetail::kTelephone, OneLine(input.subject.phone, " ")},
      {NoticeDetail::kEmail, OneLine(input.subject.email, " ")},
      {NoticeDetail::kDate, OneLine(input.drafted_at_utc, " ")},
      {NoticeDetail::kLocation, material.pages.empty() && material.images.empty() ? "" : "present"},
  };
  std::set<NoticeDetail> absent;
  for (auto& [detail, value] : values) {
    if (!value.empty() || needed.count(detail) == 0) continue;
    absent.insert(detail);
    draft.missing.emplace_back(NoticeDetailName(detail));
    value = Placeholder(NoticeDetailName(detail));
  }

  std::string host = OneLine(input.host, "");
  if (host.empty()) host = "this site";
  const std::string& name = values[NoticeDetail::kName];
  TemplateValue subject = TemplateValue::Map();
  subject.Set("name", Text(name))
      .Set("email", Text(values[NoticeDetail::kEmail]))
      .Set("phone", Text(values[NoticeDetail::kTelephone]))
      .Set("postal_address", Text(values[NoticeDetail::kPostalAddress]));
  TemplateValue recipient = TemplateValue::Map();
  recipient.Set("email", Text(OneLine(input.recipient_email, "")))
      .Set("source", Text(OneLine(input.recipient_source, " ")));
  TemplateValue regime_list = TemplateValue::List();
  for (const std::string& r : regimes) {
    TemplateValue entry = TemplateValue::Map();
    entry.Set("name", Text(r)).Set("title", Text(std::string(RegimeTitle(r))));
    regime_list.Append(std::move(entry));
  }
  TemplateValue model = TemplateValue::Map();
  model.Set("subject", std::move(subject))
      .Set("host", Text(host))
      .Set("recipient", std::move(recipient))
      .Set("request_id", Text(std::to_string(input.request_id)))
      .Set("date", Text(values[NoticeDetail::kDate]))
      .Set("signature", Text(name.empty() ? "" : "/s/ " + name))
      .Set("cites", CiteValues(input.cites))
      .Set("regimes", std::move(regime_list));
  model = MaterialValues(material, std::move(model));

  const NoticeTemplate* tmpl = templates.Find(regimes);
  if (tmpl == nullptr) {
    std::string file = TemplateSet::FileNameFor(regimes);
    std::string entry = "template for " + file.substr(0, file.size() - 4);
    if (!load_error.empty()) entry += " (templates not loaded: " + std::string(load_error) + ")";
    draft.missing.push_back(std::move(entry));
    return draft;
  }
  std::set<std::string> used;
  draft.subject_line = OneLine(tmpl->subject.Render(model, &used), " ");
  draft.body = Layout(tmpl->body.Render(model, &used));

  // Each element the text must carry, once even when several regimes need it.
  const std::string folded = FoldForPhrases(draft.body);
  std::set<std::string> reported;
  for (const std::string& r : regimes) {
    for (const StatutoryElement& e : StatutoryElements(r)) {
      const bool details_absent = std::any_of(e.details.begin(), e.details.end(),
                                              [&](NoticeDetail d) { return absent.count(d) > 0; });
      if (details_absent || TextCarriesElement(e, folded, used)) continue;
      std::string entry = e.name + " (template " + tmpl->file_name + ")";
      if (reported.insert(entry).second) draft.missing.push_back(std::move(entry));
    }
  }
  return draft;
}

}  // namespace

Draft DraftTakedown(const TemplateSet& templates, const DraftInput& input) {
  return DraftWith(templates, input, "");
}

Draft DraftTakedown(const DraftInput& input) {
  // Loaded once; a function-local static is initialised thread-safely.
  static const Result<TemplateSet>* const loaded =
      new Result<TemplateSet>(TemplateSet::Load(TemplateSet::DefaultDir()));
  if (loaded->ok()) return DraftWith(loaded->value(), input, "");
  return DraftWith(TemplateSet(), input, loaded->status().message());
}

}  // namespace tdm::notifier
