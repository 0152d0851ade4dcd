#pragma once

// Scope: which URLs a crawl that started at one seed may visit.
//
// A watched site is crawled inside the part of it the seed names: the seed's
// scheme, host and effective port, and the seed path up to and including its
// last '/'. Seed "https://leaks.example/forum/index.php" gives the prefix
// "/forum/", so "/forum/t/1" is in scope while "/forum-evil/", "/admin/",
// other ports, other schemes and subdomains are not.
//
// Contains() relies on Url's normal form: hosts are lowercase, dot segments
// are gone (also "%2e%2e"), and escapes are canonical. Paths containing an
// encoded '/' or '\' ("%2F", "%5C") are always out of scope, because a server
// that decodes them before routing could be walked out of the prefix.
//
// Thread-safety: immutable after FromSeed(); safe to share between threads.
// Errors: none; a Url is already valid, so every call answers yes or no.

#include <string>
#include <utility>

#include "tdm/common/url.h"

namespace tdm::crawler {

class Scope {
 public:
  static Scope FromSeed(const Url& seed);

  bool Contains(const Url& u) const;

  const std::string& path_prefix() const { return path_prefix_; }

  // For logs, e.g. "https://leaks.example/forum/*".
  std::string Describe() const;

 private:
  Scope(std::string scheme, std::string host, int port, std::string path_prefix)
      : scheme_(std::move(scheme)),
        host_(std::move(host)),
        port_(port),
        path_prefix_(std::move(path_prefix)) {}

  std::string scheme_;
  std::string host_;
  int port_;
  std::string path_prefix_;
};

}  // namespace tdm::crawler
