#include "tdm/notifier/escalation.h"

#include <gtest/gtest.h>

namespace tdm::notifier {
namespace {

EscalationInput Input() {
  EscalationInput in;
  in.request_id = 7;
  in.kind = "hosting-abuse";
  in.host = "leaks.example";
  in.first_recipient = "abuse@leaks.example";
  in.sent_at = "2026-05-20 10:00 UTC";
  in.deadline = "2026-05-22 10:00 UTC";
  in.status = "overdue";
  in.still_up = {"https://leaks.example/a.jpg"};
  in.original_subject = "Takedown notice (tdm request #7)";
  in.original_body = "Line one\n\nLine two\n";
  return in;
}

TEST(Escalation, NamesTheFirstNoticeItsDeadlineAndWhatIsStillUp) {
  const EscalationText t = DraftEscalation(Input());
  EXPECT_EQ(t.subject, "Escalation: Takedown notice (tdm request #7)");
  EXPECT_NE(t.body.find("sent to abuse@leaks.example on 2026-05-20 10:00 UTC"), std::string::npos);
  EXPECT_NE(t.body.find("due by 2026-05-22 10:00 UTC"), std::string::npos);
  EXPECT_NE(t.body.find("not removed by then"), std::string::npos);
  EXPECT_NE(t.body.find("1. https://leaks.example/a.jpg"), std::string::npos);
  EXPECT_NE(t.body.find("hosting provider"), std::string::npos);
  EXPECT_NE(t.body.find("tdm request #7"), std::string::npos);
}

TEST(Escalation, QuotesTheOriginalNoticeInFull) {
  const EscalationText t = DraftEscalation(Input());
  EXPECT_NE(t.body.find("> Line one\n>\n> Line two\n"), std::string::npos);
}

TEST(Escalation, AsksEachKindOfRecipientForWhatItCanDo) {
  EscalationInput in = Input();
  in.kind = "registrar-abuse";
  EXPECT_NE(DraftEscalation(in).body.find("registrar"), std::string::npos);
  in.kind = "search-engine";
  const EscalationText t = DraftEscalation(in);
  EXPECT_EQ(t.subject.rfind("Delisting request: ", 0), 0u);
  EXPECT_NE(t.body.find("search results"), std::string::npos);
  in.status = "rejected";
  EXPECT_NE(DraftEscalation(in).body.find("refused"), std::string::npos);
}

}  // namespace
}  // namespace tdm::notifier
