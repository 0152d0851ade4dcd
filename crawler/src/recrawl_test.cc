#include "tdm/crawler/recrawl.h"

#include <gtest/gtest.h>

namespace tdm::crawler {
namespace {

using std::chrono::seconds;

TEST(NextInterval, FirstVisitIndexPagesAtTheScheduleOtherPagesAtTwiceIt) {
  EXPECT_EQ(NextInterval(seconds(3600), PageKind::kIndex, std::nullopt, false), seconds(3600));
  EXPECT_EQ(NextInterval(seconds(3600), PageKind::kPage, std::nullopt, false), seconds(7200));
}

TEST(NextInterval, ChangesHalveUnchangedVisitsStretchByHalf) {
  EXPECT_EQ(NextInterval(seconds(3600), PageKind::kPage, seconds(8000), true), seconds(4000));
  EXPECT_EQ(NextInterval(seconds(3600), PageKind::kPage, seconds(8000), false), seconds(12000));
}

TEST(NextInterval, StaysWithinBoundsThatKeepIndexPagesNearTheSchedule) {
  const seconds every(3600);
  // A page that changes every time never comes back sooner than every / 4.
  std::optional<seconds> i;
  for (int k = 0; k < 20; ++k) i = NextInterval(every, PageKind::kPage, i, true);
  EXPECT_EQ(*i, seconds(900));
  // An unchanging thread drifts out to 16 x the schedule, an index page to 2 x.
  std::optional<seconds> thread, index;
  for (int k = 0; k < 40; ++k) {
    thread = NextInterval(every, PageKind::kPage, thread, false);
    index = NextInterval(every, PageKind::kIndex, index, false);
  }
  EXPECT_EQ(*thread, seconds(16 * 3600));
  EXPECT_EQ(*index, seconds(2 * 3600));
  // A schedule of one second still gives at least one second.
  EXPECT_EQ(NextInterval(seconds(1), PageKind::kIndex, seconds(1), true), seconds(1));
}

TEST(ParseEvery, AcceptsWholeNumbersWithAUnit) {
  EXPECT_EQ(*ParseEvery("90s"), seconds(90));
  EXPECT_EQ(*ParseEvery("30m"), seconds(1800));
  EXPECT_EQ(*ParseEvery("6h"), seconds(21600));
  EXPECT_EQ(*ParseEvery("1d"), seconds(86400));
  EXPECT_EQ(*ParseEvery("2w"), seconds(14 * 86400));
  EXPECT_EQ(*ParseEvery("365d"), seconds(365 * 86400));
}

TEST(ParseEvery, RefusesEverythingElseNamingTheForm) {
  for (const char* bad : {"", "6", "h", "0h", "-1h", "1.5h", "6 h", "6hours", "366d", "53w",
                          "99999999999999999999s", "6x"}) {
    auto r = ParseEvery(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.status().message().find("e.g. 90s, 30m, 6h"), std::string::npos) << bad;
  }
}

TEST(FormatEvery, PrintsTheLargestExactUnit) {
  EXPECT_EQ(FormatEvery(seconds(21600)), "6h");
  EXPECT_EQ(FormatEvery(seconds(90)), "90s");
  EXPECT_EQ(FormatEvery(seconds(14 * 86400)), "2w");
  EXPECT_EQ(FormatEvery(seconds(36 * 3600)), "36h");
}

TEST(ContentDigest, IgnoresOrderButNotContent) {
  const int64_t a = ContentDigest({"http://x/1", "http://x/2"}, {"http://x/a.jpg"});
  EXPECT_EQ(a, ContentDigest({"http://x/2", "http://x/1"}, {"http://x/a.jpg"}));
  EXPECT_NE(a, ContentDigest({"http://x/1", "http://x/2"}, {"http://x/a.jpg", "http://x/b.jpg"}));
  EXPECT_NE(a, ContentDigest({"http://x/1"}, {"http://x/a.jpg"}));
  // A link is not an image: the same URL in the other list is a change.
  EXPECT_NE(ContentDigest({"http://x/a.jpg"}, {}), ContentDigest({}, {"http://x/a.jpg"}));
  EXPECT_NE(ContentDigest({"ab"}, {}), ContentDigest({"a", "b"}, {}));
}

}  // namespace
}  // namespace tdm::crawler
