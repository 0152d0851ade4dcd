// Takedown requests from draft to removal, end to end on the real stack: the
// recipient found through a local RDAP server (or security.txt, or the site's
// configured contact), the notice sent by SMTP to a local sink, evidence kept
// as WARC records, the listed URLs re-checked until the content is gone (or
// the deadline passes and the request is escalated), and a re-upload opening
// a new request that cites the earlier one.

#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <pqxx/pqxx>
#include <thread>

#include "stack_fixture.h"
#include "tdm/common/kafka.h"
#include "tdm/common/messages.h"
#include "tdm/demo/smtp_sink.h"
#include "tdm/demo/static_server.h"
#include "tdm/matcher/testing/images.h"

namespace tdm::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

bool WaitUntil(const std::function<bool()>& done, std::chrono::seconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(200ms);
  }
  return true;
}

std::string Query(const LocalStack& stack, const std::string& sql) {
  pqxx::connection c(stack.dsn());
  pqxx::work tx(c);
  auto r = tx.exec(sql);
  return r.empty() || r[0][0].is_null() ? std::string() : r[0][0].as<std::string>();
}

int64_t Count(const LocalStack& stack, const std::string& sql) {
  const std::string v = Query(stack, sql);
  return v.empty() ? 0 : std::stoll(v);
}

void Write(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// An RDAP answer for an IP network (RFC 9083) whose abuse contact sits in an
// entity nested inside the registrant, as regional registries publish them.
std::string RdapNetwork(const std::string& abuse_email) {
  return R"({"objectClassName": "ip network", "handle": "NET-127-0-0-0-1",
    "startAddress": "127.0.0.0", "endAddress": "127.255.255.255", "name": "LOOPBACK-HOSTING",
    "entities": [{"objectClassName": "entity", "handle": "EXH-1", "roles": ["registrant"],
      "vcardArray": ["vcard", [["version", {}, "text", "4.0"],
                               ["fn", {}, "text", "Example Hosting Ltd"]]],
      "entities": [{"objectClassName": "entity", "handle": "ABUSE-1", "roles": ["abuse"],
        "vcardArray": ["vcard", [["version", {}, "text", "4.0"],
                                 ["fn", {}, "text", "Abuse desk"],
                                 ["email", {}, "text", ")" +
         abuse_email + R"("]]]}]}]})";
}

// A watched forum on loopback with the subject's two photos on two threads.
struct Forum {
  fs::path root;
  fs::path photo_a, photo_b;  // the registered photos (written outside the site)
};

Forum MakeForum(const fs::path& base) {
  Forum f;
  f.root = base / "site";
  fs::create_directories(f.root / "forum");
  f.photo_a = base / "registered-a.png";
  f.photo_b = base / "registered-b.png";
  cv::imwrite(f.photo_a.string(), matcher::testing::SyntheticPhoto(7100, 400, 300));
  cv::imwrite(f.photo_b.string(), matcher::testing::SyntheticPhoto(7200, 400, 300));
  fs::copy_file(f.photo_a, f.root / "forum" / "a.png");
  fs::copy_file(f.photo_b, f.root / "forum" / "b.png");
  Write(f.root / "forum" / "index.html",
        "<html><title>board</title><a href=\"thread1.html\">one</a>"
        "<a href=\"thread2.html\">two</a></html>");
  Write(f.root / "forum" / "thread1.html", "<html><p>leak</p><img src=\"a.png\"></html>");
  Write(f.root / "forum" / "thread2.html", "<html><p>leak</p><img src=\"b.png\"></html>");
  return f;
}

// Registers the subject with both photos and the forum as a watched site;
// returns the site id.
std::string RegisterAndCrawl(const LocalStack& stack, const Forum& forum, uint16_t port,
                             const std::string& subject_name) {
  auto subject =
      Tdm(stack.home(), {"subject", "add", "--name", subject_name, "--email", "jane@example.org",
                         "--phone", "+1 555 0100", "--address", "1 Main St, Springfield"});
  EXPECT_EQ(subject.exit_code, 0) << subject.out;
  const std::string sid = subject.LastWord();
  auto profile = Tdm(stack.home(), {"profile", "add", "--subject", sid, forum.photo_a.string(),
                                    forum.photo_b.string()});
  EXPECT_EQ(profile.exit_code, 0) << profile.out;
  auto site = Tdm(stack.home(), {"site", "add", "--name", "forum", "--allow-private",
                                 "http://127.0.0.1:" + std::to_string(port) + "/forum/index.html"});
  EXPECT_EQ(site.exit_code, 0) << site.out;
  const std::string site_id = site.LastWord();
  EXPECT_EQ(Tdm(stack.home(),
                {"site", "politeness", site_id, "--delay-ms", "0", "--reason", "test server"})
                .exit_code,
            0);
  auto crawl = Tdm(stack.home(), {"crawl", "--site", site_id, "--wait", "--timeout", "60"});
  EXPECT_EQ(crawl.exit_code, 0) << crawl.out;
  return site_id;
}

TEST(Delivery, RemovedAfterTheNoticeWithEvidenceAndAReuploadCitesTheEarlierRequest) {
  const fs::path base = fs::temp_directory_path() / ("tdm-delivery-" + std::to_string(getpid()));
  fs::remove_all(base);
  const Forum forum = MakeForum(base);
  demo::StaticServer site(forum.root);
  auto site_port = site.Start(0);
  ASSERT_TRUE(site_port.ok());
  Write(base / "rdap" / "ip" / "127.0.0.1", RdapNetwork("abuse@hosting.test"));
  demo::StaticServer rdap(base / "rdap");
  auto rdap_port = rdap.Start(0);
  ASSERT_TRUE(rdap_port.ok());
  demo::SmtpSink sink;
  auto smtp_port = sink.Start(0);
  ASSERT_TRUE(smtp_port.ok());
  ScopedEnv env({{"TDM_RDAP_URL", "http://127.0.0.1:" + std::to_string(*rdap_port)},
                 {"TDM_SMTP_URL", "smtp://127.0.0.1:" + std::to_string(*smtp_port)},
                 {"TDM_SMTP_FROM", "legal@ngo.test"},
                 {"TDM_NOTIFIER_EVERY_MS", "300"}});
  LocalStack stack;
  ASSERT_TRUE(stack.up_ok()) << stack.up_result().out << stack.Logs();
  RegisterAndCrawl(stack, forum, *site_port, "Jane Roe");

  // One request for the host with both images, its recipient found by RDAP.
  ASSERT_TRUE(WaitUntil(
      [&] {
        return Count(stack,
                     "SELECT count(*) FROM takedowns t WHERE prepared_at IS NOT NULL AND"
                     " (SELECT count(*) FROM takedown_items i WHERE i.takedown_id = t.id) = 2") ==
               1;
      },
      60s))
      << stack.Logs();
  const std::string id = Query(stack, "SELECT id FROM takedowns");
  auto show = Tdm(stack.home(), {"takedowns", "show", id});
  ASSERT_EQ(show.exit_code, 0) << show.out;
  EXPECT_NE(show.out.find("To: abuse@hosting.test"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("RDAP"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("127.0.0.1"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("dmca-512c3, take-it-down"), std::string::npos) << show.out;

  // Redelivered matches add nothing: no second request, item or event.
  const int64_t events = Count(stack, "SELECT count(*) FROM takedown_events");
  {
    const std::string bootstrap = ReadFile(stack.home() / "run" / "kafka.bootstrap");
    auto producer = MakeKafkaProducer({bootstrap.substr(0, bootstrap.find('\n')), "test"});
    ASSERT_TRUE(producer.ok());
    pqxx::connection c(stack.dsn());
    pqxx::work tx(c);
    for (int round = 0; round < 2; ++round) {
      for (const auto& row : tx.exec("SELECT id, subject_id FROM matches")) {
        MatchItem m;
        m.match_id = row[0].as<int64_t>();
        m.subject_id = row[1].as<int64_t>();
        ASSERT_TRUE(
            (*producer)->Publish(kMatchesTopic, std::to_string(m.subject_id), m.Encode()).ok());
      }
    }
    ASSERT_TRUE((*producer)->Flush(10s).ok());
  }
  for (int i = 0; i < 15; ++i) {
    std::this_thread::sleep_for(200ms);
    ASSERT_EQ(Count(stack, "SELECT count(*) FROM takedowns"), 1);
    ASSERT_EQ(Count(stack, "SELECT count(*) FROM takedown_items"), 2);
    ASSERT_EQ(Count(stack, "SELECT count(*) FROM takedown_events"), events);
  }

  // Sending needs approval first; then one message reaches the recipient.
  auto early = Tdm(stack.home(), {"takedowns", "send", id});
  EXPECT_NE(early.exit_code, 0);
  EXPECT_NE(early.out.find("approve it first"), std::string::npos) << early.out;
  ASSERT_EQ(Tdm(stack.home(), {"takedowns", "approve", id, "--by", "legal-anna"}).exit_code, 0);
  auto sent = Tdm(stack.home(), {"takedowns", "send", id, "--by", "legal-anna"});
  ASSERT_EQ(sent.exit_code, 0) << sent.out;
  ASSERT_TRUE(sink.WaitForMessages(1, 10s));
  const auto mail = sink.messages().at(0);
  EXPECT_EQ(mail.mail_from, "legal@ngo.test");
  ASSERT_EQ(mail.rcpt_to.size(), 1u);
  EXPECT_EQ(mail.rcpt_to[0], "abuse@hosting.test");
  const std::string message_id = Query(stack, "SELECT message_id FROM takedowns WHERE id = " + id);
  ASSERT_FALSE(message_id.empty());
  EXPECT_EQ(mail.Header("Message-ID"), "<" + message_id + ">");
  EXPECT_NE(mail.data.find("thread1.html"), std::string::npos);
  EXPECT_EQ(Query(stack, "SELECT status FROM takedowns WHERE id = " + id), "sent");
  EXPECT_EQ(Count(stack,
                  "SELECT round(extract(epoch FROM deadline_at - sent_at) / 3600)"
                  " FROM takedowns WHERE id = " +
                      id),
            48);
  auto again = Tdm(stack.home(), {"takedowns", "send", id});
  EXPECT_NE(again.exit_code, 0) << "a sent request is not sent twice";
  EXPECT_EQ(sink.messages().size(), 1u);

  // Evidence of each sighting: the page as a WARC record, never image bytes.
  ASSERT_TRUE(WaitUntil(
      [&] {
        return Count(stack,
                     "SELECT count(*) FROM evidence WHERE kind = 'sighting'"
                     " AND warc IS NOT NULL") == 2;
      },
      30s))
      << stack.Logs();
  const fs::path warc = base / "evidence.warc";
  auto evidence = Tdm(stack.home(), {"takedowns", "evidence", id, "--warc", warc.string()});
  ASSERT_EQ(evidence.exit_code, 0) << evidence.out;
  const std::string records = ReadFile(warc);
  EXPECT_EQ(records.rfind("WARC/1.1\r\n", 0), 0u);
  EXPECT_NE(records.find("WARC-Type: warcinfo"), std::string::npos);
  EXPECT_NE(records.find("WARC-Type: response"), std::string::npos);
  EXPECT_NE(records.find("WARC-Type: metadata"), std::string::npos);
  EXPECT_NE(records.find("<p>leak</p><img src=\"a.png\">"), std::string::npos);
  EXPECT_EQ(records.find("\x89PNG"), std::string::npos) << "image bytes in the evidence";

  // Still up: the check finds both images where they were.
  auto check = Tdm(stack.home(), {"takedowns", "verify", id});
  ASSERT_EQ(check.exit_code, 0) << check.out;
  EXPECT_EQ(Query(stack, "SELECT status FROM takedowns WHERE id = " + id), "sent");
  EXPECT_EQ(Count(stack, "SELECT count(*) FROM takedown_items WHERE state = 'present'"), 2)
      << check.out;

  // The host complies: one image deleted (404), the other thread moved to the
  // board's index (a redirect elsewhere, without the image).
  fs::remove(forum.root / "forum" / "a.png");
  fs::remove(forum.root / "forum" / "thread2.html");
  Write(forum.root / "forum" / "thread2.html.redirect", "/forum/index.html");
  auto verified = Tdm(stack.home(), {"takedowns", "verify", id});
  ASSERT_EQ(verified.exit_code, 0) << verified.out;
  EXPECT_NE(verified.out.find("sent -> removed"), std::string::npos) << verified.out;
  EXPECT_EQ(Query(stack, "SELECT status FROM takedowns WHERE id = " + id), "removed");
  EXPECT_EQ(Count(stack, "SELECT count(*) FROM takedown_items WHERE state = 'removed'"), 2);
  EXPECT_NE(Query(stack, "SELECT state_reason FROM takedown_items WHERE image_url LIKE '%/b.png'")
                .find("redirect"),
            std::string::npos);
  EXPECT_EQ(Count(stack,
                  "SELECT count(*) FROM evidence WHERE kind = 'check' AND verdict ="
                  " 'removed' AND takedown_id = " +
                      id),
            2);
  auto history = Tdm(stack.home(), {"takedowns", "history", id});
  EXPECT_NE(history.out.find("sent"), std::string::npos);
  EXPECT_NE(history.out.find("verified removed"), std::string::npos) << history.out;
  auto listed = Tdm(stack.home(), {"takedowns", "list", "--json"});
  const auto requests = nlohmann::json::parse(listed.out);
  ASSERT_EQ(requests.size(), 1u) << listed.out;
  EXPECT_EQ(requests[0]["status"], "removed");
  EXPECT_EQ(requests[0]["recipient"]["email"], "abuse@hosting.test");
  EXPECT_EQ(requests[0]["items"][0]["state"], "removed");

  // The removed request stays watched: one image back at its old URL is
  // listed again in a new draft that cites it.
  fs::copy_file(forum.photo_a, forum.root / "forum" / "a.png");
  auto watched = Tdm(stack.home(), {"takedowns", "verify", id});
  ASSERT_EQ(watched.exit_code, 0) << watched.out;
  EXPECT_NE(watched.out.find("removed (1 removed, 1 still up, 0 unknown); back online: listed"
                             " again in request "),
            std::string::npos)
      << watched.out;
  EXPECT_EQ(Query(stack, "SELECT status FROM takedowns WHERE id = " + id), "removed");
  const std::string back = Query(stack, "SELECT id FROM takedowns WHERE status = 'draft'");
  ASSERT_FALSE(back.empty());
  EXPECT_EQ(Query(stack, "SELECT array_to_string(cites, ',') FROM takedowns WHERE id = " + back),
            id);
  EXPECT_EQ(Query(stack,
                  "SELECT string_agg(image_url, ' ') FROM takedown_items"
                  " WHERE takedown_id = " +
                      back),
            "http://127.0.0.1:" + std::to_string(*site_port) + "/forum/a.png");
  EXPECT_NE(Tdm(stack.home(), {"takedowns", "history", id}).out.find("back online at "),
            std::string::npos);

  // The other image comes back at a new URL: a new match, in the same draft.
  fs::copy_file(forum.photo_b, forum.root / "forum" / "b-again.png");
  Write(forum.root / "forum" / "thread3.html", "<html><img src=\"b-again.png\"></html>");
  Write(forum.root / "forum" / "index.html",
        "<html><a href=\"thread1.html\">one</a><a href=\"thread3.html\">three</a></html>");
  const std::string site_id = Query(stack, "SELECT id FROM sites");
  ASSERT_EQ(Tdm(stack.home(), {"crawl", "--site", site_id, "--wait", "--timeout", "60"}).exit_code,
            0);
  ASSERT_TRUE(WaitUntil(
      [&] {
        return Count(stack,
                     "SELECT count(*) FROM takedowns WHERE status = 'draft'"
                     " AND prepared_at IS NOT NULL") == 1;
      },
      60s))
      << stack.Logs();
  const std::string reupload = Query(stack, "SELECT id FROM takedowns WHERE status = 'draft'");
  EXPECT_EQ(reupload, back);
  EXPECT_EQ(Count(stack, "SELECT count(*) FROM takedown_items WHERE takedown_id = " + reupload), 2);
  EXPECT_EQ(
      Query(stack, "SELECT array_to_string(cites, ',') FROM takedowns WHERE id = " + reupload), id);
  auto shown = Tdm(stack.home(), {"takedowns", "show", reupload});
  EXPECT_NE(shown.out.find("Re-upload of the content of request(s): " + id), std::string::npos)
      << shown.out;
  EXPECT_NE(shown.out.find("#" + id), std::string::npos) << shown.out;
  fs::remove_all(base);
}

TEST(Delivery, IgnoredPastItsDeadlineThenEscalatedAndARefusingServerLosesNothing) {
  const fs::path base = fs::temp_directory_path() / ("tdm-overdue-" + std::to_string(getpid()));
  fs::remove_all(base);
  const Forum forum = MakeForum(base);
  Write(forum.root / ".well-known" / "security.txt",
        "# our contacts\nContact: mailto:security@forum.test\nExpires: 2099-01-01T00:00:00Z\n");
  demo::StaticServer site(forum.root);
  auto site_port = site.Start(0);
  ASSERT_TRUE(site_port.ok());
  // The RDAP server answers garbage: the lookup fails, security.txt is used.
  Write(base / "rdap" / "ip" / "127.0.0.1", "{\"objectClassName\": \"ip network\", \"entit");
  demo::StaticServer rdap(base / "rdap");
  auto rdap_port = rdap.Start(0);
  ASSERT_TRUE(rdap_port.ok());
  demo::SmtpSink sink;
  sink.set_behaviour(demo::SmtpSink::Behaviour::kRejectRecipient);
  auto smtp_port = sink.Start(0);
  ASSERT_TRUE(smtp_port.ok());
  // The legal team's own copy of the templates, edited while the stack runs.
  const fs::path templates = base / "templates";
  fs::copy(TDM_TEMPLATES_DIR, templates);
  ScopedEnv env({{"TDM_RDAP_URL", "http://127.0.0.1:" + std::to_string(*rdap_port)},
                 {"TDM_SMTP_URL", "smtp://127.0.0.1:" + std::to_string(*smtp_port)},
                 {"TDM_SMTP_FROM", "legal@ngo.test"},
                 {"TDM_NOTIFIER_EVERY_MS", "300"},
                 {"TDM_NOTIFIER_RECONCILE_MS", "500"},
                 {"TDM_TEMPLATE_DIR", templates.string()}});
  LocalStack stack;
  ASSERT_TRUE(stack.up_ok()) << stack.up_result().out << stack.Logs();
  const std::string site_id = RegisterAndCrawl(stack, forum, *site_port, "Jane Doe");
  ASSERT_TRUE(WaitUntil(
      [&] {
        return Count(stack,
                     "SELECT count(*) FROM takedowns t WHERE prepared_at IS NOT NULL"
                     " AND recipient_email <> '' AND (SELECT count(*) FROM takedown_items i"
                     " WHERE i.takedown_id = t.id) = 2") == 1;
      },
      60s))
      << stack.Logs();
  const std::string id = Query(stack, "SELECT id FROM takedowns");
  EXPECT_EQ(Query(stack, "SELECT recipient_email FROM takedowns"), "security@forum.test");
  EXPECT_NE(Query(stack, "SELECT recipient_source FROM takedowns").find("security.txt"),
            std::string::npos);
  EXPECT_NE(
      Query(stack, "SELECT array_to_string(problems, ' | ') FROM recipient_cache").find("RDAP"),
      std::string::npos);

  // The legal team knows the site's agent: the draft is prepared again for it.
  auto bad_contact = Tdm(stack.home(), {"site", "set-contact", site_id, "not an address"});
  EXPECT_NE(bad_contact.exit_code, 0);
  ASSERT_EQ(Tdm(stack.home(), {"site", "set-contact", site_id, "agent@forum.test"}).exit_code, 0);
  ASSERT_TRUE(WaitUntil(
      [&] { return Query(stack, "SELECT recipient_email FROM takedowns") == "agent@forum.test"; },
      30s))
      << stack.Logs();
  // The subject does not own the copyright: TAKE IT DOWN only; 2 s to remove.
  ASSERT_EQ(Tdm(stack.home(), {"subject", "situation", Query(stack, "SELECT id FROM subjects"),
                               "--owns-copyright", "no", "--region", "us"})
                .exit_code,
            0);
  // Prepared again, under TAKE IT DOWN alone.
  const auto take_it_down_only = [&] {
    return Query(stack,
                 "SELECT array_to_string(regimes, ',') || ':' ||"
                 " (prepared_at IS NOT NULL) FROM takedowns") == "take-it-down:true";
  };
  ASSERT_TRUE(WaitUntil(take_it_down_only, 30s)) << stack.Logs();
  // A person may choose the regimes before approval; the text follows.
  auto unknown = Tdm(stack.home(), {"takedowns", "regime", id, "eu-dsa-16,magna-carta"});
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_NE(unknown.out.find("unknown regime 'magna-carta'"), std::string::npos) << unknown.out;
  ASSERT_EQ(
      Tdm(stack.home(), {"takedowns", "regime", id, "eu-dsa-16", "--by", "legal-anna"}).exit_code,
      0);
  ASSERT_TRUE(WaitUntil(
      [&] {
        return Tdm(stack.home(), {"takedowns", "show", id})
                       .out.find("Regimes: eu-dsa-16 (set by legal-anna)") != std::string::npos &&
               Query(stack, "SELECT body FROM takedowns").find("Article 16") != std::string::npos;
      },
      30s))
      << Tdm(stack.home(), {"takedowns", "show", id}).out;
  ASSERT_EQ(Tdm(stack.home(), {"takedowns", "regime", id, "auto"}).exit_code, 0);
  ASSERT_TRUE(WaitUntil(take_it_down_only, 30s)) << stack.Logs();
  // An edit that drops the statement of non-consent reaches the running
  // notifier: the draft is redrafted and cannot be approved; the fix restores it.
  const std::string original = ReadFile(templates / "take-it-down.txt");
  std::string edited = original;
  const size_t statement = edited.find("I have a good faith belief");
  ASSERT_NE(statement, std::string::npos);
  edited.erase(statement, edited.find('\n', statement) - statement);
  Write(templates / "take-it-down.txt", edited);
  ASSERT_TRUE(WaitUntil(
      [&] {
        return Query(stack, "SELECT array_to_string(missing, ', ') FROM takedowns")
                   .find("(template take-it-down.txt)") != std::string::npos;
      },
      30s))
      << stack.Logs();
  auto blocked = Tdm(stack.home(), {"takedowns", "approve", id});
  EXPECT_NE(blocked.exit_code, 0);
  EXPECT_NE(blocked.out.find("(template take-it-down.txt)"), std::string::npos) << blocked.out;
  Write(templates / "take-it-down.txt", original);
  ASSERT_TRUE(WaitUntil(
      [&] {
        return Query(stack,
                     "SELECT array_to_string(missing, ', ') || ':' ||"
                     " (prepared_at IS NOT NULL) FROM takedowns") == ":true";
      },
      30s))
      << stack.Logs();
  auto deadline = Tdm(stack.home(), {"takedowns", "deadline", "take-it-down", "2s", "--check-every",
                                     "1s", "--by", "legal-anna"});
  ASSERT_EQ(deadline.exit_code, 0) << deadline.out;
  ASSERT_EQ(Tdm(stack.home(), {"takedowns", "approve", id}).exit_code, 0);

  // The mail server refuses the recipient: nothing is marked sent.
  auto refused = Tdm(stack.home(), {"takedowns", "send", id});
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.out.find("550"), std::string::npos) << refused.out;
  EXPECT_EQ(Query(stack, "SELECT status FROM takedowns WHERE id = " + id), "approved");
  EXPECT_NE(Tdm(stack.home(), {"takedowns", "history", id}).out.find("failed"), std::string::npos);
  const std::string message_id = Query(stack, "SELECT message_id FROM takedowns WHERE id = " + id);
  ASSERT_FALSE(message_id.empty());
  // It accepts again: the same message goes, with the same Message-ID.
  sink.set_behaviour(demo::SmtpSink::Behaviour::kAccept);
  auto sent = Tdm(stack.home(), {"takedowns", "send", id});
  ASSERT_EQ(sent.exit_code, 0) << sent.out;
  ASSERT_TRUE(sink.WaitForMessages(1, 10s));
  EXPECT_EQ(sink.messages().at(0).rcpt_to.at(0), "agent@forum.test");
  EXPECT_EQ(sink.messages().at(0).Header("Message-ID"), "<" + message_id + ">");

  // Nothing is removed; the deadline passes; the request becomes overdue.
  ASSERT_TRUE(WaitUntil(
      [&] { return Query(stack, "SELECT status FROM takedowns WHERE id = " + id) == "overdue"; },
      30s))
      << stack.Logs();
  ASSERT_TRUE(WaitUntil(
      [&] {
        return Count(stack, "SELECT count(*) FROM takedown_items WHERE state = 'present'") == 2;
      },
      30s))
      << stack.Logs();

  // Escalated to the security contact (no hosting abuse contact was found).
  auto nobody = Tdm(stack.home(), {"takedowns", "escalate", id, "--to", "hosting-abuse", "--reason",
                                   "no answer"});
  EXPECT_NE(nobody.exit_code, 0);
  EXPECT_NE(nobody.out.find("security-txt"), std::string::npos) << nobody.out;
  auto escalated = Tdm(stack.home(), {"takedowns", "escalate", id, "--to", "security-txt",
                                      "--reason", "no answer within the deadline"});
  ASSERT_EQ(escalated.exit_code, 0) << escalated.out;
  EXPECT_EQ(Query(stack, "SELECT status FROM takedowns WHERE id = " + id), "escalated");
  auto shown = Tdm(stack.home(), {"takedowns", "show", id});
  EXPECT_NE(shown.out.find("Escalation to security@forum.test"), std::string::npos) << shown.out;
  EXPECT_NE(shown.out.find("> "), std::string::npos) << "the original notice, quoted";
  auto escalation = Tdm(stack.home(), {"takedowns", "send", id});
  ASSERT_EQ(escalation.exit_code, 0) << escalation.out;
  ASSERT_TRUE(sink.WaitForMessages(2, 10s));
  const auto second = sink.messages().at(1);
  EXPECT_EQ(second.rcpt_to.at(0), "security@forum.test");
  EXPECT_EQ(second.Header("In-Reply-To"), "<" + message_id + ">");
  EXPECT_NE(second.Header("Subject").find("Escalation"), std::string::npos);

  // Records for the legal team.
  auto csv = Tdm(stack.home(), {"takedowns", "export", "--format", "csv"});
  ASSERT_EQ(csv.exit_code, 0) << csv.out;
  EXPECT_NE(csv.out.find(id + ",escalated,"), std::string::npos) << csv.out;
  EXPECT_NE(csv.out.find(",present,"), std::string::npos) << csv.out;
  auto lumen = Tdm(stack.home(), {"takedowns", "export", "--format", "lumen-json"});
  ASSERT_EQ(lumen.exit_code, 0) << lumen.out;
  const auto notices = nlohmann::json::parse(lumen.out);
  ASSERT_EQ(notices.size(), 1u);
  EXPECT_EQ(notices[0]["notice"]["works_attributes"][0]["infringing_urls_attributes"].size(), 4u);
  EXPECT_EQ(lumen.out.find("Jane Doe"), std::string::npos) << "Lumen publishes notices";
  auto eml = Tdm(stack.home(),
                 {"takedowns", "export", "--format", "eml", "--out", (base / "eml").string()});
  ASSERT_EQ(eml.exit_code, 0) << eml.out;
  const std::string message = ReadFile(base / "eml" / ("tdm-request-" + id + ".eml"));
  EXPECT_NE(message.find("Message-ID: <" + message_id + ">\r\n"), std::string::npos) << message;
  EXPECT_NE(message.find("To: agent@forum.test\r\n"), std::string::npos) << message;
  fs::remove_all(base);
}

}  // namespace
}  // namespace tdm::testing
