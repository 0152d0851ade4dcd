#pragma once

// A small real SMTP server on 127.0.0.1 that keeps what it is sent, for tests
// and the demo (POSIX sockets, no third-party code).

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "tdm/common/status.h"

namespace tdm::demo {
namespace detail {
class LoopbackListener;  // demo/src/loopback_listener.h
}  // namespace detail

// Speaks enough ESMTP (RFC 5321) for a client such as libcurl: a 220
// greeting; EHLO (a multi-line 250 with SIZE and, only when
// advertise_starttls is set, STARTTLS), HELO, MAIL FROM (a SIZE= parameter
// over the cap gets 552), RCPT TO (at most kMaxRecipients), DATA (354, then
// the message up to "<CRLF>.<CRLF>", dot-unstuffed), RSET, NOOP, QUIT;
// anything else gets 502, a command out of order 503.
//
// STARTTLS: the sink has no TLS. With advertise_starttls it offers STARTTLS
// in EHLO but answers the command 454 (TLS not available), which is what a
// client that merely tries TLS (curl's CURLUSESSL_TRY) must survive by going
// on in clear, and what a client that requires TLS must fail on.
//
// Limits: a line (command or message text) of more than kMaxLineBytes
// including CRLF gets "500 5.5.2 line too long" (for a message line, in
// place of the reply to the message, which is not kept); a message over
// max_message_bytes gets 552 and is not kept; each read waits at most
// read_timeout_ms, then the client gets 421 and the connection closes.
// One thread per connection, at most kMaxConnections at a time (more are
// greeted 421 and closed).
//
// Thread-safety: every method may be called from any thread. Stop() is
// idempotent, joins every thread the sink started, and is called by the
// destructor; after Stop() the sink may be started again (messages stay).
class SmtpSink {
 public:
  static constexpr int kMaxConnections = 16;
  static constexpr size_t kMaxLineBytes = 1000;  // RFC 5321 4.5.3.1.6, with CRLF
  static constexpr size_t kMaxRecipients = 100;

  // What the sink does with a transaction, to simulate refusals.
  enum class Behaviour {
    kAccept,             // keep every message
    kRejectRecipient,    // 550 to every RCPT TO
    kRejectData,         // read the message, then 554
    kTemporaryFailure,   // 451 to MAIL FROM
    kDropAfterGreeting,  // send the 220 greeting, then close
  };

  struct Options {
    Behaviour behaviour = Behaviour::kAccept;
    bool advertise_starttls = false;
    size_t max_message_bytes = 10 << 20;
    int read_timeout_ms = 5000;
    std::string hostname = "sink.tdm.test";  // in the greeting and EHLO reply
  };

  // One accepted message.
  struct Message {
    std::string mail_from;             // the MAIL FROM address, without <>
    std::vector<std::string> rcpt_to;  // RCPT TO addresses, without <>, in order
    std::string
        data;  // the message as received, dot-unstuffed, CRLF line ends, without the final "."
    std::chrono::system_clock::time_point received_at;

    // The first header field called `name` (case-blind), unfolded, with
    // surrounding whitespace trimmed; "" when there is none.
    std::string Header(std::string_view name) const;
    // How many header fields are called `name` (case-blind).
    int HeaderCount(std::string_view name) const;
    // What follows the blank line after the headers ("" when none).
    std::string Body() const;
  };

  SmtpSink();
  explicit SmtpSink(Options options);
  ~SmtpSink();
  SmtpSink(const SmtpSink&) = delete;
  SmtpSink& operator=(const SmtpSink&) = delete;

  // Binds 127.0.0.1:`port` (0 picks a free port) and starts serving.
  // Errors: InvalidArgument if already running; Unavailable if the socket
  // cannot be bound.
  Result<uint16_t> Start(uint16_t port = 0);
  void Stop();

  // The bound port; 0 when not running.
  uint16_t port() const;
  // Applies to transactions that start after the call.
  void set_behaviour(Behaviour b) { behaviour_.store(b); }

  // The messages accepted so far, oldest first.
  std::vector<Message> messages() const;
  // Waits until at least `n` messages were accepted or `timeout` passed;
  // true when they were.
  bool WaitForMessages(size_t n, std::chrono::milliseconds timeout) const;
  // STARTTLS commands answered 454.
  int64_t starttls_refused() const { return starttls_refused_.load(); }

 private:
  class Session;

  void Keep(Message message);

  const Options options_;
  std::atomic<Behaviour> behaviour_;
  std::atomic<int64_t> starttls_refused_{0};

  mutable std::mutex messages_mu_;
  mutable std::condition_variable messages_cv_;
  std::vector<Message> messages_;

  // Declared last: destroyed first, so that no connection outlives the state above.
  std::unique_ptr<detail::LoopbackListener> listener_;
};

}  // namespace tdm::demo
