// ParseRdap: the abuse and registrar contacts in an RDAP response (RFC 9083).
// The JSON comes from a server on the internet: every field is checked for its
// type before use, and anything unexpected is skipped rather than trusted.

#include <algorithm>
#include <exception>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tdm/notifier/recipients.h"

namespace tdm::notifier {
namespace {

using nlohmann::json;

std::string Lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

// A name from the response as it may appear in a draft: control characters
// (a line break could forge a line of the notice) become spaces, at most 200
// bytes.
std::string CleanName(const std::string& s) {
  std::string out;
  for (char c : s.substr(0, 200)) {
    out.push_back(static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? ' ' : c);
  }
  const size_t b = out.find_first_not_of(' ');
  if (b == std::string::npos) return "";
  return out.substr(b, out.find_last_not_of(' ') - b + 1);
}

// Nesting depth of arrays and objects, outside strings, without parsing:
// refuses a hostile document before any parser or walker goes deep. Returns
// the byte offset where kMaxRdapJsonDepth is passed, or npos.
size_t TooDeepAt(std::string_view text) {
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxRdapJsonDepth) return i;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return std::string_view::npos;
}

void AddUnique(std::vector<std::string>& to, const std::string& email) {
  const std::string key = Lower(email);
  for (const auto& e : to) {
    if (Lower(e) == key) return;
  }
  to.push_back(email);
}

// The entity's vCard (jCard, RFC 7095): ["vcard", [[name, params, type,
// value...], ...]]. Anything else yields no properties.
const json* VcardProperties(const json& entity) {
  auto it = entity.find("vcardArray");
  if (it == entity.end() || !it->is_array() || it->size() < 2) return nullptr;
  const json& card = *it;
  if (!card[0].is_string() || Lower(card[0].get<std::string>()) != "vcard") return nullptr;
  if (!card[1].is_array()) return nullptr;
  return &card[1];
}

struct Vcard {
  std::string fn;
  std::vector<std::string> emails;
};

Vcard ReadVcard(const json& entity) {
  Vcard out;
  const json* props = VcardProperties(entity);
  if (props == nullptr) return out;
  for (const json& p : *props) {
    if (!p.is_array() || p.size() < 4 || !p[0].is_string()) continue;
    const std::string name = Lower(p[0].get<std::string>());
    // A value is a string, or (rarely, for structured values) an array of
    // strings; both are read, nothing else.
    std::vector<std::string> values;
    for (size_t i = 3; i < p.size(); ++i) {
      if (p[i].is_string()) {
        values.push_back(p[i].get<std::string>());
      } else if (p[i].is_array()) {
        for (const json& v : p[i]) {
          if (v.is_string()) values.push_back(v.get<std::string>());
        }
      }
    }
    if (name == "fn" && out.fn.empty() && !values.empty()) {
      out.fn = CleanName(values[0]);
    } else if (name == "email") {
      for (const auto& v : values) {
        if (auto email = NormalizeEmailAddress(v)) AddUnique(out.emails, *email);
      }
    }
  }
  return out;
}

std::vector<std::string> Roles(const json& entity) {
  std::vector<std::string> out;
  auto it = entity.find("roles");
  if (it == entity.end() || !it->is_array()) return out;
  for (const json& r : *it) {
    if (r.is_string()) out.push_back(Lower(r.get<std::string>()));
  }
  return out;
}

bool Has(const std::vector<std::string>& roles, std::string_view role) {
  return std::find(roles.begin(), roles.end(), role) != roles.end();
}

struct Walk {
  RdapContacts out;
  std::string holder_fn;      // the entity holding the first abuse entity with an address
  std::string abuse_own_fn;   // that abuse entity's own name
  std::string registrant_fn;  // the first registrant's name
  bool abuse_seen = false;
  bool registrar_seen = false;
};

void VisitEntities(const json& holder, const std::string& holder_fn, bool under_registrar,
                   int depth, Walk& w) {
  if (depth >= kMaxRdapEntityDepth || !holder.is_object()) return;
  auto it = holder.find("entities");
  if (it == holder.end() || !it->is_array()) return;
  for (const json& entity : *it) {
    if (!entity.is_object()) continue;
    const std::vector<std::string> roles = Roles(entity);
    const Vcard card = ReadVcard(entity);
    const bool is_registrar = Has(roles, "registrar") && !under_registrar;
    if (is_registrar && !w.registrar_seen) {
      w.registrar_seen = true;
      w.out.registrar_name = card.fn;
    }
    if (Has(roles, "abuse")) {
      auto& to = under_registrar ? w.out.registrar_abuse_emails : w.out.abuse_emails;
      for (const auto& e : card.emails) AddUnique(to, e);
      if (!under_registrar && !w.abuse_seen && !card.emails.empty()) {
        w.abuse_seen = true;
        w.holder_fn = holder_fn;
        w.abuse_own_fn = card.fn;
      }
    }
    if (Has(roles, "registrant") && w.registrant_fn.empty()) w.registrant_fn = card.fn;
    VisitEntities(entity, card.fn, under_registrar || is_registrar, depth + 1, w);
  }
}

Result<RdapContacts> Parse(std::string_view text) {
  if (text.size() > kMaxRdapBytes) {
    return Status::TooLarge("RDAP: response of " + std::to_string(text.size()) +
                            " bytes, over the cap of " + std::to_string(kMaxRdapBytes));
  }
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return Status::InvalidArgument("RDAP: empty response");
  }
  if (const size_t at = TooDeepAt(text); at != std::string_view::npos) {
    return Status::InvalidArgument("RDAP: JSON nested deeper than " +
                                   std::to_string(kMaxRdapJsonDepth) + " levels at byte " +
                                   std::to_string(at));
  }
  json doc;
  try {
    doc = json::parse(text.begin(), text.end());
  } catch (const json::parse_error& e) {
    return Status::InvalidArgument("RDAP: not JSON at byte " + std::to_string(e.byte));
  }
  if (!doc.is_object()) {
    return Status::InvalidArgument(std::string("RDAP: not an object but ") + doc.type_name());
  }
  auto cls = doc.find("objectClassName");
  if (cls == doc.end() || !cls->is_string()) {
    std::string why = "RDAP: no objectClassName";
    auto code = doc.find("errorCode");
    if (code != doc.end() && code->is_number_integer()) {
      why += " (error response " + std::to_string(code->get<int64_t>());
      auto title = doc.find("title");
      if (title != doc.end() && title->is_string()) {
        why += ": " + CleanName(title->get<std::string>());
      }
      why += ")";
    }
    return Status::InvalidArgument(why);
  }
  Walk w;
  VisitEntities(doc, "", /*under_registrar=*/false, 0, w);
  if (!w.out.abuse_emails.empty()) {
    w.out.abuse_org = !w.holder_fn.empty()       ? w.holder_fn
                      : !w.registrant_fn.empty() ? w.registrant_fn
                                                 : w.abuse_own_fn;
  }
  return std::move(w.out);
}

}  // namespace

Result<RdapContacts> ParseRdap(std::string_view json) {
  // The walker checks every type, so nothing below should throw; this edge
  // keeps a surprise (or bad_alloc) from leaving the parser as an exception.
  try {
    return Parse(json);
  } catch (const std::exception& e) {
    return Status::InvalidArgument(std::string("RDAP: unreadable response (") + e.what() + ")");
  }
}

}  // namespace tdm::notifier
