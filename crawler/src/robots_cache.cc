// RobotsCache, declared in robots.h beside RobotsTxt, whose rules it keeps.
#include <cassert>
#include <cctype>
#include <iterator>
#include <string>
#include <utility>

#include "tdm/crawler/robots.h"

namespace tdm::crawler {

Status RobotsCacheOptions::Validate() const {
  const char first = user_agent_token.empty() ? '\0' : user_agent_token[0];
  if (!std::isalpha(static_cast<unsigned char>(first)) && first != '-' && first != '_') {
    return Status::InvalidArgument("robots: user agent token must start with a letter, - or _");
  }
  if (expiry <= std::chrono::seconds::zero()) {
    return Status::InvalidArgument("robots: expiry must be positive");
  }
  if (retry_after <= std::chrono::seconds::zero()) {
    return Status::InvalidArgument("robots: retry_after must be positive");
  }
  if (max_hosts == 0) return Status::InvalidArgument("robots: max_hosts must be at least 1");
  return Status::Ok();
}

RobotsCache::RobotsCache(RobotsCacheOptions options, Clock clock)
    : options_(std::move(options)), clock_(std::move(clock)) {
  assert(options_.Validate().ok());
  assert(clock_);
}

std::string RobotsCache::Key(const Url& url) {
  return url.scheme() + "://" + url.host() + ":" + std::to_string(url.port());
}

std::string RobotsCache::RobotsUrl(const Url& url) {
  return url.scheme() + "://" + url.HostPort() + "/robots.txt";
}

std::shared_ptr<const RobotsTxt> RobotsCache::Lookup(std::string_view key) {
  const auto found = index_.find(key);
  if (found == index_.end()) return nullptr;
  const EntryList::iterator it = found->second;
  if (clock_() >= it->expires) {
    Erase(it);
    return nullptr;
  }
  entries_.splice(entries_.begin(), entries_, it);
  return it->rules;
}

std::shared_ptr<const RobotsTxt> RobotsCache::Record(std::string_view key, int http_status,
                                                     std::string_view body) {
  const bool unreachable = ClassifyRobotsFetch(http_status) == RobotsFetchClass::kUnreachable;
  auto rules = std::make_shared<const RobotsTxt>(
      RobotsTxt::FromFetch(http_status, body, options_.user_agent_token));
  const auto expires = clock_() + (unreachable ? options_.retry_after : options_.expiry);
  if (const auto found = index_.find(key); found != index_.end()) Erase(found->second);
  while (entries_.size() >= options_.max_hosts) Erase(std::prev(entries_.end()));
  entries_.push_front(Entry{std::string(key), rules, expires});
  index_.emplace(entries_.front().key, entries_.begin());
  return rules;
}

void RobotsCache::Erase(EntryList::iterator it) {
  index_.erase(it->key);
  entries_.erase(it);
}

}  // namespace tdm::crawler
