#pragma once

// In-memory stand-ins for the outside systems, for unit tests only (STYLE.md:
// fakes before mocks). Integration tests use the real Kafka, PostgreSQL and HTTP.

#include <map>
#include <string>
#include <vector>

#include "tdm/common/fetcher.h"
#include "tdm/common/kafka.h"

namespace tdm::testing {

// Records what was published; can be told to fail like a broker that is away.
class RecordingProducer final : public Producer {
 public:
  Status Publish(std::string_view topic, std::string_view key, std::string_view value) override {
    if (fail) return Status::Unavailable("broker away (test)");
    pending.push_back({std::string(topic), 0, 0, std::string(key), std::string(value)});
    return Status::Ok();
  }
  Status Flush(std::chrono::milliseconds) override {
    if (fail) return Status::Unavailable("broker away (test)");
    sent.insert(sent.end(), pending.begin(), pending.end());
    pending.clear();
    return Status::Ok();
  }
  std::vector<Message> On(std::string_view topic) const {
    std::vector<Message> out;
    for (const auto& m : sent) {
      if (m.topic == topic) out.push_back(m);
    }
    return out;
  }

  bool fail = false;
  std::vector<Message> pending;
  std::vector<Message> sent;
};

// Answers each URL from a table; unknown URLs get a connection failure.
class ScriptedFetcher final : public Fetcher {
 public:
  void Serve(const std::string& url, int status, std::string content_type, std::string body) {
    FetchResponse r;
    r.url = url;
    r.final_url = url;
    r.http_status = status;
    r.response_headers = "HTTP/1.1 " + std::to_string(status) + " Test\r\n";
    if (!content_type.empty()) r.response_headers += "Content-Type: " + content_type + "\r\n";
    r.content_type = std::move(content_type);
    r.body = std::move(body);
    table_[url] = std::move(r);
  }
  void SetRetryAfter(const std::string& url, int64_t seconds) { table_[url].retry_after = seconds; }
  // The fetcher's host budget defers `url` (not fetched) for `seconds`.
  void Defer(const std::string& url, int64_t seconds) {
    table_[url].deferred = true;
    table_[url].retry_after = seconds;
    table_[url].status = Status::Unavailable("host budget (test)");
  }
  void SetValidators(const std::string& url, std::string etag, std::string last_modified) {
    table_[url].etag = std::move(etag);
    table_[url].last_modified = std::move(last_modified);
  }
  void Redirect(const std::string& url, const std::string& final_url, std::string body) {
    Serve(url, 200, "text/html", std::move(body));
    table_[url].final_url = final_url;
  }
  std::vector<FetchResponse> FetchAll(const std::vector<FetchRequest>& requests) override {
    std::vector<FetchResponse> out;
    for (const auto& req : requests) {
      fetched.push_back(req.url);
      requests_seen.push_back(req);
      auto it = table_.find(req.url);
      if (it == table_.end()) {
        FetchResponse r;
        r.url = req.url;
        r.status = Status::Unavailable("connection refused (test)");
        out.push_back(r);
        continue;
      }
      FetchResponse r = it->second;
      if (static_cast<int64_t>(r.body.size()) > req.max_bytes) {
        r.body.clear();
        r.status = Status::TooLarge("body over cap (test)");
      }
      out.push_back(std::move(r));
    }
    return out;
  }

  std::vector<FetchRequest> requests_seen;  // every request, politeness included
  std::vector<std::string> fetched;

 private:
  std::map<std::string, FetchResponse> table_;
};

inline Message MessageOf(std::string_view topic, std::string value, int64_t offset = 0) {
  return {std::string(topic), 0, offset, "", std::move(value)};
}

}  // namespace tdm::testing
