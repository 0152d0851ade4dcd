#include "tdm/notifier/lifecycle.h"

#include <gtest/gtest.h>

namespace tdm::notifier {
namespace {

using S = TakedownStatus;

TEST(Lifecycle, NamesRoundTripAndUnknownNamesAreRefused) {
  EXPECT_EQ(AllStatuses().size(), 10u);
  for (S s : AllStatuses()) EXPECT_EQ(ParseStatus(StatusName(s)), s) << StatusName(s);
  EXPECT_EQ(ParseStatus("partially_removed"), S::kPartiallyRemoved);
  EXPECT_FALSE(ParseStatus("Removed").has_value());
  EXPECT_FALSE(ParseStatus("refused").has_value());
  EXPECT_FALSE(ParseStatus("").has_value());
}

TEST(Lifecycle, NothingLeavesWithoutApprovalAndSendingNeedsApproval) {
  EXPECT_TRUE(CanMove(S::kDraft, S::kApproved));
  EXPECT_FALSE(CanMove(S::kDraft, S::kSent));
  EXPECT_TRUE(CanMove(S::kApproved, S::kSent));
  EXPECT_TRUE(CanMove(S::kApproved, S::kDraft));  // back for changes
  EXPECT_FALSE(CanMove(S::kDraft, S::kRemoved));
  EXPECT_FALSE(CanMove(S::kDraft, S::kDraft));
}

TEST(Lifecycle, SentRequestsEndRemovedPartlyRemovedRejectedOrOverdueThenEscalated) {
  for (S end : {S::kRemoved, S::kPartiallyRemoved, S::kRejected, S::kOverdue}) {
    EXPECT_TRUE(CanMove(S::kSent, end)) << StatusName(end);
    EXPECT_TRUE(CanMove(S::kAcknowledged, end)) << StatusName(end);
  }
  EXPECT_TRUE(CanMove(S::kSent, S::kAcknowledged));
  EXPECT_TRUE(CanMove(S::kOverdue, S::kEscalated));
  EXPECT_TRUE(CanMove(S::kRejected, S::kEscalated));
  EXPECT_TRUE(CanMove(S::kPartiallyRemoved, S::kEscalated));
  EXPECT_FALSE(CanMove(S::kSent, S::kEscalated));  // overdue or refused first
  EXPECT_FALSE(CanMove(S::kSent, S::kWithdrawn));  // a sent notice cannot be unsent
}

TEST(Lifecycle, RemovedAndWithdrawnAreFinal) {
  for (S to : AllStatuses()) {
    EXPECT_FALSE(CanMove(S::kRemoved, to)) << StatusName(to);
    EXPECT_FALSE(CanMove(S::kWithdrawn, to)) << StatusName(to);
  }
  EXPECT_TRUE(NextStatuses(S::kRemoved).empty());
}

}  // namespace
}  // namespace tdm::notifier
