#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tdm/common/host_gate.h"
#include "tdm/common/status.h"

namespace tdm {

struct FetchRequest {
  std::string url;
  int64_t max_bytes = 10 << 20;
  // Loopback, private and link-local targets are refused unless the watched
  // site explicitly allows them (checked on every connection, redirects too).
  bool allow_private = false;
  // With allow_private, the private addresses allowed are only those this
  // host name resolves to (the watched site's own host): a site on
  // 127.0.0.1 may not lead the crawler to 127.0.0.2 or 10.0.0.1. Empty: any
  // private address (only for callers that check the target themselves).
  std::string private_host;
  // A site's session (secrets: never logged): extra "Name: value" request
  // headers and a Cookie header value. curl drops the cookie when a redirect
  // leaves the host.
  std::vector<std::string> headers;
  std::string cookie;
  // Conditional GET (validators from an earlier response): a server whose
  // copy is unchanged answers 304 Not Modified without a body. Empty: not sent.
  std::string if_none_match;      // an ETag
  std::string if_modified_since;  // a Last-Modified date
  // Politeness: requests with the same non-empty host_key share one budget
  // (see HostGate), kept by the fetcher across FetchAll() calls. A request
  // waits in the fetcher until its host's budget allows it to start.
  std::string host_key;
  HostGate::Policy politeness;
};

struct FetchResponse {
  std::string url;        // as requested
  std::string final_url;  // after redirects
  int http_status = 0;    // 0 when no response arrived
  std::string content_type;
  std::string body;  // held in memory only; callers never persist image bodies
  double seconds = 0;
  double started_after = 0;  // seconds from the FetchAll() call to this request's start
  int64_t retry_after = 0;   // seconds the server asked to wait (Retry-After); 0: none
  std::string etag;          // the final response's validators; empty: none sent
  std::string last_modified;
  // The final response's status line and header lines as received (CRLFs
  // kept, without the blank line that ends them; trailers and earlier
  // redirect or 100-continue hops not included), for evidence records
  // (notifier/warc.h). Within FetcherOptions::max_header_bytes. They describe
  // the bytes on the wire: `body` is already decoded (Content-Encoding,
  // Transfer-Encoding), so their Content-Length may not match it.
  std::string response_headers;
  // The address the final response came from (CURLINFO_PRIMARY_IP); empty
  // when no connection was made.
  std::string remote_ip;
  // Not fetched: its host's budget (politeness, or a 429/503 deferral) would
  // have kept it waiting longer than FetcherOptions::max_host_wait. status is
  // Unavailable and retry_after says when the host may take it; the caller
  // should ask again then, without counting an attempt.
  bool deferred = false;
  // Not ok when no usable response arrived: Refused (SSRF guard, scheme),
  // TooLarge (body or header cap), InvalidArgument (too many redirects: a loop),
  // Unavailable (DNS, connect, reset, timeout, too slow: may pass). A 404 is ok here, with
  // http_status 404: the caller decides.
  Status status;
};

struct FetcherOptions {
  int max_concurrency = 16;
  int max_per_host = 4;
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds total_timeout{20000};
  int max_redirects = 5;
  // A response slower than this many bytes per second for low_speed_time is
  // abandoned (slow-loris servers), within total_timeout anyway.
  int low_speed_bytes = 256;
  std::chrono::seconds low_speed_time{10};
  // A request whose host's budget would hold it longer than this after the
  // FetchAll() call is not fetched but returned deferred, so that a batch
  // never waits long on one slow host (a consumer that stops polling for
  // minutes is dropped from its group).
  std::chrono::seconds max_host_wait{30};
  // Response headers beyond this many bytes (per response, redirects each
  // counted on their own) abort the transfer as TooLarge. libcurl itself
  // refuses more than 300 KiB in all.
  int64_t max_header_bytes = 128 << 10;
  std::string user_agent = "tdm/0.1 (+takedown monitor)";
};

// Fetches URLs over HTTP(S). FetchAll() runs a batch concurrently, within each
// host's politeness budget, and returns one response per request, in request
// order. A host that answers 429 or 503 is deferred: no request to it starts
// for its Retry-After (capped at an hour), else 5 s. A request that would wait
// for its host longer than max_host_wait comes back deferred, unfetched. Not
// thread-safe: one per thread.
class Fetcher {
 public:
  virtual ~Fetcher() = default;
  virtual std::vector<FetchResponse> FetchAll(const std::vector<FetchRequest>& requests) = 0;
};

// libcurl multi-interface implementation.
std::unique_ptr<Fetcher> MakeCurlFetcher(const FetcherOptions& options);

// True for loopback, RFC 1918, link-local, CGNAT, unspecified, multicast and
// unique-local addresses (IPv4 and IPv6, including v4-mapped v6).
bool IsPrivateAddress(const std::string& ip);

}  // namespace tdm
