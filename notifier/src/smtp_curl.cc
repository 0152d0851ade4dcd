#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <optional>
#include <random>
#include <vector>

#include "tdm/notifier/smtp.h"

namespace tdm::notifier {
namespace {

constexpr size_t kMaxReplyInStatus = 300;

void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// One server reply, its lines joined: "550 5.1.1 <x@y>: no such user".
struct Reply {
  int code = 0;
  std::string text;
};

// Everything curl reports of the conversation: libcurl passes every SMTP
// response line to the header callback.
struct Conversation {
  std::vector<Reply> replies;
  std::string partial;  // text of a multi-line reply still being read
};

size_t OnResponseLine(char* data, size_t size, size_t n, void* user) {
  auto* conv = static_cast<Conversation*>(user);
  std::string_view line(data, size * n);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  if (line.size() < 3 || !std::all_of(line.begin(), line.begin() + 3, [](char c) {
        return std::isdigit(static_cast<unsigned char>(c));
      })) {
    return size * n;
  }
  std::string text;
  for (char c : line.substr(std::min<size_t>(4, line.size()))) {
    const auto u = static_cast<unsigned char>(c);
    text += (u < 0x20 || u == 0x7f) ? ' ' : c;  // server text goes into Status messages
  }
  if (!conv->partial.empty() && !text.empty()) conv->partial += ' ';
  conv->partial += text;
  if (line.size() > 3 && line[3] == '-') return size * n;  // more lines follow
  Reply reply;
  reply.code = std::atoi(std::string(line.substr(0, 3)).c_str());
  reply.text = std::string(line.substr(0, 3)) + (conv->partial.empty() ? "" : " ") + conv->partial;
  if (reply.text.size() > kMaxReplyInStatus) reply.text.resize(kMaxReplyInStatus);
  conv->partial.clear();
  conv->replies.push_back(std::move(reply));
  return size * n;
}

struct Upload {
  std::string_view data;
};

size_t OnRead(char* buffer, size_t size, size_t n, void* user) {
  auto* up = static_cast<Upload*>(user);
  const size_t len = std::min(size * n, up->data.size());
  std::memcpy(buffer, up->data.data(), len);
  up->data.remove_prefix(len);
  return len;
}

// The reply to the end of DATA: the first one after the 354 go-ahead.
std::string ReplyToData(const Conversation& conv) {
  for (size_t i = 0; i + 1 < conv.replies.size(); ++i) {
    if (conv.replies[i].code == 354) return conv.replies[i + 1].text;
  }
  return "";
}

// Maps a failed transfer by the server's last reply code that curl acted
// on (CURLINFO_RESPONSE_CODE: after a refusal curl still sends QUIT, so the
// last reply seen is a 221), then by curl's code.
Status Classify(CURLcode code, long response_code, const Conversation& conv, const char* error,
                const std::string& where) {
  const std::string detail = error[0] != '\0' ? error : curl_easy_strerror(code);
  const Reply* reply = nullptr;
  for (auto it = conv.replies.rbegin(); it != conv.replies.rend() && !reply; ++it) {
    if (it->code == response_code) reply = &*it;
  }
  if (code == CURLE_USE_SSL_FAILED) {
    return Status::Refused(
        "SMTP " + where + ": TLS is required and the server did not start it (" + detail +
        (reply && reply->code >= 400 ? "; server said: " + reply->text : "") + ")");
  }
  if (reply && reply->code >= 500 && reply->code < 600) {
    return Status::Refused("SMTP " + where + " refused the message: " + reply->text + " (" +
                           detail + ")");
  }
  if (reply && reply->code >= 400 && reply->code < 500) {
    return Status::Unavailable("SMTP " + where + " deferred the message: " + reply->text + " (" +
                               detail + ")");
  }
  if (code == CURLE_LOGIN_DENIED) {
    return Status::Refused("SMTP " + where + ": login denied (" + detail + ")");
  }
  if (code == CURLE_URL_MALFORMAT || code == CURLE_UNSUPPORTED_PROTOCOL) {
    return Status::InvalidArgument("SMTP " + where + ": " + detail);
  }
  return Status::Unavailable("SMTP " + where + ": " + detail);
}

class CurlMailer : public Mailer {
 public:
  explicit CurlMailer(SmtpConfig config) : config_(std::move(config)) { GlobalInitOnce(); }

  Result<SendReceipt> Send(const EmailMessage& original) override {
    EmailMessage m = original;
    if (m.from.empty()) {
      m.from = config_.from;
      m.from_name = config_.from_name;
    }
    if (!IsPlausibleEmailAddress(m.from)) {
      return Status::InvalidArgument("e-mail sender is not a plausible address: '" + m.from + "'");
    }
    if (m.to.empty()) return Status::InvalidArgument("e-mail has no To: recipient");
    std::vector<std::string> recipients = m.to;
    recipients.insert(recipients.end(), m.cc.begin(), m.cc.end());
    for (const auto& r : recipients) {
      if (!IsPlausibleEmailAddress(r)) {
        return Status::InvalidArgument("e-mail recipient is not a plausible address: '" + r + "'");
      }
    }
    if (m.message_id.empty()) m.message_id = MakeMessageId(0, m.from, RandomNonce());
    if (m.date == std::chrono::system_clock::time_point{})
      m.date = std::chrono::system_clock::now();

    const std::string text = FormatRfc5322(m);
    Upload upload{text};
    Conversation conv;
    char error[CURL_ERROR_SIZE] = {0};
    const std::string mail_from = "<" + m.from + ">";
    curl_slist* rcpt = nullptr;
    for (const auto& r : recipients) rcpt = curl_slist_append(rcpt, ("<" + r + ">").c_str());
    CURL* e = curl_easy_init();
    if (e == nullptr || rcpt == nullptr) {
      curl_slist_free_all(rcpt);
      if (e) curl_easy_cleanup(e);
      return Status::Internal("cannot set up a libcurl transfer");
    }
    const long timeout_ms = static_cast<long>(
        std::chrono::duration_cast<std::chrono::milliseconds>(config_.timeout).count());
    curl_easy_setopt(e, CURLOPT_URL, config_.url.c_str());
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(e, CURLOPT_MAIL_FROM, mail_from.c_str());
    curl_easy_setopt(e, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(e, CURLOPT_READFUNCTION, OnRead);
    curl_easy_setopt(e, CURLOPT_READDATA, &upload);
    curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(text.size()));
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, OnResponseLine);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, &conv);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(e, CURLOPT_USE_SSL,
                     config_.require_tls ? static_cast<long>(CURLUSESSL_ALL)
                                         : static_cast<long>(CURLUSESSL_TRY));
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    if (!config_.username.empty()) {
      curl_easy_setopt(e, CURLOPT_USERNAME, config_.username.c_str());
      curl_easy_setopt(e, CURLOPT_PASSWORD, config_.password.c_str());
    }
    const CURLcode code = curl_easy_perform(e);
    // Judged before cleanup, which may send QUIT: its 221 reply still reaches
    // `conv` (which outlives e) but says nothing about the message.
    std::optional<Status> failure;
    if (code != CURLE_OK) {
      long response_code = 0;
      curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &response_code);
      failure = Classify(code, response_code, conv, error, HostOf(config_.url));
    }
    SendReceipt receipt;
    receipt.message_id = m.message_id;
    receipt.server_reply = ReplyToData(conv);
    curl_easy_cleanup(e);
    curl_slist_free_all(rcpt);
    if (failure) return *std::move(failure);
    return receipt;
  }

 private:
  static uint64_t RandomNonce() {
    std::random_device rd;
    return (static_cast<uint64_t>(rd()) << 32) ^ rd();
  }
  // "host:port" for messages (the URL holds no credentials: Validate).
  static std::string HostOf(const std::string& url) {
    const size_t scheme = url.find("://");
    std::string rest = scheme == std::string::npos ? url : url.substr(scheme + 3);
    return rest.substr(0, rest.find_first_of("/?#"));
  }

  const SmtpConfig config_;
};

bool HasControl(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

}  // namespace

Status SmtpConfig::Validate() const {
  const std::string lower = Lower(url);
  const bool smtps = lower.rfind("smtps://", 0) == 0;
  if (!smtps && lower.rfind("smtp://", 0) != 0) {
    return Status::InvalidArgument("smtp url must start with smtp:// or smtps://: '" + url + "'");
  }
  const std::string authority = lower.substr(lower.find("://") + 3, std::string::npos);
  const std::string host_port = authority.substr(0, authority.find_first_of("/?#"));
  if (host_port.find('@') != std::string::npos) {
    // Not echoed: it may hold the password.
    return Status::InvalidArgument(
        "smtp url must not carry credentials; set username and password (TDM_SMTP_USER, "
        "TDM_SMTP_PASSWORD) instead");
  }
  std::string host = host_port;
  if (!host.empty() && host[0] == '[') {
    host = host.substr(0, host.find(']') == std::string::npos ? 0 : host.find(']') + 1);
  } else {
    host = host.substr(0, host.find(':'));
  }
  if (host.empty() || HasControl(url) || url.find(' ') != std::string::npos) {
    return Status::InvalidArgument("smtp url has no valid host: '" + url + "'");
  }
  if (!IsPlausibleEmailAddress(from)) {
    return Status::InvalidArgument("smtp from is not a plausible e-mail address: '" + from + "'");
  }
  if (HasControl(from_name)) {
    return Status::InvalidArgument("smtp from_name must not contain control characters");
  }
  if (!password.empty() && username.empty()) {
    return Status::InvalidArgument("smtp password given without a username");
  }
  if (!password.empty() && !smtps && !require_tls) {
    return Status::InvalidArgument(
        "smtp password over smtp:// needs require_tls (or an smtps:// url): it could be sent in "
        "clear");
  }
  if (timeout.count() <= 0) return Status::InvalidArgument("smtp timeout must be positive");
  return Status::Ok();
}

SmtpConfig SmtpConfig::FromEnv(SmtpConfig defaults) {
  auto override_with = [](const char* name, std::string& field) {
    if (const char* v = std::getenv(name); v != nullptr && v[0] != '\0') field = v;
  };
  override_with("TDM_SMTP_URL", defaults.url);
  override_with("TDM_SMTP_FROM", defaults.from);
  override_with("TDM_SMTP_USER", defaults.username);
  override_with("TDM_SMTP_PASSWORD", defaults.password);
  return defaults;
}

std::unique_ptr<Mailer> MakeCurlMailer(SmtpConfig config) {
  return std::make_unique<CurlMailer>(std::move(config));
}

}  // namespace tdm::notifier
