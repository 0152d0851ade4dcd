#include "tdm/notifier/delivery.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "tdm/common/test_doubles.h"

namespace tdm::notifier {
namespace {

// Keeps what the delivery steps store, in memory.
class FakeDeliveryStore final : public DeliveryStore {
 public:
  std::vector<PrepareJob> unprepared;
  std::map<std::string, RecipientResolution> cache;
  std::vector<std::pair<int64_t, RecipientResolution>> prepared;
  std::vector<EvidenceRecord> evidence;
  std::vector<EvidenceJob> evidence_jobs;
  OutgoingNotice notice;
  Status begin_status = Status::Ok();
  std::vector<std::string> failures;
  int finished = 0;

  Result<std::vector<PrepareJob>> Unprepared(size_t) override { return unprepared; }
  Result<std::optional<RecipientResolution>> CachedRecipients(const std::string& origin) override {
    auto it = cache.find(origin);
    if (it == cache.end()) return std::optional<RecipientResolution>();
    return std::optional<RecipientResolution>(it->second);
  }
  Status CacheRecipients(const std::string& origin, const RecipientResolution& found,
                         std::chrono::seconds) override {
    cache[origin] = found;
    return Status::Ok();
  }
  Status Prepare(const PrepareJob& job, const RecipientResolution& found,
                 const std::function<Draft(const DraftInput&)>&) override {
    prepared.push_back({job.takedown_id, found});
    return Status::Ok();
  }
  Result<int> UnprepareDrafts() override { return 0; }
  Status Redraft(int64_t, const std::function<Draft(const DraftInput&)>&) override {
    return Status::Ok();
  }
  Result<std::vector<EvidenceJob>> ItemsWithoutEvidence(size_t) override { return evidence_jobs; }
  Status RecordEvidence(const std::vector<EvidenceRecord>& records) override {
    evidence.insert(evidence.end(), records.begin(), records.end());
    return Status::Ok();
  }
  Result<std::vector<CheckJob>> ChecksDue(std::optional<int64_t>, bool, size_t) override {
    return std::vector<CheckJob>();
  }
  Result<CheckOutcome> RecordChecks(const CheckJob&, const std::vector<CheckedItem>&) override {
    return CheckOutcome();
  }
  Result<OutgoingNotice> BeginSend(int64_t, const std::string&) override {
    if (!begin_status.ok()) return begin_status;
    return notice;
  }
  Result<std::string> FinishSend(const OutgoingNotice& n, const std::string&,
                                 const std::string& via) override {
    ++finished;
    return "sent " + n.message_id + " via " + via;
  }
  Status SendFailed(const OutgoingNotice&, const std::string&, const std::string& error) override {
    failures.push_back(error);
    return Status::Ok();
  }
};

class FakeMailer final : public Mailer {
 public:
  Status next = Status::Ok();
  std::vector<EmailMessage> sent;
  Result<SendReceipt> Send(const EmailMessage& m) override {
    if (!next.ok()) return next;
    sent.push_back(m);
    SendReceipt r;
    r.message_id = m.message_id;
    r.server_reply = "250 ok";
    return r;
  }
};

OutgoingNotice Notice() {
  OutgoingNotice n;
  n.takedown_id = 9;
  n.to = "abuse@host.test";
  n.to_source = "RDAP";
  n.subject = "Takedown notice";
  n.body = "text\n";
  n.message_id = "tdm.9.abc@ngo.test";
  return n;
}

SmtpConfig Smtp() {
  SmtpConfig c;
  c.url = "smtp://127.0.0.1:2525";
  c.from = "legal@ngo.test";
  return c;
}

TEST(SendTakedown, SendsTheStoredMessageIdAndRecordsItSent) {
  FakeDeliveryStore store;
  store.notice = Notice();
  FakeMailer mailer;
  auto r = SendTakedown(store, mailer, Smtp(), 9, "anna");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(mailer.sent.size(), 1u);
  EXPECT_EQ(mailer.sent[0].message_id, "tdm.9.abc@ngo.test");
  EXPECT_EQ(mailer.sent[0].to, std::vector<std::string>{"abuse@host.test"});
  EXPECT_EQ(mailer.sent[0].from, "legal@ngo.test");
  EXPECT_EQ(store.finished, 1);
  EXPECT_TRUE(store.failures.empty());
}

TEST(SendTakedown, ARefusalIsRecordedAndNothingIsMarkedSent) {
  FakeDeliveryStore store;
  store.notice = Notice();
  FakeMailer mailer;
  mailer.next = Status::Refused("550 no such user");
  auto r = SendTakedown(store, mailer, Smtp(), 9, "anna");
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(store.finished, 0);
  ASSERT_EQ(store.failures.size(), 1u);
  EXPECT_NE(store.failures[0].find("550 no such user"), std::string::npos);
}

TEST(SendTakedown, AnEscalationRepliesToTheFirstNotice) {
  FakeDeliveryStore store;
  store.notice = Notice();
  store.notice.escalation = true;
  store.notice.references = "tdm.9.first@ngo.test";
  FakeMailer mailer;
  ASSERT_TRUE(SendTakedown(store, mailer, Smtp(), 9, "anna").ok());
  ASSERT_EQ(mailer.sent.size(), 1u);
  EXPECT_NE(mailer.sent[0].in_reply_to.find("tdm.9.first@ngo.test"), std::string::npos);
}

TEST(SendTakedown, NothingIsSentWhenTheRequestIsNotReady) {
  FakeDeliveryStore store;
  store.begin_status = Status::InvalidArgument("takedown 9 is draft");
  FakeMailer mailer;
  EXPECT_FALSE(SendTakedown(store, mailer, Smtp(), 9, "anna").ok());
  EXPECT_TRUE(mailer.sent.empty());
}

TEST(EvidenceKeeper, KeepsThePageAsWarcAndNeverAnImage) {
  FakeDeliveryStore store;
  EvidenceJob page;
  page.takedown_id = 1;
  page.item_id = 10;
  page.item.page_url = "http://leaks.test/t/1";
  page.item.image_url = "http://leaks.test/a.jpg";
  page.item.sha256_hex = std::string(64, 'a');
  EvidenceJob image = page;
  image.item_id = 11;
  image.item.page_url = "http://leaks.test/a.jpg";  // a "page" that is an image
  EvidenceJob down = page;
  down.item_id = 12;
  down.item.page_url = "http://leaks.test/gone";
  EvidenceJob same_page = page;  // a second image on the first page
  same_page.item_id = 13;
  same_page.item.image_url = "http://leaks.test/b.jpg";
  store.evidence_jobs = {page, image, down, same_page};
  testing::ScriptedFetcher fetcher;
  fetcher.Serve("http://leaks.test/t/1", 200, "text/html", "<html><img src=/a.jpg></html>");
  fetcher.Serve("http://leaks.test/a.jpg", 200, "image/jpeg", std::string("\xFF\xD8\xFF\xE0", 4));
  EvidenceKeeper keeper(store, fetcher);
  auto n = keeper.Run(10);
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  ASSERT_EQ(store.evidence.size(), 4u);
  // Each page once, within a per-host budget.
  EXPECT_EQ(std::count(fetcher.fetched.begin(), fetcher.fetched.end(), "http://leaks.test/t/1"), 1);
  EXPECT_EQ(fetcher.requests_seen[0].host_key, "leaks.test");
  EXPECT_NE(store.evidence[3].warc.find("http://leaks.test/b.jpg"), std::string::npos);
  EXPECT_NE(store.evidence[0].warc.find("WARC-Type: response"), std::string::npos);
  EXPECT_NE(store.evidence[0].warc.find("<html><img src=/a.jpg></html>"), std::string::npos);
  EXPECT_NE(store.evidence[0].warc.find(std::string(64, 'a')), std::string::npos);
  EXPECT_TRUE(store.evidence[1].warc.empty()) << "image bytes must never be kept";
  EXPECT_NE(store.evidence[1].reason.find("not recorded"), std::string::npos);
  EXPECT_TRUE(store.evidence[2].warc.empty());
  EXPECT_NE(store.evidence[2].reason.find("not captured"), std::string::npos);
}

TEST(RecipientPreparer, ResolvesAnOriginOnceAndThenUsesTheCache) {
  FakeDeliveryStore store;
  PrepareJob job;
  job.takedown_id = 3;
  job.origin = "http://127.0.0.1:8080";
  job.allow_private = true;
  store.unprepared = {job, job};
  testing::ScriptedFetcher fetcher;
  fetcher.Serve("http://127.0.0.1:8080/.well-known/security.txt", 200, "text/plain",
                "Contact: mailto:security@forum.test\n");
  RecipientResolver resolver(
      fetcher, "", [](const std::string&) { return std::vector<std::string>{"127.0.0.1"}; });
  RecipientPreparer preparer(store, resolver, [](const DraftInput&) { return Draft(); });
  auto n = preparer.Run(10);
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(*n, 2);
  // The second draft of the same origin came from the cache: one fetch.
  EXPECT_EQ(fetcher.fetched.size(), 1u);
  ASSERT_EQ(store.prepared.size(), 2u);
  ASSERT_EQ(store.prepared[1].second.candidates.size(), 1u);
  EXPECT_EQ(store.prepared[1].second.candidates[0].email, "security@forum.test");
  EXPECT_EQ(store.prepared[1].second.candidates[0].kind, "security-txt");
}

TEST(RecipientPreparer, ADraftWithNoContactFoundIsStillPreparedWithTheProblems) {
  FakeDeliveryStore store;
  PrepareJob job;
  job.takedown_id = 4;
  job.origin = "http://127.0.0.1:8081";
  job.allow_private = true;
  store.unprepared = {job};
  testing::ScriptedFetcher fetcher;  // nothing answers
  RecipientResolver resolver(
      fetcher, "", [](const std::string&) { return std::vector<std::string>{"127.0.0.1"}; });
  RecipientPreparer preparer(store, resolver, [](const DraftInput&) { return Draft(); });
  ASSERT_TRUE(preparer.Run(10).ok());
  ASSERT_EQ(store.prepared.size(), 1u);
  EXPECT_TRUE(store.prepared[0].second.candidates.empty());
  EXPECT_FALSE(store.prepared[0].second.problems.empty());
  EXPECT_EQ(store.cache.count(job.origin), 1u);
}

}  // namespace
}  // namespace tdm::notifier
