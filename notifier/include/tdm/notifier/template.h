#pragma once

// Notice templates: the text of each takedown notice lives in a file a legal
// team can edit (notifier/templates/*.txt), not in code. The engine is a small
// Mustache subset for plain text:
//
//   {{name}}, {{a.b}}     the value of a text field, inserted verbatim (no
//                         escaping: notices are plain text, and the drafting
//                         code has already made every input value one line)
//   {{#x}}...{{/x}}       a section: once per element of a list, once when a
//                         yes/no field is yes or a text field is not empty
//   {{^x}}...{{/x}}       an inverted section: once when x is no, empty or an
//                         empty list
//   {{! comment }}        left out of the output
//
// A line holding nothing but section, inverted, closing and comment tags (and
// blanks) leaves no line behind, so sections can sit on lines of their own.
// A tag opens and closes on the same line. Inside a section, names are looked
// up in the innermost element first, then outwards (Mustache's context stack).
//
// Templates are checked when they are loaded, not when a notice is drafted:
// a syntax error or a field name the data model does not know is an
// InvalidArgument naming the file and line ("dmca-512c3.txt:12: unclosed
// section 'images'"), so a typo in an edited template never reaches a notice.

#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "tdm/common/status.h"

namespace tdm::notifier {

struct Draft;
struct DraftInput;

// The data a template renders: text, yes/no, a list of maps, or a map.
// Lists hold maps only (each element of a list section is one record).
class TemplateValue {
 public:
  enum class Kind { kText, kFlag, kList, kMap };

  TemplateValue() = default;  // empty text
  static TemplateValue Text(std::string text);
  static TemplateValue Flag(bool flag);
  static TemplateValue List();
  static TemplateValue Map();

  // Map only: sets `key` (replacing an earlier value) and returns *this.
  TemplateValue& Set(std::string_view key, TemplateValue value);
  // List only: appends one element, which must be a map, and returns it.
  TemplateValue& Append(TemplateValue element);

  Kind kind() const { return kind_; }
  const std::string& text() const { return text_; }
  bool flag() const { return flag_; }
  const std::vector<TemplateValue>& elements() const { return children_; }  // list
  const TemplateValue* Find(std::string_view key) const;  // map; nullptr when absent
  // Whether a section over this value renders (at least once).
  bool Truthy() const;

 private:
  Kind kind_ = Kind::kText;
  std::string text_;
  bool flag_ = false;
  std::vector<std::string> keys_;        // map: keys_[i] names children_[i]
  std::vector<TemplateValue> children_;  // map values or list elements
};

// One parsed template. Immutable and cheap to copy (the parsed tree is
// shared); safe to render from several threads at once.
class Template {
 public:
  // Parses `text`. `file` and `first_line` place errors ("file:line: ...").
  // Every name is resolved against `schema`, a value of the same shape as the
  // data that will be rendered (each list holding one element that describes
  // its elements): an unknown name, a {{name}} naming a list, map or yes/no
  // field, or a list section over text is InvalidArgument.
  static Result<Template> Parse(std::string_view file, std::string_view text,
                                const TemplateValue& schema, int first_line = 1);

  // Renders `data`. When `used` is given, adds the full dotted path of every
  // field a {{name}} tag actually printed ("subject.email", "images.url" for
  // {{url}} inside {{#images}}), so callers can check that the text carries
  // a field whatever the template author wrote around it.
  std::string Render(const TemplateValue& data, std::set<std::string>* used = nullptr) const;

  struct Node;  // defined in template.cc

 private:
  std::shared_ptr<const std::vector<Node>> nodes_;
};

// A notice template file: "Subject: <subject template>", a blank line, then
// the body template.
struct NoticeTemplate {
  std::string file_name;  // e.g. "dmca-512c3.txt"
  Template subject;
  Template body;
};

// The data model every notice template is checked against and rendered with.
// Text fields are one line each; a detail a regime requires but the subject
// has not supplied reads "[to be supplied before sending: <detail>]", a detail
// no regime of the request requires is empty.
//
//   subject.name, subject.email, subject.phone, subject.postal_address
//   host                 the site the material is on ("this site" if unknown)
//   recipient.email      where the notice goes (may be empty)
//   recipient.source     where that address came from, e.g. "RDAP abuse
//                        contact of 203.0.113.7" (may be empty)
//   request_id           the tdm request number, e.g. "4242"
//   date                 the signature date (when the notice was drafted)
//   signature            "/s/ <subject.name>"
//   pages[]              number ("1"), url: every page, once, sorted
//   images[]             number ("1"), url, pages ("P1, P2": the pages it is
//                        shown on), several_pages (yes/no), first_seen,
//                        sighting ("shown on pages P1, P2; first observed
//                        <first_seen>", empty when neither is known),
//                        by_face_only (yes: found by the subject's face, not
//                        a copy of a registered photo), sha256, pdq (hex; may
//                        be empty): every image, once, sorted
//   has_material         yes when there is at least one page or image
//   has_images           yes when images[] is not empty
//   all_by_face_only     yes when there are images and all are by_face_only
//   some_by_face_only    yes when some, but not all, images are by_face_only
//   several_works        yes unless exactly one image is a copy of a work
//   cites[]              id, host, sent_at, urls[] (url): earlier requests
//                        whose material was removed and has been posted again
//   regimes[]            name ("dmca-512c3"), title: the request's regimes
const TemplateValue& NoticeSchema();

// Every notice template of a deployment, keyed by file name. A request with
// regimes R uses the file named R sorted, made unique and joined by '+'
// (FileNameFor). Immutable once loaded; safe to share between threads.
class TemplateSet {
 public:
  // Loads and checks every *.txt in `dir` against NoticeSchema(). Any bad
  // file fails the whole load with an error naming it; so does a file whose
  // name is not a sorted '+'-joined list of known regimes (it would never be
  // used). A missing directory is NotFound.
  static Result<TemplateSet> Load(const std::filesystem::path& dir);

  // The shipped templates: $TDM_TEMPLATE_DIR when that environment variable
  // is set and not empty (deployments that install the templates elsewhere,
  // or keep an edited copy), else the compile-time TDM_DEFAULT_TEMPLATES_DIR
  // (the source tree's notifier/templates).
  static std::filesystem::path DefaultDir();

  // "dmca-512c3+take-it-down.txt" for {"take-it-down", "dmca-512c3"}.
  static std::string FileNameFor(const std::vector<std::string>& regimes);

  // Parses `text` as the file `file_name` and adds it (replacing one of the
  // same name). Errors as for Load.
  Status Add(const std::string& file_name, std::string_view text);

  // The template for `regimes`, or nullptr when there is none.
  const NoticeTemplate* Find(const std::vector<std::string>& regimes) const;
  std::vector<std::string> FileNames() const;

  // Drafts a notice from these templates: see draft.h. A friend found by
  // argument-dependent lookup, so that a call DraftTakedown(templates, input)
  // reaches it while the bare name DraftTakedown still denotes the one-
  // argument function alone (notifier.cc passes it as a std::function).
  friend Draft DraftTakedown(const TemplateSet& templates, const DraftInput& input);

 private:
  std::map<std::string, NoticeTemplate> templates_;
};

}  // namespace tdm::notifier
