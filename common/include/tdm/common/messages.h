#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "tdm/common/status.h"

namespace tdm {

// The payloads carried on tdm's topics, as JSON. They carry references and ids
// only, never image bytes. Decode() refuses malformed input with a clear error.

// tdm.frontier, key = page host: a page to fetch for a crawl.
struct FrontierItem {
  int64_t crawl_id = 0;
  int64_t site_id = 0;
  std::string url;
  int depth = 0;

  std::string Encode() const;
  static Result<FrontierItem> Decode(std::string_view json);
};

// tdm.images, key = image host: an image referenced by a page.
struct ImageItem {
  int64_t crawl_id = 0;
  int64_t site_id = 0;
  std::string page_url;
  std::string image_url;
  bool allow_private = false;

  std::string Encode() const;
  static Result<ImageItem> Decode(std::string_view json);
};

// tdm.matches, key = subject id: a match to draft into a takedown request.
struct MatchItem {
  int64_t match_id = 0;
  int64_t subject_id = 0;

  std::string Encode() const;
  static Result<MatchItem> Decode(std::string_view json);
};

}  // namespace tdm
