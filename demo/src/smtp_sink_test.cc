#include "tdm/demo/smtp_sink.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace tdm::demo {
namespace {

using namespace std::chrono_literals;

// A raw SMTP client over a socket: sends bytes verbatim, reads whole replies.
class Client {
 public:
  explicit Client(uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    EXPECT_EQ(::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  }
  ~Client() { ::close(fd_); }

  void Send(const std::string& bytes) {
    EXPECT_EQ(::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(bytes.size()));
  }

  // One whole reply (every line of a multi-line one, CRLF kept); "" when the
  // connection closed or nothing came within `timeout_ms`.
  std::string Reply(int timeout_ms = 5000) {
    std::string reply;
    for (;;) {
      const size_t eol = buf_.find("\r\n");
      if (eol != std::string::npos) {
        const std::string line = buf_.substr(0, eol);
        reply += line + "\r\n";
        buf_.erase(0, eol + 2);
        if (line.size() < 4 || line[3] != '-') return reply;
        continue;
      }
      if (!Fill(timeout_ms)) return "";
    }
  }

  // The code of the next reply (0 when none).
  int Code(int timeout_ms = 5000) {
    const std::string r = Reply(timeout_ms);
    return r.size() >= 3 ? std::stoi(r.substr(0, 3)) : 0;
  }

  // Sends `command` + CRLF and returns the reply.
  std::string Say(const std::string& command) {
    Send(command + "\r\n");
    return Reply();
  }

  // True when the server closes the connection within `timeout_ms`.
  bool ClosedByServer(int timeout_ms = 5000) {
    while (Fill(timeout_ms)) {
    }
    return eof_;
  }

 private:
  bool Fill(int timeout_ms) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) return false;
    char chunk[4096];
    const ssize_t n = ::recv(fd_, chunk, sizeof(chunk), 0);
    if (n <= 0) {
      eof_ = true;
      return false;
    }
    buf_.append(chunk, static_cast<size_t>(n));
    return true;
  }

  int fd_;
  std::string buf_;
  bool eof_ = false;
};

std::unique_ptr<SmtpSink> StartSink(SmtpSink::Options options = SmtpSink::Options()) {
  auto sink = std::make_unique<SmtpSink>(std::move(options));
  auto port = sink->Start(0);
  EXPECT_TRUE(port.ok()) << port.status().ToString();
  return sink;
}

SmtpSink::Options WithBehaviour(SmtpSink::Behaviour b) {
  SmtpSink::Options o;
  o.behaviour = b;
  return o;
}

TEST(SmtpSink, KeepsAMessageWithItsEnvelopeDotUnstuffed) {
  auto sink = StartSink();
  Client c(sink->port());
  EXPECT_EQ(c.Code(), 220);
  const std::string ehlo = c.Say("EHLO client.example");
  EXPECT_EQ(ehlo.rfind("250-", 0), 0u) << ehlo;
  EXPECT_NE(ehlo.find("250-SIZE "), std::string::npos) << ehlo;
  EXPECT_EQ(ehlo.find("STARTTLS"), std::string::npos) << "not advertised unless asked";
  EXPECT_EQ(c.Say("MAIL FROM:<sender@tdm.example> SIZE=120").substr(0, 3), "250");
  EXPECT_EQ(c.Say("RCPT TO:<abuse@host.example>").substr(0, 3), "250");
  EXPECT_EQ(c.Say("RCPT TO:<agent@host.example>").substr(0, 3), "250");
  EXPECT_EQ(c.Say("DATA").substr(0, 3), "354");
  c.Send(
      "Subject: a folded\r\n  subject\r\nX-Empty:\r\nFrom: s@tdm.example\r\n\r\n"
      "line one\r\n..leading dot\r\n...\r\nbare\nlf\r\n.\r\n");
  EXPECT_EQ(c.Code(), 250);
  EXPECT_EQ(c.Say("QUIT").substr(0, 3), "221");
  EXPECT_TRUE(c.ClosedByServer());

  ASSERT_TRUE(sink->WaitForMessages(1, 5s));
  const auto messages = sink->messages();
  ASSERT_EQ(messages.size(), 1u);
  const auto& m = messages[0];
  EXPECT_EQ(m.mail_from, "sender@tdm.example");
  EXPECT_EQ(m.rcpt_to, (std::vector<std::string>{"abuse@host.example", "agent@host.example"}));
  EXPECT_EQ(m.Body(), "line one\r\n.leading dot\r\n..\r\nbare\nlf\r\n");
  EXPECT_EQ(m.Header("subject"), "a folded  subject");
  EXPECT_EQ(m.Header("From"), "s@tdm.example");
  EXPECT_EQ(m.Header("X-Empty"), "");
  EXPECT_EQ(m.HeaderCount("X-Empty"), 1);
  EXPECT_EQ(m.HeaderCount("Bcc"), 0);
  EXPECT_LE(m.received_at, std::chrono::system_clock::now());
}

TEST(SmtpSink, AnswersPipelinedAndOddInputInOrder) {
  auto sink = StartSink();
  Client c(sink->port());
  EXPECT_EQ(c.Code(), 220);
  // Out of order, unknown and empty commands first, all in one write, some
  // with bare LF and lower case.
  c.Send(
      "MAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\nVRFY x\r\n\r\nhelo\r\n"
      "helo client\nmail from:<a@b.example>\nDATA\r\nMAIL FROM:<x@y.example>\r\nRSET\r\n"
      "RCPT TO:<c@d.example>\r\nMAIL FROM:<a@b.example>\r\nrcpt to:<c@d.example>\r\nDATA\r\n"
      "Subject: pipelined\r\n\r\nbody\r\n.\r\nNOOP\r\nMAIL FROM:<>\r\nRCPT TO:<e@f.example>\r\n"
      "DATA\r\n\r\nnull sender\r\n.\r\nQUIT\r\n");
  std::vector<int> codes;
  for (int code; (code = c.Code()) != 0;) codes.push_back(code);
  const std::vector<int> expected = {503, 503, 503, 502, 500, 501, 250, 250, 554, 503, 250,
                                     503, 250, 250, 354, 250, 250, 250, 250, 354, 250, 221};
  EXPECT_EQ(codes, expected);
  ASSERT_TRUE(sink->WaitForMessages(2, 5s));
  const auto messages = sink->messages();
  EXPECT_EQ(messages[0].Header("Subject"), "pipelined");
  EXPECT_EQ(messages[0].Body(), "body\r\n");
  EXPECT_EQ(messages[1].mail_from, "");
  EXPECT_EQ(messages[1].Body(), "null sender\r\n");
}

TEST(SmtpSink, OversizedLinesAndMessagesAreRefusedAndNotKept) {
  SmtpSink::Options o;
  o.max_message_bytes = 4000;
  auto sink = StartSink(o);
  Client c(sink->port());
  EXPECT_EQ(c.Code(), 220);
  EXPECT_EQ(c.Say("NOOP " + std::string(5000, 'x')).substr(0, 3), "500");
  EXPECT_EQ(c.Say("NOOP").substr(0, 3), "250") << "the connection goes on";
  EXPECT_EQ(c.Say("EHLO client").substr(0, 3), "250");
  EXPECT_EQ(c.Say("MAIL FROM:<a@b.example> SIZE=5000").substr(0, 3), "552");
  // A text line over 1000 bytes.
  EXPECT_EQ(c.Say("MAIL FROM:<a@b.example>").substr(0, 3), "250");
  EXPECT_EQ(c.Say("RCPT TO:<c@d.example>").substr(0, 3), "250");
  EXPECT_EQ(c.Say("DATA").substr(0, 3), "354");
  EXPECT_EQ(c.Say("Subject: x\r\n\r\n" + std::string(1200, 'y') + "\r\n.").substr(0, 3), "500");
  // A message over max_message_bytes in short lines.
  EXPECT_EQ(c.Say("MAIL FROM:<a@b.example>").substr(0, 3), "250");
  EXPECT_EQ(c.Say("RCPT TO:<c@d.example>").substr(0, 3), "250");
  EXPECT_EQ(c.Say("DATA").substr(0, 3), "354");
  std::string big;
  for (int i = 0; i < 100; ++i) big += std::string(78, 'z') + "\r\n";
  EXPECT_EQ(c.Say(big + ".").substr(0, 3), "552");
  // Still usable afterwards.
  EXPECT_EQ(c.Say("MAIL FROM:<a@b.example>").substr(0, 3), "250");
  EXPECT_EQ(c.Say("RCPT TO:<c@d.example>").substr(0, 3), "250");
  EXPECT_EQ(c.Say("DATA").substr(0, 3), "354");
  EXPECT_EQ(c.Say("Subject: small\r\n\r\nok\r\n.").substr(0, 3), "250");
  ASSERT_TRUE(sink->WaitForMessages(1, 5s));
  EXPECT_EQ(sink->messages().size(), 1u);
  EXPECT_EQ(sink->messages()[0].Header("Subject"), "small");
}

// Runs one whole transaction; returns the reply codes up to the first
// refusal (or all of them).
std::vector<int> Transaction(uint16_t port) {
  Client c(port);
  std::vector<int> codes = {c.Code()};
  for (const std::string cmd : {"EHLO client", "MAIL FROM:<a@b.example>", "RCPT TO:<c@d.example>",
                                "DATA", "Subject: x\r\n\r\nbody\r\n.", "QUIT"}) {
    if (codes.back() == 0 || codes.back() >= 400) break;
    c.Send(cmd + "\r\n");
    codes.push_back(c.Code());
  }
  return codes;
}

TEST(SmtpSink, EachRefusalModeRefusesWhereItShould) {
  {
    auto sink = StartSink(WithBehaviour(SmtpSink::Behaviour::kRejectRecipient));
    EXPECT_EQ(Transaction(sink->port()), (std::vector<int>{220, 250, 250, 550}));
    EXPECT_TRUE(sink->messages().empty());
  }
  {
    auto sink = StartSink(WithBehaviour(SmtpSink::Behaviour::kRejectData));
    EXPECT_EQ(Transaction(sink->port()), (std::vector<int>{220, 250, 250, 250, 354, 554}));
    EXPECT_TRUE(sink->messages().empty());
  }
  {
    auto sink = StartSink(WithBehaviour(SmtpSink::Behaviour::kTemporaryFailure));
    EXPECT_EQ(Transaction(sink->port()), (std::vector<int>{220, 250, 451}));
    EXPECT_TRUE(sink->messages().empty());
  }
  {
    auto sink = StartSink(WithBehaviour(SmtpSink::Behaviour::kDropAfterGreeting));
    Client c(sink->port());
    EXPECT_EQ(c.Code(), 220);
    EXPECT_TRUE(c.ClosedByServer());
    EXPECT_TRUE(sink->messages().empty());
  }
  {
    auto sink = StartSink(WithBehaviour(SmtpSink::Behaviour::kRejectData));
    sink->set_behaviour(SmtpSink::Behaviour::kAccept);
    EXPECT_EQ(Transaction(sink->port()), (std::vector<int>{220, 250, 250, 250, 354, 250, 221}));
    EXPECT_EQ(sink->messages().size(), 1u);
  }
}

TEST(SmtpSink, AdvertisesStarttlsOnlyWhenAskedAndRefusesIt) {
  SmtpSink::Options o;
  o.advertise_starttls = true;
  auto sink = StartSink(o);
  Client c(sink->port());
  EXPECT_EQ(c.Code(), 220);
  EXPECT_NE(c.Say("EHLO client").find("250-STARTTLS\r\n"), std::string::npos);
  EXPECT_EQ(c.Say("STARTTLS").substr(0, 4), "454 ");
  EXPECT_EQ(sink->starttls_refused(), 1);
  EXPECT_EQ(c.Say("MAIL FROM:<a@b.example>").substr(0, 3), "250") << "goes on in clear";

  auto plain = StartSink();
  Client p(plain->port());
  EXPECT_EQ(p.Code(), 220);
  EXPECT_EQ(p.Say("STARTTLS").substr(0, 3), "502");
  EXPECT_EQ(plain->starttls_refused(), 0);
}

TEST(SmtpSink, ASilentClientTimesOut) {
  SmtpSink::Options o;
  o.read_timeout_ms = 200;
  auto sink = StartSink(o);
  Client c(sink->port());
  EXPECT_EQ(c.Code(), 220);
  EXPECT_EQ(c.Code(2000), 421);
  EXPECT_TRUE(c.ClosedByServer());
}

TEST(SmtpSink, ConcurrentClientsAllGetThrough) {
  auto sink = StartSink();
  std::vector<std::thread> clients;
  for (int i = 0; i < 6; ++i) {
    clients.emplace_back([&] { Transaction(sink->port()); });
  }
  for (auto& t : clients) t.join();
  EXPECT_TRUE(sink->WaitForMessages(6, 5s));
  EXPECT_FALSE(sink->WaitForMessages(7, 50ms));
}

TEST(SmtpSink, StopIsIdempotentWithAnIdleClientAndTheSinkRestarts) {
  auto sink = StartSink();
  Client idle(sink->port());
  EXPECT_EQ(idle.Code(), 220);
  const auto t0 = std::chrono::steady_clock::now();
  sink->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s) << "Stop does not wait for the client";
  EXPECT_TRUE(idle.ClosedByServer());
  sink->Stop();
  EXPECT_EQ(sink->port(), 0);
  auto port = sink->Start(0);
  ASSERT_TRUE(port.ok());
  EXPECT_EQ(Transaction(*port).back(), 221);
  EXPECT_EQ(sink->messages().size(), 1u);
  EXPECT_FALSE(sink->Start(0).ok()) << "already running";
}

}  // namespace
}  // namespace tdm::demo
