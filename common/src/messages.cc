#include "tdm/common/messages.h"

#include <nlohmann/json.hpp>

namespace tdm {
namespace {

using nlohmann::json;

Result<json> Parse(std::string_view text, const char* what) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return Status::InvalidArgument(std::string("malformed ") + what + " message");
  }
  return j;
}

template <typename T>
bool Get(const json& j, const char* key, T* out) {
  auto it = j.find(key);
  if (it == j.end()) return false;
  try {
    *out = it->get<T>();
    return true;
  } catch (const json::exception&) {
    return false;
  }
}

// Appends `s` as a JSON string. The crawler encodes a few messages per page,
// so this is written out rather than built through a json object (~10x
// faster); bytes >= 0x80 pass through (URLs are ASCII in their normal form).
void AppendString(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      out += "\\u00";
      out += kHex[u >> 4];
      out += kHex[u & 15];
    } else {
      out += c;
    }
  }
  out += '"';
}

void AppendField(std::string& out, const char* key, int64_t value) {
  out += out.size() > 1 ? ",\"" : "\"";
  out += key;
  out += "\":";
  out += std::to_string(value);
}

void AppendField(std::string& out, const char* key, std::string_view value) {
  out += out.size() > 1 ? ",\"" : "\"";
  out += key;
  out += "\":";
  AppendString(out, value);
}

}  // namespace

std::string FrontierItem::Encode() const {
  std::string out = "{";
  out.reserve(64 + url.size());
  AppendField(out, "crawl", crawl_id);
  AppendField(out, "site", site_id);
  AppendField(out, "url", url);
  AppendField(out, "depth", depth);
  return out + "}";
}

Result<FrontierItem> FrontierItem::Decode(std::string_view text) {
  auto j = Parse(text, "frontier");
  if (!j.ok()) return j.status();
  FrontierItem f;
  if (!Get(*j, "crawl", &f.crawl_id) || !Get(*j, "site", &f.site_id) || !Get(*j, "url", &f.url) ||
      !Get(*j, "depth", &f.depth) || f.url.empty()) {
    return Status::InvalidArgument("frontier message lacks crawl, site, url or depth");
  }
  return f;
}

std::string ImageItem::Encode() const {
  std::string out = "{";
  out.reserve(80 + page_url.size() + image_url.size());
  AppendField(out, "crawl", crawl_id);
  AppendField(out, "site", site_id);
  AppendField(out, "page", page_url);
  AppendField(out, "image", image_url);
  out += allow_private ? ",\"private\":true}" : ",\"private\":false}";
  return out;
}

Result<ImageItem> ImageItem::Decode(std::string_view text) {
  auto j = Parse(text, "image");
  if (!j.ok()) return j.status();
  ImageItem i;
  if (!Get(*j, "crawl", &i.crawl_id) || !Get(*j, "site", &i.site_id) ||
      !Get(*j, "page", &i.page_url) || !Get(*j, "image", &i.image_url) || i.image_url.empty()) {
    return Status::InvalidArgument("image message lacks crawl, site, page or image");
  }
  Get(*j, "private", &i.allow_private);
  return i;
}

std::string MatchItem::Encode() const {
  return json{{"match", match_id}, {"subject", subject_id}}.dump();
}

Result<MatchItem> MatchItem::Decode(std::string_view text) {
  auto j = Parse(text, "match");
  if (!j.ok()) return j.status();
  MatchItem m;
  if (!Get(*j, "match", &m.match_id) || m.match_id <= 0) {
    return Status::InvalidArgument("match message lacks a match id");
  }
  Get(*j, "subject", &m.subject_id);
  return m;
}

}  // namespace tdm
