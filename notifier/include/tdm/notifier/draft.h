#pragma once

// Drafting of one takedown notice as plain text. Pure: no I/O, no clock, no
// randomness, so the same input always yields the same text (the legal team
// reviews exactly what will be sent, and a re-draft is byte-identical).

#include <cstdint>
#include <string>
#include <vector>

namespace tdm::notifier {

// Who the notice is sent for. An empty field means "not given yet": the draft
// shows a "[to be supplied before sending: ...]" placeholder and lists the
// element in Draft::missing.
struct SubjectDetails {
  std::string name;
  std::string email;
  std::string phone;
  std::string postal_address;
};

// One sighting of the subject's image on the host. `distance` and any other
// matching detail stay inside tdm: they never appear in the drafted text.
struct InfringingItem {
  std::string page_url;
  std::string image_url;
  int distance = 0;
  std::string first_seen_utc;  // ISO 8601, e.g. "2026-05-20T10:00:00Z"; may be empty
  // Found by the subject's face alone, not as a copy of a registered photo:
  // a face swap or other digital forgery, or a photo of them they never
  // registered. Claimed under the TAKE IT DOWN Act only, never as a copy of
  // their copyrighted works.
  bool by_face_only = false;
};

struct DraftInput {
  SubjectDetails subject;
  std::string host;  // the site the material is on, e.g. "leaks.example"
  std::vector<InfringingItem> items;
  std::string drafted_at_utc;  // the signature date, ISO 8601
  int64_t request_id = 0;      // quoted as "tdm request #<id>"
};

struct Draft {
  std::string subject_line;
  std::string body;  // plain text, '\n' line ends, wrapped at 78 columns except URL lines
  // Elements that must still be supplied before the notice may be sent, in
  // this order when present: "name", "postal address", "telephone", "email",
  // "date", "location of the material (URLs)". Empty means ready for review.
  std::vector<std::string> missing;
};

// Drafts one notice to the operator / designated agent of `input.host` that
// serves both as a DMCA notice (17 U.S.C. 512(c)(3)(A)) and as a TAKE IT DOWN
// Act removal request (47 U.S.C. 223a); images found by face alone are
// marked and claimed under the TAKE IT DOWN Act only. Sections: identification of the
// works / depiction, the material with every page and image URL (each listed
// once, sorted, numbered; images cross-reference the pages they appear on),
// contact details, the good-faith, non-consent and accuracy / penalty-of-
// perjury statements, the requested action (48-hour removal and known
// identical copies) and an electronic signature ("/s/ Name", date).
//
// Hostile input: URLs and details are copied verbatim except that control
// characters and Unicode line separators are removed (a line break inside a
// postal address becomes ", "), so no input can start a new line or header.
Draft DraftTakedown(const DraftInput& input);

}  // namespace tdm::notifier
