#include <arpa/inet.h>
#include <curl/curl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <mutex>

#include "tdm/common/fetcher.h"

namespace tdm {
namespace {

void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// Per-transfer state, owned by the batch.
struct Transfer {
  CURL* easy = nullptr;
  const FetchRequest* request = nullptr;
  FetchResponse* response = nullptr;
  bool too_large = false;
  bool headers_too_large = false;
  int64_t header_bytes = 0;    // of the current response
  bool headers_ended = false;  // the current response's blank line has passed
  int64_t max_header_bytes = 0;
  bool refused = false;
  bool done = false;
  curl_slist* headers = nullptr;  // the request's session headers, freed with the transfer
  std::vector<std::string> allowed_private_ips;  // with allow_private and a private_host
  std::string refused_ip;
  char error[CURL_ERROR_SIZE] = {0};
};

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t len = size * n;
  if (static_cast<int64_t>(t->response->body.size() + len) > t->request->max_bytes) {
    t->too_large = true;
    return 0;  // aborts the transfer with CURLE_WRITE_ERROR
  }
  t->response->body.append(data, len);
  return len;
}

// Counts each response's header bytes (a status line starts a new response:
// a redirect or a 100 Continue) against the cap.
size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t len = size * n;
  if (len >= 5 && std::memcmp(data, "HTTP/", 5) == 0) {
    t->header_bytes = 0;
    t->headers_ended = false;
    t->response->response_headers.clear();  // only the final hop's are kept
  }
  t->header_bytes += static_cast<int64_t>(len);
  if (t->header_bytes > t->max_header_bytes) {
    t->headers_too_large = true;
    return 0;  // aborts the transfer with CURLE_WRITE_ERROR
  }
  const bool blank =
      (len == 2 && data[0] == '\r' && data[1] == '\n') || (len == 1 && data[0] == '\n');
  if (blank) {
    t->headers_ended = true;
  } else if (!t->headers_ended) {  // trailers after the body are not kept
    t->response->response_headers.append(data, len);
  }
  return len;
}

std::string AddressText(const struct sockaddr* sa) {
  char buf[INET6_ADDRSTRLEN] = {0};
  if (sa->sa_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, buf, sizeof(buf));
  } else if (sa->sa_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, buf, sizeof(buf));
  }
  return buf;
}

// The addresses `host` resolves to (a literal IP resolves to itself).
std::vector<std::string> ResolveHost(std::string host) {
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  std::vector<std::string> out;
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (getaddrinfo(host.c_str(), nullptr, &hints, &res) != 0) return out;
  for (addrinfo* p = res; p; p = p->ai_next) {
    const std::string ip = AddressText(p->ai_addr);
    if (!ip.empty()) out.push_back(ip);
  }
  freeaddrinfo(res);
  return out;
}

// The SSRF guard: every socket curl opens, for the first request and for each
// redirect, passes through here with the address it will connect to.
curl_socket_t OnOpenSocket(void* user, curlsocktype, struct curl_sockaddr* addr) {
  auto* t = static_cast<Transfer*>(user);
  const std::string ip = AddressText(&addr->addr);
  const FetchRequest& r = *t->request;
  const bool allowed =
      !ip.empty() &&
      (!IsPrivateAddress(ip) ||
       (r.allow_private && (r.private_host.empty() ||
                            std::find(t->allowed_private_ips.begin(), t->allowed_private_ips.end(),
                                      ip) != t->allowed_private_ips.end())));
  if (!allowed) {
    t->refused = true;
    t->refused_ip = ip;
    return CURL_SOCKET_BAD;
  }
  return socket(addr->family, addr->socktype, addr->protocol);
}

void Configure(Transfer& t, const FetcherOptions& o) {
  CURL* e = t.easy;
  curl_easy_setopt(e, CURLOPT_URL, t.request->url.c_str());
  curl_easy_setopt(e, CURLOPT_PRIVATE, &t);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, &t);
  t.max_header_bytes = o.max_header_bytes;
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, OnOpenSocket);
  curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, &t);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t.error);
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(e, CURLOPT_MAXREDIRS, static_cast<long>(o.max_redirects));
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(o.connect_timeout.count()));
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(o.total_timeout.count()));
  curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(t.request->max_bytes));
  curl_easy_setopt(e, CURLOPT_USERAGENT, o.user_agent.c_str());
  curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");  // any encoding curl can decode
  curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, static_cast<long>(o.low_speed_bytes));
  curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, static_cast<long>(o.low_speed_time.count()));
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_NOPROXY, "*");
  for (const std::string& h : t.request->headers)
    t.headers = curl_slist_append(t.headers, h.c_str());
  if (!t.request->if_none_match.empty()) {
    t.headers =
        curl_slist_append(t.headers, ("If-None-Match: " + t.request->if_none_match).c_str());
  }
  if (!t.request->if_modified_since.empty()) {
    t.headers = curl_slist_append(t.headers,
                                  ("If-Modified-Since: " + t.request->if_modified_since).c_str());
  }
  if (t.headers) curl_easy_setopt(e, CURLOPT_HTTPHEADER, t.headers);
  if (!t.request->cookie.empty()) curl_easy_setopt(e, CURLOPT_COOKIE, t.request->cookie.c_str());
}

void Finish(Transfer& t, CURLcode code) {
  FetchResponse& r = *t.response;
  long status = 0;
  curl_easy_getinfo(t.easy, CURLINFO_RESPONSE_CODE, &status);
  r.http_status = static_cast<int>(status);
  char* final_url = nullptr;
  if (curl_easy_getinfo(t.easy, CURLINFO_EFFECTIVE_URL, &final_url) == CURLE_OK && final_url) {
    r.final_url = final_url;
  }
  char* ctype = nullptr;
  if (curl_easy_getinfo(t.easy, CURLINFO_CONTENT_TYPE, &ctype) == CURLE_OK && ctype) {
    r.content_type = ctype;
  }
  char* ip = nullptr;
  if (curl_easy_getinfo(t.easy, CURLINFO_PRIMARY_IP, &ip) == CURLE_OK && ip) r.remote_ip = ip;
  double secs = 0;
  curl_easy_getinfo(t.easy, CURLINFO_TOTAL_TIME, &secs);
  r.seconds = secs;
  // Validators of the last response (after redirects), for conditional GET.
  curl_header* h = nullptr;
  if (curl_easy_header(t.easy, "ETag", 0, CURLH_HEADER, -1, &h) == CURLHE_OK && h) {
    r.etag = h->value;
  }
  if (curl_easy_header(t.easy, "Last-Modified", 0, CURLH_HEADER, -1, &h) == CURLHE_OK && h) {
    r.last_modified = h->value;
  }
  curl_off_t retry_after = 0;  // curl reads both delta-seconds and an HTTP date
  if (curl_easy_getinfo(t.easy, CURLINFO_RETRY_AFTER, &retry_after) == CURLE_OK) {
    r.retry_after = static_cast<int64_t>(retry_after);
  }
  if (t.refused) {
    r.status =
        Status::Refused("private or loopback address " + t.refused_ip +
                        (t.request->allow_private ? " (only the site's own host " +
                                                        t.request->private_host + " may be private)"
                                                  : " (the site does not allow private targets)"));
    r.body.clear();
  } else if (t.headers_too_large) {
    r.status =
        Status::TooLarge("response headers over " + std::to_string(t.max_header_bytes) + " bytes");
    r.body.clear();
  } else if (t.too_large || code == CURLE_FILESIZE_EXCEEDED) {
    r.status = Status::TooLarge("body over " + std::to_string(t.request->max_bytes) + " bytes");
    r.body.clear();
  } else if (code == CURLE_UNSUPPORTED_PROTOCOL) {
    r.status = Status::Refused("unsupported scheme");
  } else if (code == CURLE_TOO_MANY_REDIRECTS) {  // a loop, not a passing failure
    r.status = Status::InvalidArgument(t.error[0] ? t.error : "too many redirects");
    r.body.clear();
  } else if (code != CURLE_OK) {
    std::string why = t.error[0] ? t.error : curl_easy_strerror(code);
    r.status = Status::Unavailable(why);
    r.body.clear();
  }
}

class CurlFetcher final : public Fetcher {
 public:
  explicit CurlFetcher(FetcherOptions o) : options_(std::move(o)) {
    GlobalInitOnce();
    multi_ = curl_multi_init();
    curl_multi_setopt(multi_, CURLMOPT_MAX_TOTAL_CONNECTIONS,
                      static_cast<long>(options_.max_concurrency));
    curl_multi_setopt(multi_, CURLMOPT_MAX_HOST_CONNECTIONS,
                      static_cast<long>(options_.max_per_host));
  }
  ~CurlFetcher() override { curl_multi_cleanup(multi_); }

  std::vector<FetchResponse> FetchAll(const std::vector<FetchRequest>& requests) override {
    using Clock = HostGate::Clock;
    const Clock::time_point begin = Clock::now();
    std::vector<FetchResponse> responses(requests.size());
    std::vector<Transfer> transfers(requests.size());
    std::vector<size_t> waiting;  // indices not started yet, in request order
    std::map<std::string, std::vector<std::string>> resolved;  // private_host -> addresses
    for (size_t i = 0; i < requests.size(); ++i) {
      transfers[i].request = &requests[i];
      transfers[i].response = &responses[i];
      responses[i].url = requests[i].url;
      if (requests[i].allow_private && !requests[i].private_host.empty()) {
        auto [it, fresh] = resolved.try_emplace(requests[i].private_host);
        if (fresh) it->second = ResolveHost(requests[i].private_host);
        transfers[i].allowed_private_ips = it->second;
      }
      waiting.push_back(i);
    }
    int running = 0;
    while (!waiting.empty() || running > 0) {
      // Start every request its host's budget allows now; note the earliest
      // time a waiting one may start.
      const Clock::time_point now = Clock::now();
      Clock::time_point wake = now + std::chrono::milliseconds(200);
      std::erase_if(waiting, [&](size_t i) {
        const FetchRequest& r = requests[i];
        if (!r.host_key.empty()) {
          auto at = gate_.NextStart(r.host_key, r.politeness, now);
          if (!at) return false;  // at its concurrency limit: after a completion
          if (*at - begin > options_.max_host_wait) {  // not in this batch: ask again later
            FetchResponse& d = responses[i];
            d.deferred = true;
            d.retry_after =
                std::max<int64_t>(1, std::chrono::ceil<std::chrono::seconds>(*at - now).count());
            d.status = Status::Unavailable("host budget: it may be asked again in " +
                                           std::to_string(d.retry_after) + " s");
            return true;
          }
          if (*at > now) {
            wake = std::min(wake, *at);
            return false;
          }
          gate_.Started(r.host_key, now);
        }
        Transfer& t = transfers[i];
        responses[i].started_after = std::chrono::duration<double>(now - begin).count();
        t.easy = curl_easy_init();
        Configure(t, options_);
        curl_multi_add_handle(multi_, t.easy);
        ++running;
        return true;
      });
      CURLMcode mc = curl_multi_perform(multi_, &running);
      if (mc != CURLM_OK) {
        spdlog::error("curl multi: {}", curl_multi_strerror(mc));
        break;
      }
      int queued = 0;
      bool finished_any = false;
      while (CURLMsg* msg = curl_multi_info_read(multi_, &queued)) {
        if (msg->msg != CURLMSG_DONE) continue;
        Transfer* t = nullptr;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, reinterpret_cast<char**>(&t));
        Finish(*t, msg->data.result);
        t->done = true;
        if (!t->request->host_key.empty()) {
          gate_.Finished(t->request->host_key);
          const int status = t->response->http_status;
          if (status == 429 || status == 503) {  // the host asks us to slow down
            const int64_t wait = t->response->retry_after > 0
                                     ? std::min<int64_t>(t->response->retry_after, 3600)
                                     : 5;
            gate_.Defer(t->request->host_key, Clock::now() + std::chrono::seconds(wait));
          }
        }
        finished_any = true;
      }
      if (finished_any) continue;  // a slot may have opened: look at the waiting at once
      const auto timeout =
          std::chrono::duration_cast<std::chrono::milliseconds>(wake - Clock::now());
      if (running > 0 || !waiting.empty()) {
        curl_multi_poll(multi_, nullptr, 0, static_cast<int>(std::max<int64_t>(1, timeout.count())),
                        nullptr);
      }
    }
    for (Transfer& t : transfers) {
      if (t.easy == nullptr) continue;
      if (!t.done) {  // only after a curl multi failure: free the host's slot
        t.response->status = Status::Unavailable("transfer aborted: the transfer engine failed");
        if (!t.request->host_key.empty()) gate_.Finished(t.request->host_key);
      }
      curl_multi_remove_handle(multi_, t.easy);
      curl_easy_cleanup(t.easy);
      curl_slist_free_all(t.headers);
    }
    for (size_t i : waiting) {  // only after a curl multi failure
      responses[i].status = Status::Unavailable("not started: the transfer engine failed");
    }
    return responses;
  }

 private:
  FetcherOptions options_;
  CURLM* multi_;
  HostGate gate_;
};

}  // namespace

std::unique_ptr<Fetcher> MakeCurlFetcher(const FetcherOptions& options) {
  return std::make_unique<CurlFetcher>(options);
}

bool IsPrivateAddress(const std::string& ip) {
  in_addr v4{};
  if (inet_pton(AF_INET, ip.c_str(), &v4) == 1) {
    const uint32_t a = ntohl(v4.s_addr);
    auto in = [a](uint32_t net, int bits) {
      return bits == 0 || (a >> (32 - bits)) == (net >> (32 - bits));
    };
    return in(0x00000000, 8) || in(0x0A000000, 8) || in(0x64400000, 10) || in(0x7F000000, 8) ||
           in(0xA9FE0000, 16) || in(0xAC100000, 12) || in(0xC0000000, 24) || in(0xC0A80000, 16) ||
           in(0xC6120000, 15) || a >= 0xE0000000;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, ip.c_str(), &v6) == 1) {
    const uint8_t* b = v6.s6_addr;
    static const uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(b, kMapped, 12) == 0) {
      char buf[INET_ADDRSTRLEN];
      inet_ntop(AF_INET, b + 12, buf, sizeof(buf));
      return IsPrivateAddress(buf);
    }
    bool all_zero_but_last = true;
    for (int i = 0; i < 15; ++i) all_zero_but_last &= (b[i] == 0);
    if (all_zero_but_last && (b[15] == 0 || b[15] == 1)) return true;  // :: and ::1
    if ((b[0] & 0xfe) == 0xfc) return true;                            // fc00::/7
    if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return true;            // fe80::/10
    if (b[0] == 0xff) return true;                                     // multicast
    return false;
  }
  return true;  // not an address we understand: refuse
}

}  // namespace tdm
