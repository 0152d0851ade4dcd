// The libcurl mailer against a real SMTP server on 127.0.0.1 (the demo
// sink): what arrives, STARTTLS, and how every refusal is reported. Needs
// neither PostgreSQL nor Kafka.

#include "tdm/notifier/smtp.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "tdm/demo/smtp_sink.h"
#include "tdm/notifier/email.h"

namespace tdm {
namespace {

using namespace std::chrono_literals;
using demo::SmtpSink;
using notifier::EmailMessage;
using notifier::SmtpConfig;

constexpr char kPassword[] = "s3cret-Pa55word";

class Smtp : public ::testing::Test {
 protected:
  SmtpSink& StartSink(SmtpSink::Behaviour behaviour = SmtpSink::Behaviour::kAccept,
                      bool advertise_starttls = false) {
    SmtpSink::Options o;
    o.behaviour = behaviour;
    o.advertise_starttls = advertise_starttls;
    sink_ = std::make_unique<SmtpSink>(o);
    auto port = sink_->Start(0);
    EXPECT_TRUE(port.ok()) << port.status().ToString();
    return *sink_;
  }

  SmtpConfig Config() const {
    SmtpConfig c;
    c.url = "smtp://127.0.0.1:" + std::to_string(sink_->port());
    c.from = "notices@tdm.example";
    c.from_name = "tdm notices";
    c.timeout = 10s;
    return c;
  }

  static EmailMessage Notice() {
    EmailMessage m;
    m.from = "notices@tdm.example";
    m.from_name = "Équipe tdm — notices";
    m.to = {"abuse@leaks.example", "dmca@leaks.example"};
    m.cc = {"case-42@tdm.example"};
    m.subject = "Removal request: non-consensual intimate images (tdm request #42) — ünïcödé";
    m.message_id = notifier::MakeMessageId(42, m.from, 0xfeedbeef);
    m.date = std::chrono::system_clock::now();
    m.extra_headers = {{"X-Tdm-Request", "42"}};
    m.body =
        "Dear operator,\n\nZoë asks you to remove these images: 日本語, naïve café 🙂\n" +
        ("https://leaks.example/t/1.html?ref=" + std::string(1965, 'a')) + "\n" +
        ".a line that starts with a dot\n.\n..\n" + "trailing spaces   \ntab\tend\t\n" +
        "a = sign and =3D that is not an escape\n\nthe last line has no newline";
    return m;
  }

  std::unique_ptr<SmtpSink> sink_;
};

TEST_F(Smtp, AMessageArrivesWithItsEnvelopeHeadersAndBodyIntact) {
  SmtpSink& sink = StartSink();
  const EmailMessage m = Notice();
  ASSERT_EQ(m.body
                .substr(m.body.find("https://"),
                        m.body.find('\n', m.body.find("https://")) - m.body.find("https://"))
                .size(),
            2000u);
  auto receipt = notifier::MakeCurlMailer(Config())->Send(m);
  ASSERT_TRUE(receipt.ok()) << receipt.status().ToString();
  EXPECT_EQ(receipt->message_id, m.message_id);
  EXPECT_EQ(receipt->server_reply.rfind("250 ", 0), 0u) << receipt->server_reply;
  EXPECT_NE(receipt->server_reply.find("queued"), std::string::npos) << receipt->server_reply;

  ASSERT_TRUE(sink.WaitForMessages(1, 5s));
  const auto got = sink.messages().at(0);
  EXPECT_EQ(got.mail_from, "notices@tdm.example");
  EXPECT_EQ(got.rcpt_to, (std::vector<std::string>{"abuse@leaks.example", "dmca@leaks.example",
                                                   "case-42@tdm.example"}));
  EXPECT_EQ(got.Header("Message-ID"), "<tdm.42.00000000feedbeef@tdm.example>");
  EXPECT_EQ(got.Header("To"), "abuse@leaks.example, dmca@leaks.example");
  EXPECT_EQ(got.Header("Cc"), "case-42@tdm.example");
  EXPECT_EQ(notifier::DecodeHeaderValue(got.Header("Subject")), m.subject);
  EXPECT_EQ(notifier::DecodeHeaderValue(got.Header("From")),
            "Équipe tdm — notices <notices@tdm.example>");
  EXPECT_EQ(got.Header("X-Tdm-Request"), "42");
  EXPECT_EQ(got.Header("MIME-Version"), "1.0");
  EXPECT_EQ(got.Header("Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(got.Header("Content-Transfer-Encoding"), "quoted-printable");
  EXPECT_NE(got.Header("Date").find("+0000"), std::string::npos);
  EXPECT_EQ(got.HeaderCount("Bcc"), 0);
  EXPECT_EQ(notifier::DecodeQuotedPrintable(got.Body()), m.body) << "byte for byte";
  size_t start = 0;
  for (size_t eol; (eol = got.data.find("\r\n", start)) != std::string::npos; start = eol + 2) {
    EXPECT_LE(eol - start, 78u) << got.data.substr(start, eol - start);
  }
}

TEST_F(Smtp, TheConfiguredSenderMessageIdAndDateFillWhatAMessageLeavesOut) {
  SmtpSink& sink = StartSink();
  EmailMessage m;
  m.to = {"abuse@leaks.example"};
  m.subject = "hello";
  m.body = "hi\n";
  auto receipt = notifier::MakeCurlMailer(Config())->Send(m);
  ASSERT_TRUE(receipt.ok()) << receipt.status().ToString();
  EXPECT_EQ(receipt->message_id.rfind("tdm.0.", 0), 0u) << receipt->message_id;
  EXPECT_NE(receipt->message_id.find("@tdm.example"), std::string::npos);
  ASSERT_TRUE(sink.WaitForMessages(1, 5s));
  const auto got = sink.messages().at(0);
  EXPECT_EQ(got.mail_from, "notices@tdm.example");
  EXPECT_EQ(got.Header("From"), "tdm notices <notices@tdm.example>");
  EXPECT_EQ(got.Header("Message-ID"), "<" + receipt->message_id + ">");
  EXPECT_FALSE(got.Header("Date").empty());
  EXPECT_EQ(got.Header("Date").find("1970"), std::string::npos);
}

TEST_F(Smtp, ImplausibleAddressesAreRefusedBeforeAnythingIsSent) {
  SmtpSink& sink = StartSink();
  auto mailer = notifier::MakeCurlMailer(Config());
  EmailMessage m = Notice();
  m.to = {};
  EXPECT_EQ(mailer->Send(m).status().code(), Status::Code::kInvalidArgument);
  m = Notice();
  m.cc = {"x@evil.example>\r\nRCPT TO:<y@evil.example"};
  EXPECT_EQ(mailer->Send(m).status().code(), Status::Code::kInvalidArgument);
  m = Notice();
  m.from = "not an address";
  EXPECT_EQ(mailer->Send(m).status().code(), Status::Code::kInvalidArgument);
  EXPECT_FALSE(sink.WaitForMessages(1, 100ms));
}

TEST_F(Smtp, TryModeGoesOnInClearWhenStarttlsIsRefusedAndRequireTlsFails) {
  SmtpSink& sink = StartSink(SmtpSink::Behaviour::kAccept, /*advertise_starttls=*/true);
  auto sent = notifier::MakeCurlMailer(Config())->Send(Notice());
  ASSERT_TRUE(sent.ok()) << sent.status().ToString();
  EXPECT_EQ(sink.starttls_refused(), 1) << "curl asked for TLS first";
  ASSERT_TRUE(sink.WaitForMessages(1, 5s));

  SmtpConfig strict = Config();
  strict.require_tls = true;
  auto refused = notifier::MakeCurlMailer(strict)->Send(Notice());
  EXPECT_EQ(refused.status().code(), Status::Code::kRefused) << refused.status().ToString();
  EXPECT_NE(refused.status().message().find("TLS is required"), std::string::npos)
      << refused.status().ToString();
  EXPECT_NE(refused.status().message().find("454"), std::string::npos)
      << refused.status().ToString();
  EXPECT_EQ(sink.starttls_refused(), 2);
  EXPECT_EQ(sink.messages().size(), 1u) << "nothing sent in clear";
}

TEST_F(Smtp, RequireTlsFailsWhenTheServerDoesNotOfferIt) {
  SmtpSink& sink = StartSink();
  SmtpConfig strict = Config();
  strict.require_tls = true;
  strict.username = "tdm";
  strict.password = kPassword;
  ASSERT_TRUE(strict.Validate().ok());
  auto refused = notifier::MakeCurlMailer(strict)->Send(Notice());
  EXPECT_EQ(refused.status().code(), Status::Code::kRefused) << refused.status().ToString();
  EXPECT_NE(refused.status().message().find("TLS"), std::string::npos);
  EXPECT_EQ(refused.status().message().find(kPassword), std::string::npos);
  EXPECT_TRUE(sink.messages().empty());
}

TEST_F(Smtp, EachRefusalMapsToRefusedOrUnavailableWithTheServersText) {
  struct Case {
    SmtpSink::Behaviour behaviour;
    Status::Code code;
    std::vector<std::string> in_message;
  };
  const std::vector<Case> cases = {
      {SmtpSink::Behaviour::kRejectRecipient,
       Status::Code::kRefused,
       {"550", "Recipient address rejected", "abuse@leaks.example"}},
      {SmtpSink::Behaviour::kRejectData, Status::Code::kRefused, {"554", "content refused"}},
      {SmtpSink::Behaviour::kTemporaryFailure,
       Status::Code::kUnavailable,
       {"451", "try again later"}},
      {SmtpSink::Behaviour::kDropAfterGreeting, Status::Code::kUnavailable, {"127.0.0.1"}},
  };
  for (const auto& c : cases) {
    SmtpSink& sink = StartSink(c.behaviour);
    SmtpConfig config = Config();
    auto sent = notifier::MakeCurlMailer(config)->Send(Notice());
    EXPECT_EQ(sent.status().code(), c.code) << sent.status().ToString();
    for (const auto& text : c.in_message) {
      EXPECT_NE(sent.status().message().find(text), std::string::npos)
          << "'" << text << "' in " << sent.status().ToString();
    }
    EXPECT_TRUE(sink.messages().empty()) << sent.status().ToString();
  }
}

TEST_F(Smtp, NothingListeningIsUnavailable) {
  StartSink();
  const SmtpConfig config = Config();  // the port of a sink that is then stopped
  sink_->Stop();
  const auto t0 = std::chrono::steady_clock::now();
  auto sent = notifier::MakeCurlMailer(config)->Send(Notice());
  EXPECT_EQ(sent.status().code(), Status::Code::kUnavailable) << sent.status().ToString();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
}

TEST_F(Smtp, ThePasswordNeverAppearsInAStatus) {
  StartSink(SmtpSink::Behaviour::kAccept, /*advertise_starttls=*/true);
  SmtpConfig config = Config();
  config.username = "tdm";
  config.password = kPassword;
  config.require_tls = true;
  auto sent = notifier::MakeCurlMailer(config)->Send(Notice());
  EXPECT_FALSE(sent.ok());
  EXPECT_EQ(sent.status().message().find(kPassword), std::string::npos);
  // smtps:// to a server that does not speak TLS: the handshake fails.
  config.url = "smtps://127.0.0.1:" + std::to_string(sink_->port());
  sent = notifier::MakeCurlMailer(config)->Send(Notice());
  EXPECT_EQ(sent.status().code(), Status::Code::kUnavailable) << sent.status().ToString();
  EXPECT_EQ(sent.status().message().find(kPassword), std::string::npos);
  EXPECT_TRUE(sink_->messages().empty());
}

TEST(SmtpConfig, ValidateNamesWhatIsWrong) {
  SmtpConfig good;
  good.url = "smtp://mail.tdm.example:587";
  good.from = "notices@tdm.example";
  EXPECT_TRUE(good.Validate().ok()) << good.Validate().ToString();
  auto with = [&](auto change) {
    SmtpConfig c = good;
    change(c);
    return c.Validate();
  };
  EXPECT_TRUE(with([](SmtpConfig& c) { c.url = "SMTPS://[::1]:465"; }).ok());
  EXPECT_TRUE(with([](SmtpConfig& c) {
                c.username = "u";
                c.password = kPassword;
                c.require_tls = true;
              }).ok());
  struct Bad {
    std::function<void(SmtpConfig&)> change;
    std::string says;
  };
  const std::vector<Bad> bad = {
      {[](SmtpConfig& c) { c.url = ""; }, "smtp url"},
      {[](SmtpConfig& c) { c.url = "http://mail.tdm.example"; }, "smtp url"},
      {[](SmtpConfig& c) { c.url = "smtp://"; }, "host"},
      {[](SmtpConfig& c) { c.url = "smtp://:25"; }, "host"},
      {[](SmtpConfig& c) { c.url = std::string("smtp://u:") + kPassword + "@mail.tdm.example"; },
       "credentials"},
      {[](SmtpConfig& c) { c.from = "nobody"; }, "from"},
      {[](SmtpConfig& c) { c.from_name = "a\r\nBcc: x"; }, "from_name"},
      {[](SmtpConfig& c) { c.password = kPassword; }, "without a username"},
      {[](SmtpConfig& c) {
         c.username = "u";
         c.password = kPassword;
       },
       "require_tls"},
      {[](SmtpConfig& c) { c.timeout = std::chrono::seconds(0); }, "timeout"},
  };
  for (const auto& b : bad) {
    const Status s = with(b.change);
    EXPECT_EQ(s.code(), Status::Code::kInvalidArgument) << b.says;
    EXPECT_NE(s.message().find(b.says), std::string::npos) << s.message();
    EXPECT_EQ(s.message().find(kPassword), std::string::npos) << s.message();
  }
}

TEST(SmtpConfig, FromEnvOverridesWhatIsSet) {
  SmtpConfig defaults;
  defaults.url = "smtp://localhost:25";
  defaults.from = "a@tdm.example";
  defaults.from_name = "tdm";
  defaults.username = "keep";
  ::setenv("TDM_SMTP_URL", "smtps://mail.tdm.example", 1);
  ::setenv("TDM_SMTP_FROM", "b@tdm.example", 1);
  ::setenv("TDM_SMTP_USER", "", 1);
  ::setenv("TDM_SMTP_PASSWORD", kPassword, 1);
  const SmtpConfig c = SmtpConfig::FromEnv(defaults);
  ::unsetenv("TDM_SMTP_URL");
  ::unsetenv("TDM_SMTP_FROM");
  ::unsetenv("TDM_SMTP_USER");
  ::unsetenv("TDM_SMTP_PASSWORD");
  EXPECT_EQ(c.url, "smtps://mail.tdm.example");
  EXPECT_EQ(c.from, "b@tdm.example");
  EXPECT_EQ(c.from_name, "tdm");
  EXPECT_EQ(c.username, "keep") << "an empty variable does not override";
  EXPECT_EQ(c.password, kPassword);
  EXPECT_TRUE(c.Validate().ok()) << c.Validate().ToString();
}

}  // namespace
}  // namespace tdm
