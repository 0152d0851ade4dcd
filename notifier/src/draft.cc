#include "tdm/notifier/draft.h"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>
#include <string_view>

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

// Greedy word wrap of one paragraph at kWidth columns; every line starts with
// `indent`. A word longer than the line (a URL) gets a line of its own.
std::string Wrap(std::string_view text, std::string_view indent = "") {
  std::istringstream words{std::string(text)};
  std::string word, line, out;
  while (words >> word) {
    if (!line.empty() && line.size() + 1 + word.size() > kWidth) {
      out += line + "\n";
      line.clear();
    }
    line += line.empty() ? std::string(indent) + word : " " + word;
  }
  if (!line.empty()) out += line + "\n";
  return out;
}

std::string Heading(std::string_view text) {
  return "\n" + std::string(text) + "\n" + std::string(text.size(), '-') + "\n\n";
}

struct ImageEntry {
  std::set<size_t> pages;    // 1-based indices into the page list
  std::string first_seen;    // earliest non-empty first_seen_utc
  bool by_face_only = true;  // until a sighting says it is a copy of a work
};

// The material in section 2: pages and images, each URL once, sorted.
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
  }
  return m;
}

size_t CountByFaceOnly(const Material& m) {
  return static_cast<size_t>(std::count_if(m.images.begin(), m.images.end(),
                                           [](const auto& e) { return e.second.by_face_only; }));
}

std::string MaterialSection(const Material& m, const std::string& host) {
  std::string out = Heading("2. INFRINGING MATERIAL AND INFORMATION TO LOCATE IT");
  if (m.pages.empty() && m.images.empty()) {
    return out + Placeholder("location of the material (URLs)") + "\n";
  }
  const size_t by_face = CountByFaceOnly(m);
  out += Wrap("The following material on " + host +
              (by_face == m.images.size() && !m.images.empty()
                   ? " is an intimate visual depiction of me."
               : by_face > 0 ? " reproduces the works identified in section 1 (except the "
                               "images marked as showing my face) and is an intimate "
                               "visual depiction of me."
                             : " reproduces the works identified in section 1 and is an "
                               "intimate visual depiction of me.") +
              " Pages where it appears:");
  out += "\n";
  for (size_t i = 0; i < m.pages.size(); ++i) {
    out += "  P" + std::to_string(i + 1) + ". " + m.pages[i] + "\n";
  }
  if (m.images.empty()) return out;
  out += "\nImages (the material to be removed):\n\n";
  size_t n = 0;
  for (const auto& [url, entry] : m.images) {
    out += "  " + std::to_string(++n) + ". " + url + "\n";
    std::string note;
    if (!entry.pages.empty()) {
      note = entry.pages.size() == 1 ? "shown on page" : "shown on pages";
      std::string sep = " ";
      for (size_t p : entry.pages) {
        note += sep + "P" + std::to_string(p);
        sep = ", ";
      }
    }
    if (!entry.first_seen.empty()) {
      note += (note.empty() ? "first observed " : "; first observed ") + entry.first_seen;
    }
    if (entry.by_face_only) {
      note += std::string(note.empty() ? "" : "; ") +
              "shows my face; not a copy of the works in section 1 (TAKE IT DOWN Act only)";
    }
    if (!note.empty()) out += Wrap(note, "     ");
  }
  return out;
}

std::string WorksSection(size_t image_count, size_t by_face_only) {
  // Images found by face alone are no copies of the works; the rest are.
  const size_t copies = image_count - by_face_only;
  const std::string listed = by_face_only > 0 ? "unmarked image" : "image";
  std::string text =
      copies == 1
          ? "The work is a photograph of myself, in which I own the copyright. The " + listed +
                " listed in section 2 is a copy of it, possibly resized, recompressed or overlaid "
                "with a watermark."
          : "The works are photographs of myself, in which I own the copyright. Each " + listed +
                " listed in section 2 is a copy of one of them, possibly resized, recompressed or "
                "overlaid with a watermark. As this notice covers several works on one site, those "
                "images also serve as a representative list of the works.";
  if (image_count > 0 && copies == 0) {
    text =
        "No image listed in section 2 is claimed as a copy of a copyrighted work. Each shows my "
        "face in an intimate visual depiction that I did not consent to publish: a photograph of "
        "me, or an image digitally altered or fabricated to show my face (a digital forgery). "
        "This notice is a removal request under the TAKE IT DOWN Act for them.";
  } else if (by_face_only > 0) {
    text +=
        "\n\nImages marked in section 2 as showing my face are not claimed as copies of these "
        "works: each shows my face in an intimate visual depiction that I did not consent to "
        "publish, a photograph of me or an image digitally altered or fabricated to show my face "
        "(a digital forgery). For them this notice is a removal request under the TAKE IT DOWN "
        "Act only.";
  }
  std::string out = Heading("1. IDENTIFICATION OF THE COPYRIGHTED WORKS AND OF THE DEPICTION");
  for (size_t start = 0; start <= text.size();) {  // paragraphs, a blank line apart
    const size_t end = std::min(text.find("\n\n", start), text.size());
    if (start > 0) out += "\n";
    out += Wrap(std::string_view(text).substr(start, end - start));
    start = end + 2;
  }
  return out;
}

}  // namespace

Draft DraftTakedown(const DraftInput& input) {
  Draft draft;
  std::string host = OneLine(input.host, "");
  if (host.empty()) host = "this site";
  const std::string ref = "tdm request #" + std::to_string(input.request_id);

  // Contact details, in the order Draft::missing documents.
  struct Field {
    const char* label;
    const char* element;
    std::string value;
  };
  Field fields[] = {
      {"Name:          ", "name", OneLine(input.subject.name, " ")},
      {"Postal address:", "postal address", OneLine(input.subject.postal_address, ", ")},
      {"Telephone:     ", "telephone", OneLine(input.subject.phone, " ")},
      {"Email:         ", "email", OneLine(input.subject.email, " ")},
  };
  for (Field& f : fields) {
    if (f.value.empty()) {
      draft.missing.push_back(f.element);
      f.value = Placeholder(f.element);
    }
  }
  const std::string& name = fields[0].value;
  std::string date = OneLine(input.drafted_at_utc, " ");
  if (date.empty()) {
    draft.missing.push_back("date");
    date = Placeholder("date");
  }
  const Material material = CollectMaterial(input.items);
  if (material.pages.empty() && material.images.empty()) {
    draft.missing.push_back("location of the material (URLs)");
  }

  draft.subject_line =
      "Takedown notice: copyright infringement and non-consensual intimate "
      "images on " +
      host + " (" + ref + ")";

  std::string b;
  b += Wrap("To: the operator and designated copyright agent of " + host);
  b += Wrap("From: " + name);
  b += "Date: " + date + "\n";
  b += "Reference: " + ref + "\n\n";
  b += Wrap(
           "NOTICE OF COPYRIGHT INFRINGEMENT (17 U.S.C. 512(c)(3)) AND REMOVAL REQUEST FOR A "
           "NON-CONSENSUAL INTIMATE VISUAL DEPICTION (47 U.S.C. 223a, TAKE IT DOWN ACT)") +
       "\n";
  b += Wrap(
      "This notice is a notification of claimed infringement under the Digital Millennium "
      "Copyright Act, 17 U.S.C. 512(c)(3), and a removal request under the TAKE IT DOWN "
      "Act, 47 U.S.C. 223a. It concerns images of me published on " +
      host + " without my consent. Please remove them or disable access to them.");
  b += WorksSection(material.images.size(), CountByFaceOnly(material));
  b += MaterialSection(material, host);

  b += Heading("3. CONTACT DETAILS OF THE NOTIFYING PARTY");
  for (const Field& f : fields) b += "  " + std::string(f.label) + " " + f.value + "\n";

  b += Heading("4. GOOD-FAITH STATEMENT");
  b += Wrap(
      "I have a good faith belief that use of the material in the manner complained of is "
      "not authorized by the copyright owner, its agent, or the law.");

  b += Heading("5. STATEMENT THAT THE DEPICTION IS NOT CONSENSUAL");
  b += Wrap(
      "I am the identifiable individual depicted in the images listed in section 2. They "
      "are intimate visual depictions of me that were published without my consent, and I "
      "have a good faith belief that they are not consensual.");

  b += Heading("6. STATEMENT OF ACCURACY AND AUTHORITY");
  b += Wrap(
      "The information in this notice is accurate, and under penalty of perjury, I am the "
      "owner, or am authorized to act on behalf of the owner, of an exclusive right that is "
      "allegedly infringed, and I am the individual depicted or am authorized to act on "
      "that individual's behalf.");

  b += Heading("7. REQUESTED ACTION");
  b += Wrap(
      "Please remove, or disable access to, the material listed in section 2 "
      "expeditiously. Under 47 U.S.C. 223a, a covered platform must remove an intimate "
      "visual depiction as soon as possible, and not later than 48 hours after receiving a "
      "valid removal request, and must make reasonable efforts to identify and remove any "
      "known identical copies of it. I therefore ask that you remove the material within 48 "
      "hours of receiving this notice, remove any known identical copies of it, and confirm "
      "the removal to me at the email address above.");

  b += Heading("8. SIGNATURE");
  b += "Signed electronically by the notifying party:\n\n";
  b += Wrap("/s/ " + name);
  b += Wrap(name);
  b += "Date: " + date + "\n\n";
  b += Wrap("Please quote " + ref + " in any reply.");
  draft.body = std::move(b);
  return draft;
}

}  // namespace tdm::notifier
