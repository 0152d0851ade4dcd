#include "tdm/notifier/removal_check.h"

#include <openssl/sha.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <span>
#include <utility>

#include "tdm/common/url.h"
#include "tdm/crawler/extract.h"
#include "tdm/matcher/image_signal.h"
#include "tdm/matcher/pdq.h"

namespace tdm::notifier {
namespace {

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string Sha256Hex(std::string_view data) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), md);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : md) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

// The normal form of `url`, or `url` itself when it does not parse.
std::string Normal(const std::string& url) {
  auto u = Url::Parse(url);
  return u.ok() ? u->Spec() : url;
}

// True when `final_url` is the page asked for: the same URL, or only an
// upgrade from http to https or a trailing slash apart.
bool SamePage(const std::string& asked, const std::string& final_url) {
  if (final_url.empty() || final_url == asked) return true;
  auto a = Url::Parse(asked);
  auto b = Url::Parse(final_url);
  if (!a.ok() || !b.ok()) return false;
  const bool same_origin =
      (a->scheme() == b->scheme() && a->port() == b->port()) ||
      (a->scheme() == "http" && b->scheme() == "https" && a->IsDefaultPort() && b->IsDefaultPort());
  auto trimmed = [](std::string p) {
    while (!p.empty() && p.back() == '/') p.pop_back();
    return p;
  };
  return same_origin && a->host() == b->host() && trimmed(a->path()) == trimmed(b->path()) &&
         a->query() == b->query();
}

// Why a response that arrived is not usable, for a reason line.
std::string StatusWords(int status) {
  switch (status) {
    case 401:
      return "401: login required";
    case 403:
      return "403: access refused";
    case 429:
      return "429: rate limited";
    case 451:
      return "451: unavailable for legal reasons (perhaps only where we fetch from)";
    default:
      break;
  }
  if (status >= 500) return std::to_string(status) + ": server error";
  if (status >= 300 && status < 400) {
    return std::to_string(status) + ": redirect not followed (no usable Location)";
  }
  return std::to_string(status) + ": unexpected answer";
}

// What one image URL gave, without its bytes.
struct ImageEval {
  enum Kind { kFailed, kGone, kBytes, kUndecodable } kind = kFailed;
  int http_status = 0;
  std::string why;  // kFailed, kUndecodable
  std::string sha256_hex;
  std::optional<matcher::PdqHash> pdq;  // kBytes
};

ImageEval Evaluate(const FetchResponse& r) {
  ImageEval e;
  e.http_status = r.http_status;
  if (r.deferred) {
    e.why = "deferred by the host's budget";
  } else if (!r.status.ok()) {
    e.why = r.status.message();
  } else if (r.http_status == 404 || r.http_status == 410) {
    e.kind = ImageEval::kGone;
  } else if (r.http_status < 200 || r.http_status >= 300) {
    e.why = StatusWords(r.http_status);
  } else {
    const auto bytes = std::span(reinterpret_cast<const uint8_t*>(r.body.data()), r.body.size());
    auto signal = matcher::ComputeImageSignal(bytes);
    if (signal.ok()) {
      e.kind = ImageEval::kBytes;
      e.sha256_hex = signal->sha256_hex;
      e.pdq = signal->pdq;
    } else {
      e.kind = ImageEval::kUndecodable;
      e.sha256_hex = Sha256Hex(r.body);
      e.why = signal.status().message();
    }
  }
  return e;
}

// The item's hashes, parsed once.
struct Target {
  std::string sha256_hex;  // lowercase
  std::optional<matcher::PdqHash> pdq;
};

// -1: no PDQ to compare; else the distance (0 for the same SHA-256).
int Distance(const Target& t, const ImageEval& e) {
  if (!t.sha256_hex.empty() && e.sha256_hex == t.sha256_hex) return 0;
  if (!t.pdq || !e.pdq) return -1;
  return matcher::HammingDistance(*t.pdq, *e.pdq);
}

struct PageState {
  const FetchResponse* response = nullptr;
  bool is_image = false;            // the page URL serves an image itself
  std::vector<std::string> images;  // normal form, page order
  std::optional<ImageEval> self;    // is_image: the page as the image
};

struct ItemWork {
  size_t page = 0;
  Target target;
  std::string image_key;  // normal form of image_url
  bool open = false;      // still to decide after the page
  bool own_on_page = false;
  std::vector<std::string> candidates;  // other images to hash (rule 4)
  // "page redirects to ... (a different page); " or empty: starts the reason.
  std::string redirect_note;
};

// Distinct image URLs fetched in one batch; evaluations kept, bytes dropped.
class ImageBatch {
 public:
  ImageBatch(const RemovalCheckOptions& o, std::map<std::string, ImageEval>& evals)
      : options_(o), evals_(evals) {}
  void Add(const std::string& url, const ItemToCheck& item) {
    if (evals_.count(url) || !queued_.insert({url, requests_.size()}).second) return;
    FetchRequest r;
    r.url = url;
    r.max_bytes = options_.max_image_bytes;
    r.allow_private = item.allow_private;
    r.private_host = item.private_host;
    r.host_key = HostKeyOf(url);
    r.politeness = options_.politeness;
    if (r.host_key == HostKeyOf(item.page_url)) {  // the session never leaves its site
      r.headers = item.session_headers;
      r.cookie = item.session_cookie;
    }
    requests_.push_back(std::move(r));
  }
  void Run(Fetcher& fetcher) {
    if (requests_.empty()) return;
    std::vector<FetchResponse> responses = fetcher.FetchAll(requests_);
    responses.resize(requests_.size());  // a short answer: the rest failed
    for (size_t i = 0; i < requests_.size(); ++i) {
      if (responses[i].http_status == 0 && responses[i].status.ok()) {
        responses[i].status = Status::Unavailable("no response from the fetcher");
      }
      evals_[requests_[i].url] = Evaluate(responses[i]);
      std::string().swap(responses[i].body);  // the bytes go now
    }
  }

 private:
  const RemovalCheckOptions& options_;
  std::map<std::string, ImageEval>& evals_;
  std::map<std::string, size_t> queued_;
  std::vector<FetchRequest> requests_;
};

void Decide(ItemVerdict& v, ItemState state, std::string reason) {
  v.state = state;
  v.reason = std::move(reason);
}

std::optional<WarcCapture> CaptureOf(const FetchResponse& r, const std::string& final_url,
                                     std::chrono::system_clock::time_point now) {
  if (r.http_status == 0 || !CheckNotImagery(r.content_type, r.body).ok()) return std::nullopt;
  WarcCapture c;
  c.target_uri = final_url;
  c.date = now;
  c.ip = r.remote_ip;
  c.http_headers = r.response_headers;
  c.body = r.body;
  return c;
}

// Rule 1. True when the page alone decides the item.
bool JudgePage(const FetchResponse& r, bool is_image, ItemVerdict& v) {
  if (r.deferred) {
    Decide(v, ItemState::kUnknown, "page deferred by the host's budget (will retry)");
  } else if (!r.status.ok()) {
    Decide(v, ItemState::kUnknown, "page unreachable: " + r.status.message() + " (will retry)");
  } else if (r.http_status == 404 || r.http_status == 410) {
    Decide(v, ItemState::kRemoved, "page answers " + std::to_string(r.http_status));
  } else if (r.http_status < 200 || r.http_status >= 300) {
    Decide(v, ItemState::kUnknown, StatusWords(r.http_status) + " (will retry)");
  } else if (!is_image && r.body.find_first_not_of(" \t\r\n") == std::string::npos) {
    Decide(v, ItemState::kUnknown,
           "page answers " + std::to_string(r.http_status) + " with an empty body (will retry)");
  } else {
    return false;
  }
  return true;
}

// Rule 3, the item's own image URL. True when it decides; else *gone_or_changed
// says why the page's other images must be looked at.
bool JudgeOwnImage(const ImageEval& e, const std::string& url, const Target& target,
                   int max_distance, ItemVerdict& v, std::string* gone_or_changed) {
  v.image_status = e.http_status;
  const int d =
      e.kind == ImageEval::kFailed || e.kind == ImageEval::kGone ? -1 : Distance(target, e);
  if (d >= 0 && d <= max_distance) {
    v.found_image_url = url;
    Decide(v, ItemState::kPresent, "still on the page");
  } else if (e.kind == ImageEval::kFailed) {
    Decide(v, ItemState::kUnknown, "image: " + e.why + " (will retry)");
  } else if (e.kind == ImageEval::kUndecodable) {
    Decide(v, ItemState::kUnknown, "image does not decode: " + e.why + " (will retry)");
  } else if (e.kind == ImageEval::kBytes && d < 0) {
    Decide(v, ItemState::kUnknown,
           "the image at its URL changed (SHA-256 differs) and the item has no PDQ hash to "
           "compare (will retry)");
  } else {
    *gone_or_changed = e.kind == ImageEval::kGone
                           ? "image answers " + std::to_string(e.http_status)
                           : "hash changed at the image URL (distance " + std::to_string(d) + ")";
    return false;
  }
  return true;
}

// Rule 4, from the page's other images (already evaluated in `evals`).
void JudgeOthers(const ItemWork& w, size_t images_on_page, const std::string& gone_or_changed,
                 const std::map<std::string, ImageEval>& evals, int max_distance, ItemVerdict& v) {
  int failed = 0;
  int undecodable = 0;
  std::string first_failure;
  for (const std::string& url : w.candidates) {
    const ImageEval& e = evals.at(url);
    const int d = e.kind == ImageEval::kBytes || e.kind == ImageEval::kUndecodable
                      ? Distance(w.target, e)
                      : -1;
    if (d >= 0 && d <= max_distance) {
      v.found_image_url = url;
      Decide(v, ItemState::kPresent, "still on the page at another URL " + url);
      return;
    }
    if (e.kind == ImageEval::kFailed) {
      if (failed++ == 0) first_failure = url + ": " + e.why;
    } else if (e.kind == ImageEval::kUndecodable) {
      ++undecodable;
    }
  }
  const size_t others_on_page = images_on_page - (w.own_on_page ? 1 : 0);
  std::string checked = "checked " + std::to_string(w.candidates.size());
  if (w.candidates.size() < others_on_page) checked += " of " + std::to_string(others_on_page);
  if (undecodable > 0) checked += ", " + std::to_string(undecodable) + " did not decode";
  if (failed > 0) {
    Decide(v, ItemState::kUnknown,
           (gone_or_changed.empty() ? "image no longer on the page" : gone_or_changed) + ", but " +
               std::to_string(failed) + " other image(s) on it could not be fetched (" +
               first_failure + ") (will retry)");
  } else if (!gone_or_changed.empty()) {
    Decide(v, ItemState::kRemoved,
           gone_or_changed + "; no other image on the page has its hash (" + checked + ")");
  } else if (!w.redirect_note.empty()) {
    Decide(v, ItemState::kRemoved,
           "the image is not there (no image on it has its hash, " + checked + ")");
  } else {
    Decide(v, ItemState::kRemoved,
           "image no longer on the page and no image on it has its hash (" + checked + ")");
  }
}

}  // namespace

const char* ItemStateName(ItemState state) {
  switch (state) {
    case ItemState::kPresent:
      return "present";
    case ItemState::kRemoved:
      return "removed";
    case ItemState::kUnknown:
      break;
  }
  return "unknown";
}

RemovalChecker::RemovalChecker(Fetcher& fetcher, RemovalCheckOptions options)
    : fetcher_(fetcher), options_(std::move(options)) {}

std::vector<ItemVerdict> RemovalChecker::Check(const std::vector<ItemToCheck>& items) {
  std::vector<ItemVerdict> out(items.size());
  std::vector<ItemWork> work(items.size());
  const auto now = options_.now ? options_.now() : std::chrono::system_clock::now();

  // 1. Each distinct page once.
  std::vector<FetchRequest> page_requests;
  std::map<std::string, size_t> page_index;
  for (size_t i = 0; i < items.size(); ++i) {
    const ItemToCheck& item = items[i];
    const std::string key =
        item.page_url + '\n' + (item.allow_private ? "1" : "0") + '\n' + item.private_host;
    auto [it, fresh] = page_index.try_emplace(key, page_requests.size());
    if (fresh) {
      FetchRequest r;
      r.url = item.page_url;
      r.max_bytes = options_.max_page_bytes;
      r.allow_private = item.allow_private;
      r.private_host = item.private_host;
      r.host_key = HostKeyOf(item.page_url);
      r.politeness = options_.politeness;
      r.headers = item.session_headers;
      r.cookie = item.session_cookie;
      page_requests.push_back(std::move(r));
    }
    work[i].page = it->second;
  }
  std::vector<FetchResponse> page_responses =
      page_requests.empty() ? std::vector<FetchResponse>{} : fetcher_.FetchAll(page_requests);
  page_responses.resize(page_requests.size());
  std::vector<PageState> pages(page_responses.size());
  for (size_t p = 0; p < pages.size(); ++p) {
    FetchResponse& r = page_responses[p];
    pages[p].response = &r;
    const bool usable = r.status.ok() && !r.deferred && r.http_status >= 200 && r.http_status < 300;
    if (!usable) continue;
    if (!CheckNotImagery(r.content_type, r.body).ok()) {
      pages[p].is_image = true;
      pages[p].self = Evaluate(r);
      std::string().swap(r.body);
      continue;
    }
    auto base = Url::Parse(r.final_url.empty() ? r.url : r.final_url);
    if (!base.ok()) continue;
    for (auto& ref : crawler::ExtractLinks(r.body, *base).images) {
      pages[p].images.push_back(std::move(ref.url));
    }
  }

  // 2. Page verdicts; the items still open know their image's place.
  std::map<std::string, ImageEval> evals;
  ImageBatch own(options_, evals);
  for (size_t i = 0; i < items.size(); ++i) {
    const ItemToCheck& item = items[i];
    ItemVerdict& v = out[i];
    ItemWork& w = work[i];
    const PageState& page = pages[w.page];
    const FetchResponse& r = *page.response;
    v.page_status = r.http_status;
    if (r.http_status != 0) v.page_final_url = r.final_url.empty() ? r.url : r.final_url;
    if (!page.is_image) v.page_capture = CaptureOf(r, v.page_final_url, now);
    if (!JudgePage(r, page.is_image, v)) {
      w.open = true;
      w.target.sha256_hex = Lower(item.sha256_hex);
      if (auto pdq = matcher::PdqHash::FromHex(item.pdq_hex); pdq.ok()) w.target.pdq = *pdq;
      w.image_key = Normal(item.image_url);
      if (!SamePage(item.page_url, v.page_final_url)) {
        w.redirect_note = "page redirects to " + v.page_final_url + " (a different page); ";
      }
      w.own_on_page =
          std::find(page.images.begin(), page.images.end(), w.image_key) != page.images.end();
      if (w.own_on_page) own.Add(w.image_key, item);
      if (page.is_image) evals.try_emplace(v.page_final_url, *page.self);
    }
  }
  own.Run(fetcher_);

  // 3. The item's own image; where it is gone or changed, the page's others.
  ImageBatch others(options_, evals);
  std::vector<std::string> own_reason(items.size());
  std::vector<bool> scan(items.size(), false);
  for (size_t i = 0; i < items.size(); ++i) {
    ItemWork& w = work[i];
    if (!w.open) continue;
    ItemVerdict& v = out[i];
    const PageState& page = pages[w.page];
    const std::string& own_url = page.is_image ? v.page_final_url : w.image_key;
    if ((page.is_image || w.own_on_page) &&
        JudgeOwnImage(evals.at(own_url), own_url, w.target, options_.max_distance, v,
                      &own_reason[i])) {
      continue;
    }
    if (page.is_image) {  // nothing else to look at
      Decide(v, ItemState::kRemoved, own_reason[i]);
      continue;
    }
    scan[i] = true;
    for (const std::string& url : page.images) {
      if (static_cast<int>(w.candidates.size()) >= options_.max_images_per_page) break;
      if (url == w.image_key) continue;
      w.candidates.push_back(url);
      others.Add(url, items[i]);
    }
  }
  others.Run(fetcher_);

  // 4. Verdicts from the other images.
  for (size_t i = 0; i < items.size(); ++i) {
    if (scan[i]) {
      JudgeOthers(work[i], pages[work[i].page].images.size(), own_reason[i], evals,
                  options_.max_distance, out[i]);
    }
  }
  // Every verdict reached on a page other than the one asked for says so.
  for (size_t i = 0; i < items.size(); ++i) out[i].reason = work[i].redirect_note + out[i].reason;
  return out;
}

}  // namespace tdm::notifier
