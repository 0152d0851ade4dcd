#pragma once

// When a watched site's pages are fetched again.
//
// A site with a schedule (`tdm site schedule ID EVERY`) has each of its known
// pages revisited on an interval of the page's own, which adapts: a page
// whose links or images changed since the last fetch comes back sooner, one
// that did not (or answered 304 Not Modified) later. Index pages (a crawl's
// seed and the pages reached through pagination: thread lists, channel
// feeds) are kept close to the schedule; other pages (threads, posts) may
// drift out to many times it, so an old thread costs little.
//
// Pure functions: call them from any thread.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tdm/common/status.h"

namespace tdm::crawler {

// kImagePage: a thumbnail's full-size page, perhaps on another host, fetched
// for its images only; revisited like a page.
enum class PageKind { kPage, kIndex, kImagePage };
const char* PageKindName(PageKind kind);        // "page", "index", "image-page"
PageKind ParsePageKind(std::string_view name);  // anything else is a page

// Without a schedule a site's pages still record their history (validators,
// digest, interval) against this, so a schedule set later starts informed.
inline constexpr std::chrono::seconds kUnscheduledEvery{24 * 3600};

// The interval before the next visit, after a fetch:
//   first visit:  index `every`, page 2 x `every`;
//   changed:      half the previous interval;
//   unchanged:    1.5 x the previous interval;
// always within [max(1 s, every / 4), index ? 2 x every : 16 x every].
std::chrono::seconds NextInterval(std::chrono::seconds every, PageKind kind,
                                  std::optional<std::chrono::seconds> previous, bool changed);

// A schedule as written on the command line: a positive whole number and a
// unit, "90s", "30m", "6h", "1d", "2w"; from 1 s to 365 days. InvalidArgument
// otherwise, naming the accepted forms.
Result<std::chrono::seconds> ParseEvery(std::string_view text);
// The shortest exact form of `every` in those units ("6h", "90s").
std::string FormatEvery(std::chrono::seconds every);

// A digest of what a crawler can find on a page, its in-scope links and its
// images, independent of their order (FNV-1a 64 over the sorted lists).
// Timestamps, counters or tokens in the HTML do not change it.
int64_t ContentDigest(std::vector<std::string> pages, std::vector<std::string> images);

}  // namespace tdm::crawler
