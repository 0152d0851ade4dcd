#include "tdm/demo/smtp_sink.h"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <optional>
#include <utility>

#include "loopback_listener.h"

namespace tdm::demo {
namespace {

using detail::SendAll;

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool EqualsNoCase(std::string_view a, std::string_view b) { return Upper(a) == Upper(b); }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// "<addr> PARAM=x ..." after "MAIL FROM:" or "RCPT TO:": the address and the
// parameters, or nullopt when there are no angle brackets.
std::optional<std::pair<std::string, std::string>> ParsePath(std::string_view rest) {
  rest = Trim(rest);
  if (rest.empty() || rest.front() != '<') return std::nullopt;
  const size_t close = rest.find('>');
  if (close == std::string_view::npos) return std::nullopt;
  return std::make_pair(std::string(rest.substr(1, close - 1)),
                        std::string(Trim(rest.substr(close + 1))));
}

// The value of SIZE= among ESMTP parameters, if any.
std::optional<uint64_t> SizeParameter(std::string_view params) {
  const std::string upper = Upper(params);
  const size_t at = upper.find("SIZE=");
  if (at == std::string::npos || (at > 0 && upper[at - 1] != ' ')) return std::nullopt;
  uint64_t size = 0;
  for (size_t i = at + 5; i < upper.size() && std::isdigit(static_cast<unsigned char>(upper[i]));
       ++i) {
    size = size * 10 + static_cast<uint64_t>(upper[i] - '0');
    if (size > (1ull << 50)) break;
  }
  return size;
}

// The header fields of a message, unfolded, in order.
std::vector<std::pair<std::string, std::string>> ParseHeaders(const std::string& data) {
  const size_t blank = data.rfind("\r\n", 0) == 0 ? 0 : data.find("\r\n\r\n");
  const std::string_view block = blank == std::string::npos
                                     ? std::string_view(data)
                                     : std::string_view(data).substr(0, blank + 2);
  std::vector<std::pair<std::string, std::string>> fields;
  size_t start = 0;
  while (start < block.size()) {
    size_t eol = block.find("\r\n", start);
    if (eol == std::string_view::npos) eol = block.size();
    const std::string_view line = block.substr(start, eol - start);
    start = eol + 2;
    if (line.empty()) break;
    if ((line.front() == ' ' || line.front() == '\t') && !fields.empty()) {
      fields.back().second += line;  // folding: CRLF before whitespace is removed
      continue;
    }
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    fields.emplace_back(std::string(line.substr(0, colon)), std::string(line.substr(colon + 1)));
  }
  for (auto& field : fields) field.second = std::string(Trim(field.second));
  return fields;
}

}  // namespace

std::string SmtpSink::Message::Header(std::string_view name) const {
  for (const auto& [n, v] : ParseHeaders(data)) {
    if (EqualsNoCase(n, name)) return v;
  }
  return "";
}

int SmtpSink::Message::HeaderCount(std::string_view name) const {
  int count = 0;
  for (const auto& field : ParseHeaders(data)) count += EqualsNoCase(field.first, name) ? 1 : 0;
  return count;
}

std::string SmtpSink::Message::Body() const {
  if (data.rfind("\r\n", 0) == 0) return data.substr(2);
  const size_t blank = data.find("\r\n\r\n");
  return blank == std::string::npos ? "" : data.substr(blank + 4);
}

// One client's conversation, run on the connection's thread.
class SmtpSink::Session {
 public:
  Session(SmtpSink& sink, int fd) : sink_(sink), fd_(fd) {}

  void Run() {
    if (!Reply("220 " + sink_.options_.hostname + " ESMTP tdm sink ready")) return;
    if (sink_.behaviour_.load() == Behaviour::kDropAfterGreeting) return;
    for (;;) {
      std::string line;
      const ReadResult r = ReadLine(/*data=*/false, &line);
      if (r == ReadResult::kClosed) return;
      if (r == ReadResult::kTimeout) {
        Reply("421 4.4.2 " + sink_.options_.hostname + " timeout, closing");
        return;
      }
      if (r == ReadResult::kTooLong) {
        if (!Reply("500 5.5.2 Line too long")) return;
        continue;
      }
      if (!Dispatch(line)) return;
    }
  }

 private:
  enum class ReadResult { kLine, kTooLong, kClosed, kTimeout };

  bool Reply(const std::string& text) { return SendAll(fd_, text + "\r\n"); }

  // One line without its end. Commands end at LF (an optional CR before it
  // is dropped); message text ends at CRLF only, so a bare LF stays in it.
  ReadResult ReadLine(bool data, std::string* line) {
    bool too_long = false;
    for (;;) {
      const size_t pos = data ? buf_.find("\r\n") : buf_.find('\n');
      if (pos != std::string::npos) {
        const size_t total = pos + (data ? 2 : 1);
        *line = buf_.substr(0, pos);
        buf_.erase(0, total);
        if (!data && !line->empty() && line->back() == '\r') line->pop_back();
        return too_long || total > kMaxLineBytes ? ReadResult::kTooLong : ReadResult::kLine;
      }
      if (buf_.size() > kMaxLineBytes) {  // keep discarding until the line ends
        too_long = true;
        buf_.erase(0, buf_.size() - 1);  // the last byte may be the CR of CRLF
      }
      pollfd p{fd_, POLLIN, 0};
      const int ready = ::poll(&p, 1, sink_.options_.read_timeout_ms);
      if (ready < 0 && errno == EINTR) continue;
      if (ready == 0) return ReadResult::kTimeout;
      if (ready < 0) return ReadResult::kClosed;
      char chunk[4096];
      const ssize_t n = ::recv(fd_, chunk, sizeof(chunk), 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return ReadResult::kClosed;
      buf_.append(chunk, static_cast<size_t>(n));
    }
  }

  void ResetTransaction() {
    mail_from_.reset();
    rcpt_to_.clear();
  }

  // Answers one command; false ends the connection.
  bool Dispatch(const std::string& line) {
    const std::string verb = Upper(line.substr(0, line.find(' ')));
    const std::string_view arg =
        Trim(line.find(' ') == std::string::npos ? "" : std::string_view(line).substr(verb.size()));
    const std::string& host = sink_.options_.hostname;
    if (verb == "EHLO") {
      if (arg.empty()) return Reply("501 5.5.4 Syntax: EHLO hostname");
      greeted_ = true;
      ResetTransaction();
      std::vector<std::string> lines = {host + " greets " + std::string(arg),
                                        "SIZE " + std::to_string(sink_.options_.max_message_bytes)};
      if (sink_.options_.advertise_starttls) lines.push_back("STARTTLS");
      lines.push_back("HELP");
      std::string reply;
      for (size_t i = 0; i < lines.size(); ++i) {
        reply += (i + 1 < lines.size() ? "250-" : "250 ") + lines[i] +
                 (i + 1 < lines.size() ? "\r\n" : "");
      }
      return Reply(reply);
    }
    if (verb == "HELO") {
      if (arg.empty()) return Reply("501 5.5.4 Syntax: HELO hostname");
      greeted_ = true;
      ResetTransaction();
      return Reply("250 " + host);
    }
    if (verb == "STARTTLS" && sink_.options_.advertise_starttls) {
      ++sink_.starttls_refused_;
      return Reply("454 4.7.0 TLS not available");
    }
    if (verb == "MAIL") return Mail(line);
    if (verb == "RCPT") return Rcpt(line);
    if (verb == "DATA") return Data();
    if (verb == "RSET") {
      ResetTransaction();
      return Reply("250 2.0.0 OK");
    }
    if (verb == "NOOP") return Reply("250 2.0.0 OK");
    if (verb == "QUIT") {
      Reply("221 2.0.0 " + host + " closing connection");
      return false;
    }
    if (line.empty()) return Reply("500 5.5.2 Error: bad syntax");
    return Reply("502 5.5.2 Error: command not recognized");
  }

  bool Mail(const std::string& line) {
    if (!greeted_) return Reply("503 5.5.1 Error: send HELO/EHLO first");
    if (mail_from_) return Reply("503 5.5.1 Error: nested MAIL command");
    if (Upper(line).rfind("MAIL FROM:", 0) != 0) {
      return Reply("501 5.5.4 Syntax: MAIL FROM:<address>");
    }
    const auto path = ParsePath(std::string_view(line).substr(10));
    if (!path) return Reply("501 5.5.4 Syntax: MAIL FROM:<address>");
    if (const auto size = SizeParameter(path->second);
        size && *size > sink_.options_.max_message_bytes) {
      return Reply("552 5.3.4 Message size exceeds fixed limit");
    }
    behaviour_ = sink_.behaviour_.load();
    if (behaviour_ == Behaviour::kTemporaryFailure) {
      return Reply("451 4.3.0 Temporary local problem, please try again later");
    }
    mail_from_ = path->first;
    return Reply("250 2.1.0 Ok");
  }

  bool Rcpt(const std::string& line) {
    if (!mail_from_) return Reply("503 5.5.1 Error: need MAIL command");
    if (Upper(line).rfind("RCPT TO:", 0) != 0) return Reply("501 5.5.4 Syntax: RCPT TO:<address>");
    const auto path = ParsePath(std::string_view(line).substr(8));
    if (!path || path->first.empty()) return Reply("501 5.5.4 Syntax: RCPT TO:<address>");
    if (behaviour_ == Behaviour::kRejectRecipient) {
      return Reply("550 5.1.1 <" + path->first + ">: Recipient address rejected: User unknown");
    }
    if (rcpt_to_.size() >= kMaxRecipients) return Reply("452 4.5.3 Error: too many recipients");
    rcpt_to_.push_back(path->first);
    return Reply("250 2.1.5 Ok");
  }

  bool Data() {
    if (!mail_from_) return Reply("503 5.5.1 Error: need MAIL command");
    if (rcpt_to_.empty()) return Reply("554 5.5.1 Error: no valid recipients");
    if (!Reply("354 End data with <CR><LF>.<CR><LF>")) return false;
    std::string data;
    bool line_too_long = false;
    bool too_big = false;
    for (;;) {
      std::string line;
      const ReadResult r = ReadLine(/*data=*/true, &line);
      if (r == ReadResult::kClosed) return false;
      if (r == ReadResult::kTimeout) {
        Reply("421 4.4.2 " + sink_.options_.hostname + " timeout, closing");
        return false;
      }
      if (r == ReadResult::kTooLong) {
        line_too_long = true;
        continue;
      }
      if (line == ".") break;
      if (!line.empty() && line[0] == '.') line.erase(0, 1);  // RFC 5321 4.5.2
      if (too_big || data.size() + line.size() + 2 > sink_.options_.max_message_bytes) {
        too_big = true;
        data.clear();
        continue;
      }
      data += line;
      data += "\r\n";
    }
    Message m;
    m.mail_from = *mail_from_;
    m.rcpt_to = rcpt_to_;
    ResetTransaction();
    if (line_too_long) return Reply("500 5.5.2 Line too long");
    if (too_big) return Reply("552 5.3.4 Message size exceeds fixed limit");
    if (behaviour_ == Behaviour::kRejectData) {
      return Reply("554 5.7.1 Message rejected: content refused by policy");
    }
    m.data = std::move(data);
    m.received_at = std::chrono::system_clock::now();
    sink_.Keep(std::move(m));
    return Reply("250 2.0.0 Ok: queued as " + std::to_string(++queued_));
  }

  SmtpSink& sink_;
  const int fd_;
  std::string buf_;  // bytes read and not yet consumed
  bool greeted_ = false;
  Behaviour behaviour_ = Behaviour::kAccept;  // of the current transaction
  std::optional<std::string> mail_from_;
  std::vector<std::string> rcpt_to_;
  int queued_ = 0;
};

SmtpSink::SmtpSink() : SmtpSink(Options()) {}

SmtpSink::SmtpSink(Options options)
    : options_(std::move(options)),
      behaviour_(options_.behaviour),
      listener_(std::make_unique<detail::LoopbackListener>(
          detail::LoopbackListener::Options{
              .name = "smtp sink",
              .max_connections = kMaxConnections,
              .send_timeout = std::chrono::milliseconds(options_.read_timeout_ms)},
          [this](int fd) {
            Session(*this, fd).Run();
            ::shutdown(fd, SHUT_WR);
          },
          [this](int fd) {
            SendAll(fd, "421 4.3.2 " + options_.hostname +
                            " too many connections, try again later\r\n");
          })) {}

SmtpSink::~SmtpSink() { Stop(); }

Result<uint16_t> SmtpSink::Start(uint16_t port) { return listener_->Start(port); }

void SmtpSink::Stop() { listener_->Stop(); }

uint16_t SmtpSink::port() const { return listener_->port(); }

void SmtpSink::Keep(Message message) {
  {
    std::lock_guard<std::mutex> lock(messages_mu_);
    messages_.push_back(std::move(message));
  }
  messages_cv_.notify_all();
}

std::vector<SmtpSink::Message> SmtpSink::messages() const {
  std::lock_guard<std::mutex> lock(messages_mu_);
  return messages_;
}

bool SmtpSink::WaitForMessages(size_t n, std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(messages_mu_);
  return messages_cv_.wait_for(lock, timeout, [&] { return messages_.size() >= n; });
}

}  // namespace tdm::demo
