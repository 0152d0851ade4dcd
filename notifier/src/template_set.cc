// NoticeSchema and TemplateSet (template.h): the data model every notice is
// checked against and rendered with, and a deployment's template files. The
// template engine they use is template.cc.

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <utility>

#include "tdm/notifier/regimes.h"
#include "tdm/notifier/template.h"

namespace tdm::notifier {
namespace {

TemplateValue Record(std::initializer_list<std::string_view> text_fields) {
  TemplateValue m = TemplateValue::Map();
  for (std::string_view f : text_fields) m.Set(f, TemplateValue());
  return m;
}

TemplateValue ListOf(TemplateValue element) {
  TemplateValue list = TemplateValue::List();
  list.Append(std::move(element));
  return list;
}

TemplateValue BuildNoticeSchema() {
  TemplateValue s = TemplateValue::Map();
  s.Set("subject", Record({"name", "email", "phone", "postal_address"}));
  s.Set("host", TemplateValue());
  s.Set("recipient", Record({"email", "source"}));
  s.Set("request_id", TemplateValue());
  s.Set("date", TemplateValue());
  s.Set("signature", TemplateValue());
  s.Set("pages", ListOf(Record({"number", "url"})));
  TemplateValue image =
      Record({"number", "url", "pages", "first_seen", "sighting", "sha256", "pdq"});
  image.Set("several_pages", TemplateValue::Flag(false));
  image.Set("by_face_only", TemplateValue::Flag(false));
  s.Set("images", ListOf(std::move(image)));
  s.Set("has_material", TemplateValue::Flag(false));
  s.Set("has_images", TemplateValue::Flag(false));
  s.Set("all_by_face_only", TemplateValue::Flag(false));
  s.Set("some_by_face_only", TemplateValue::Flag(false));
  s.Set("several_works", TemplateValue::Flag(false));
  TemplateValue cite = Record({"id", "host", "sent_at"});
  cite.Set("urls", ListOf(Record({"url"})));
  s.Set("cites", ListOf(std::move(cite)));
  s.Set("regimes", ListOf(Record({"name", "title"})));
  return s;
}

// Whether a line holds nothing but spaces and tabs.
bool IsBlank(std::string_view line) {
  return line.find_first_not_of(" \t") == std::string_view::npos;
}

std::string FileError(const std::string& file, int line, const std::string& what) {
  return file + ":" + std::to_string(line) + ": " + what;
}

// The file name must be sorted, unique, known regimes joined by '+': any
// other name could never be chosen, so it is an error rather than dead text.
Status CheckFileName(const std::string& file_name) {
  constexpr std::string_view kExt = ".txt";
  if (file_name.size() <= kExt.size() ||
      file_name.compare(file_name.size() - kExt.size(), kExt.size(), kExt) != 0) {
    return Status::InvalidArgument(file_name + ": a notice template's name ends in .txt");
  }
  std::vector<std::string> regimes;
  std::istringstream parts(file_name.substr(0, file_name.size() - kExt.size()));
  for (std::string r; std::getline(parts, r, '+');) {
    if (!IsKnownRegime(r)) {
      std::string known;
      for (const std::string& k : KnownRegimes()) known += (known.empty() ? "" : ", ") + k;
      return Status::InvalidArgument(file_name + ": unknown regime '" + r + "' (known: " + known +
                                     ")");
    }
    regimes.push_back(r);
  }
  if (TemplateSet::FileNameFor(regimes) != file_name) {
    return Status::InvalidArgument(file_name + ": regimes must be sorted and joined by '+': " +
                                   TemplateSet::FileNameFor(regimes));
  }
  return Status::Ok();
}

}  // namespace

const TemplateValue& NoticeSchema() {
  static const TemplateValue schema = BuildNoticeSchema();
  return schema;
}

std::string TemplateSet::FileNameFor(const std::vector<std::string>& regimes) {
  std::vector<std::string> sorted = regimes;
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  std::string name;
  for (const std::string& r : sorted) name += (name.empty() ? "" : "+") + r;
  return name + ".txt";
}

Status TemplateSet::Add(const std::string& file_name, std::string_view raw) {
  if (Status s = CheckFileName(file_name); !s.ok()) return s;
  // Tolerate files saved by word processors and Windows editors.
  if (raw.substr(0, 3) == "\xEF\xBB\xBF") raw.remove_prefix(3);
  std::string text;
  text.reserve(raw.size());
  for (char c : raw) {
    if (c != '\r') text += c;
  }
  constexpr std::string_view kSubject = "Subject: ";
  const size_t first_nl = text.find('\n');
  const std::string first = text.substr(0, first_nl == std::string::npos ? text.size() : first_nl);
  if (first.compare(0, kSubject.size(), kSubject) != 0) {
    return Status::InvalidArgument(
        FileError(file_name, 1, "the first line must be 'Subject: <subject line>'"));
  }
  const size_t second_nl = first_nl == std::string::npos ? first_nl : text.find('\n', first_nl + 1);
  if (first_nl == std::string::npos ||
      !IsBlank(std::string_view(text).substr(first_nl + 1, second_nl == std::string::npos
                                                               ? std::string::npos
                                                               : second_nl - first_nl - 1)) ||
      second_nl == std::string::npos) {
    return Status::InvalidArgument(
        FileError(file_name, 2, "expected a blank line after the Subject line, then the body"));
  }
  auto subject = Template::Parse(file_name, first.substr(kSubject.size()), NoticeSchema(), 1);
  if (!subject.ok()) return subject.status();
  auto body =
      Template::Parse(file_name, std::string_view(text).substr(second_nl + 1), NoticeSchema(), 3);
  if (!body.ok()) return body.status();
  NoticeTemplate t;
  t.file_name = file_name;
  t.subject = std::move(subject).value();
  t.body = std::move(body).value();
  templates_[file_name] = std::move(t);
  return Status::Ok();
}

Result<TemplateSet> TemplateSet::Load(const std::filesystem::path& dir) {
  std::error_code ec;
  std::vector<std::filesystem::path> files;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() == ".txt" && it->is_regular_file()) files.push_back(it->path());
  }
  if (ec) return Status::NotFound("notice templates " + dir.string() + ": " + ec.message());
  if (files.empty()) return Status::NotFound("no notice templates (*.txt) in " + dir.string());
  std::sort(files.begin(), files.end());
  TemplateSet set;
  for (const auto& path : files) {
    std::ifstream in(path, std::ios::binary);
    if (!in.is_open()) return Status::Unavailable("cannot read notice template " + path.string());
    std::ostringstream text;
    text << in.rdbuf();
    if (Status s = set.Add(path.filename().string(), text.str()); !s.ok()) return s;
  }
  return set;
}

std::filesystem::path TemplateSet::DefaultDir() {
  const char* env = std::getenv("TDM_TEMPLATE_DIR");
  if (env != nullptr && *env != '\0') return env;
  return TDM_DEFAULT_TEMPLATES_DIR;
}

const NoticeTemplate* TemplateSet::Find(const std::vector<std::string>& regimes) const {
  const auto it = templates_.find(FileNameFor(regimes));
  return it == templates_.end() ? nullptr : &it->second;
}

std::vector<std::string> TemplateSet::FileNames() const {
  std::vector<std::string> names;
  for (const auto& [name, t] : templates_) names.push_back(name);
  return names;
}

}  // namespace tdm::notifier
