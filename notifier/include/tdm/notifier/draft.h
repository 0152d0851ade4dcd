#pragma once

// Drafting of one takedown notice as plain text, from the legal team's
// templates (template.h) for the request's regimes (regimes.h). Pure: no I/O,
// no clock, no randomness, so the same templates and input always yield the
// same text (the legal team reviews exactly what will be sent, and a re-draft
// is byte-identical). Templates are loaded once (TemplateSet::Load) and passed in.

#include <cstdint>
#include <string>
#include <vector>

#include "tdm/notifier/template.h"

namespace tdm::notifier {

// Who the notice is sent for. An empty field a regime of the request needs
// means "not given yet": the draft shows a "[to be supplied before sending:
// ...]" placeholder and lists the detail in Draft::missing.
struct SubjectDetails {
  std::string name;
  std::string email;
  std::string phone;
  std::string postal_address;
};

// Fields added after the first ones carry "= {}" so that brace-initialising
// the older ones alone stays free of -Wmissing-field-initializers.

// One sighting of the subject's image on the host. `distance` and any other
// matching detail stay inside tdm: they never appear in the drafted text.
struct InfringingItem {
  std::string page_url;
  std::string image_url;
  int distance = 0;
  std::string first_seen_utc;  // ISO 8601, e.g. "2026-05-20T10:00:00Z"; may be empty
  // Found by the subject's face alone, not as a copy of a registered photo:
  // a face swap or other digital forgery, or a photo of them they never
  // registered. Never claimed as a copy of their copyrighted works.
  bool by_face_only = false;
  // Of the image file as fetched (hex, may be empty): offered to templates
  // for platforms that match known copies by hash; the shipped letters to
  // unknown sites do not print them.
  std::string sha256_hex = {};
  std::string pdq_hex = {};
};

// An earlier request whose material was removed and has now been posted
// again: the notice cites it ("removed after our request #N sent on DATE").
struct CitedRequest {
  int64_t request_id = 0;
  std::string host;
  std::string sent_at_utc;
  std::vector<std::string> urls;  // the URLs that request listed
};

struct DraftInput {
  SubjectDetails subject;
  std::string host;  // the site the material is on, e.g. "leaks.example"
  std::vector<InfringingItem> items;
  std::string drafted_at_utc;  // the signature date, ISO 8601
  int64_t request_id = 0;      // quoted as "tdm request #<id>"
  // The regimes the request is made under (regimes.h); empty means
  // {"dmca-512c3", "take-it-down"}, the combined letter.
  std::vector<std::string> regimes = {};
  std::string recipient_email = {};   // where the notice goes; may be empty
  std::string recipient_source = {};  // e.g. "RDAP abuse contact of 203.0.113.7"
  std::vector<CitedRequest> cites = {};
};

struct Draft {
  std::string subject_line;
  std::string body;  // plain text, '\n' line ends, wrapped at 78 columns except URL lines
  // What must still be done before the notice may be sent; empty means ready
  // for review. First the input details the regimes need, in this order:
  // "name", "postal address", "telephone", "email", "date", "location of the
  // material (URLs)". Then what the template lacks: "template for <regimes
  // joined by '+'>" when there is no template for the request's regimes, or
  // each statutory element the rendered notice does not carry, e.g.
  // "statement under penalty of perjury (template dmca-512c3.txt)".
  std::vector<std::string> missing;
};

// DraftTakedown(const TemplateSet& templates, const DraftInput& input),
// declared in template.h as a friend of TemplateSet, drafts one notice to the
// operator / abuse contact of `input.host` from the template for
// `input.regimes` (TemplateSet::FileNameFor). Each page and image URL is
// listed once, sorted and numbered; images cross-reference the pages they
// appear on. Then it checks every statutory element of every regime
// (regimes.h): the details it needs are in the input, and the rendered text
// prints its fields and contains its phrases. An element whose details are
// missing is reported by those details alone.
//
// Layout: a template line that renders as nothing but blanks is left out;
// a line longer than 78 columns, unless it holds a URL, is wrapped at
// blanks, its continuation lines indented like it.
//
// Hostile input: URLs and details are copied verbatim except that control
// characters and Unicode line separators are removed (a line break inside a
// postal address becomes ", "), so no input can start a new line or header.

// The same, with the templates in TemplateSet::DefaultDir(), loaded on first
// use (thread-safe) and kept for the life of the process. If they cannot be
// loaded, the draft's `missing` says so ("template for ... (templates not
// loaded: <error>)"), so no such draft can be approved.
Draft DraftTakedown(const DraftInput& input);

}  // namespace tdm::notifier
