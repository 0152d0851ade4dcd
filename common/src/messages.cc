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

}  // namespace

std::string FrontierItem::Encode() const {
  return json{{"crawl", crawl_id}, {"site", site_id}, {"url", url}, {"depth", depth}}.dump();
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
  return json{{"crawl", crawl_id},
              {"site", site_id},
              {"page", page_url},
              {"image", image_url},
              {"private", allow_private}}
      .dump();
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
