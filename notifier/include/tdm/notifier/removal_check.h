#pragma once

// After a takedown notice is sent: is each listed item still online?
//
// For one item (a page and the matched image on it) the checker fetches the
// page, looks for the image on it and hashes what it finds. Only positive
// evidence of absence makes an item kRemoved; a failure of any kind (network,
// 401/403/429/5xx, a redirect left unfollowed, the host budget deferring a
// request, an image that does not decode) makes it kUnknown, to be checked
// again later. A wrong "removed" would close a case while the image is still
// up; a wrong "unknown" only costs another check.
//
// The rules, in order:
//   1. The page is fetched once per distinct page URL (one FetchAll batch).
//      404 or 410: kRemoved ("page answers 404"). No response, a
//      deferral, a cap hit, 3xx, 401, 403, 429, 5xx or any other non-2xx
//      status (451 included: it may be a block in one country only):
//      kUnknown ("page unreachable: ... (will retry)", "403: access refused
//      (will retry)"). A 2xx with an empty body: kUnknown.
//   2. A 2xx page's images are read with crawler::ExtractLinks (against the
//      final URL). When the final URL is a different page from page_url
//      (scheme upgrade http -> https and a trailing slash do not count), the
//      reason starts "page redirects to <final> (a different page); " and the
//      same test applies to the page it landed on. A page whose body is
//      itself an image (a direct link) is tested as the item's image.
//   3. The item's image URL is on the page: it is fetched. 404/410: removed
//      ("image answers 404") unless another image on the page matches (rule
//      4). Bytes: same SHA-256 as the item, or PDQ distance <= max_distance
//      (31, the matcher's threshold, whatever the new image's PDQ quality):
//      kPresent ("still on the page"); else removed ("hash changed at the
//      image URL (distance 112)"), again unless rule 4 finds it. Bytes that do
//      not decode (a 200 answering an HTML page or a corrupt file): kUnknown
//      ("image does not decode: ..."), since a placeholder that is not an
//      image says nothing certain. Other failures: kUnknown. Without a PDQ
//      hash for the item (pdq_hex empty or malformed) a changed SHA-256 is
//      kUnknown: a re-encoding cannot be told from a replacement.
//   4. The image URL is not on the page (or answers 404, or changed): up to
//      max_images_per_page of the page's other images, in page order, are
//      fetched and hashed. One with the item's SHA-256 or within
//      max_distance: kPresent ("still on the page at another URL <url>",
//      found_image_url). A candidate that answers 404 or does not decode is
//      not a match (decode failures are counted in the reason). None matches:
//      kRemoved ("image no longer on the page and no image on it has its hash
//      (checked N)"), except that when some candidates could not be fetched
//      at all (network, 403, 5xx, deferred) the verdict is kUnknown. A page
//      with more images than the cap is judged on the first ones; the reason
//      then says "checked 40 of 57".
//
// Evidence: page_capture holds the page's response (URL after redirects,
// time, remote address, headers as received, HTML) whenever a response
// arrived whose body passes CheckNotImagery (404 pages included), for
// WarcResponseRecord. Its http_headers are empty when the Fetcher gave none
// (test doubles); WarcResponseRecord then refuses it.
//
// Image bytes live only inside Check(), in the fetcher's responses, and are
// dropped as soon as they are hashed; they never reach a verdict.
//
// Thread-safety: not thread-safe (neither is a Fetcher); one per thread.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "tdm/common/fetcher.h"
#include "tdm/common/host_gate.h"
#include "tdm/notifier/warc.h"

namespace tdm::notifier {

struct ItemToCheck {
  std::string page_url;
  std::string image_url;
  std::string sha256_hex;  // of the matched image, hex (either case)
  std::string pdq_hex;     // of the matched image; empty: none
  // As the site's FetchRequest::allow_private and private_host.
  bool allow_private = false;
  std::string private_host;
  // The site's session (secrets, for pages behind a login): sent with the
  // page request, and with image requests only to the page's own host[:port].
  std::vector<std::string> session_headers;
  std::string session_cookie;
};

enum class ItemState { kPresent, kRemoved, kUnknown };
// "present", "removed", "unknown": takedown_items.state and evidence verdicts.
const char* ItemStateName(ItemState state);

struct ItemVerdict {
  ItemState state = ItemState::kUnknown;
  std::string reason;                       // one line for people, e.g. "page answers 404"
  int page_status = 0;                      // 0: no response
  std::string page_final_url;               // after redirects; empty: no response
  int image_status = 0;                     // of the item's image URL; 0: not fetched
  std::string found_image_url;              // where the image was found (kPresent)
  std::optional<WarcCapture> page_capture;  // the page response as evidence (HTML only)
};

struct RemovalCheckOptions {
  // Other images of a page fetched when the item's own URL is not there.
  int max_images_per_page = 40;
  // PDQ Hamming distance up to which an image is the same (the matcher's).
  int max_distance = 31;
  int64_t max_page_bytes = 10 << 20;
  int64_t max_image_bytes = 20 << 20;
  // Requests carry host_key HostKeyOf(url) and this budget, so a check
  // spaces its requests to one host like the crawler does.
  HostGate::Policy politeness;
  // The time stamped on page captures; empty: the system clock.
  std::function<std::chrono::system_clock::time_point()> now;
};

// Checks sent-notice items. `fetcher` is borrowed and must outlive the checker.
class RemovalChecker {
 public:
  RemovalChecker(Fetcher& fetcher, RemovalCheckOptions options);

  // One verdict per item, in order. At most three FetchAll batches: pages,
  // the items' image URLs, then other images of the pages.
  std::vector<ItemVerdict> Check(const std::vector<ItemToCheck>& items);

 private:
  Fetcher& fetcher_;
  RemovalCheckOptions options_;
};

}  // namespace tdm::notifier
