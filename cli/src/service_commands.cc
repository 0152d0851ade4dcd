#include "service_commands.h"

#include <spdlog/spdlog.h>

#include <cstdlib>
#include <iostream>
#include <sstream>

#include "stack.h"
#include "tdm/common/metrics.h"
#include "tdm/crawler/crawler.h"
#include "tdm/matcher/matcher.h"
#include "tdm/notifier/notifier.h"

namespace tdm::cli {
namespace {

// A non-negative integer from the environment, or the default (config
// validation refuses values out of range with one line).
int64_t EnvInt(const char* name, int64_t fallback) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return fallback;
  char* end = nullptr;
  long long n = std::strtoll(v, &end, 10);
  return (end && *end == '\0' && n >= 0) ? n : fallback;
}

// A number from the environment, or the default when unset or malformed.
double EnvDouble(const char* name, double fallback) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return fallback;
  char* end = nullptr;
  const double d = std::strtod(v, &end);
  return (end && *end == '\0') ? d : fallback;
}

Result<Endpoints> Setup(const Home& home, const Args& args, const std::string& service) {
  InitLogging(service, args.Has("--verbose"));
  auto e = ResolveEndpoints(home, args.Get("--kafka"), args.Get("--pg"));
  if (!e.ok()) std::cerr << "tdm " << service << ": error: " << e.status().ToString() << "\n";
  return e;
}

std::filesystem::path MetricsFile(const Home& home, const Args& args, const std::string& service) {
  if (auto f = args.Get("--metrics-file")) return *f;
  return home.metrics() / (service + ".prom");
}

// Where the service serves GET /metrics: --metrics-addr, else
// $TDM_METRICS_ADDR, else a free loopback port (its URL is written to
// <home>/run/<service>.metrics for `tdm status`). "off" serves nothing.
template <typename Config>
void ServeMetrics(const Home& home, const Args& args, const std::string& service, Config& c) {
  const char* env = std::getenv("TDM_METRICS_ADDR");
  std::string address = args.Get("--metrics-addr").value_or(env && *env ? env : "127.0.0.1:0");
  c.metrics_address = address == "off" ? "" : address;
  c.metrics_url_file = home.run() / (service + ".metrics");
}

}  // namespace

int RunBrokerCommand(const Home& home, const Args& args) {
  InitLogging("broker", args.Has("--verbose"));
  int brokers = std::atoi(args.Get("--brokers").value_or("3").c_str());
  if (brokers < 1 || brokers > 9) {
    std::cerr << "tdm broker: error: --brokers must be 1..9\n";
    return 2;
  }
  return RunBroker(home, brokers);
}

int RunCrawlerCommand(const Home& home, const Args& args) {
  auto e = Setup(home, args, "crawler");
  if (!e.ok()) return 2;
  crawler::CrawlerConfig c;
  c.kafka_bootstrap = e->kafka_bootstrap;
  c.pg_dsn = e->pg_dsn;
  c.batch_size = static_cast<size_t>(EnvInt("TDM_CRAWLER_BATCH", 32));
  c.max_page_bytes = EnvInt("TDM_CRAWLER_MAX_PAGE_BYTES", c.max_page_bytes);
  c.host_delay = std::chrono::milliseconds(EnvInt("TDM_CRAWL_DELAY_MS", c.host_delay.count()));
  c.host_concurrency = static_cast<int>(EnvInt("TDM_CRAWL_HOST_CONCURRENCY", c.host_concurrency));
  c.fetch.max_per_host = 64;  // the crawler's per-host budget (HostGate) decides
  c.requeue_after = std::chrono::seconds(EnvInt("TDM_REQUEUE_AFTER_S", 60));
  // Query parameters removed from links (tracking, sessions) beyond the
  // built-in list, and exceptions to it; space-separated, '*' as a suffix.
  for (const auto& [name, list] : {std::pair{"TDM_STRIP_PARAMS", &c.scope_rules.strip_params},
                                   std::pair{"TDM_KEEP_PARAMS", &c.scope_rules.keep_params}}) {
    std::istringstream words(std::getenv(name) ? std::getenv(name) : "");
    for (std::string w; words >> w;) list->push_back(w);
  }
  c.schedule_every =
      std::chrono::milliseconds(EnvInt("TDM_SCHEDULE_EVERY_MS", c.schedule_every.count()));
  if (const char* ua = std::getenv("TDM_USER_AGENT"); ua != nullptr && *ua != '\0') {
    // robots.txt groups are chosen by the user agent's product token ("tdm/0.1 ..." -> "tdm").
    c.fetch.user_agent = ua;
    c.robots.user_agent_token =
        c.fetch.user_agent.substr(0, c.fetch.user_agent.find_first_not_of(
                                         "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-"));
  }
  c.metrics_file = MetricsFile(home, args, "crawler");
  ServeMetrics(home, args, "crawler", c);
  return crawler::RunCrawlerService(c);
}

int RunMatcherCommand(const Home& home, const Args& args) {
  auto e = Setup(home, args, "matcher");
  if (!e.ok()) return 2;
  matcher::MatcherConfig c;
  c.kafka_bootstrap = e->kafka_bootstrap;
  c.pg_dsn = e->pg_dsn;
  c.batch_size = static_cast<size_t>(EnvInt("TDM_MATCHER_BATCH", 16));
  c.policy.max_distance = static_cast<int>(EnvInt("TDM_PDQ_MAX_DISTANCE", 31));
  c.policy.min_quality = static_cast<int>(EnvInt("TDM_PDQ_MIN_QUALITY", 50));
  c.limits.max_bytes = EnvInt("TDM_MATCHER_MAX_IMAGE_BYTES", c.limits.max_bytes);
  c.image_host_delay =
      std::chrono::milliseconds(EnvInt("TDM_IMAGE_HOST_DELAY_MS", c.image_host_delay.count()));
  c.image_host_concurrency =
      static_cast<int>(EnvInt("TDM_IMAGE_HOST_CONCURRENCY", c.image_host_concurrency));
  c.fetch.max_per_host = 64;  // the per-image-host budget (HostGate) decides
  const char* faces = std::getenv("TDM_FACES");
  c.faces = !(faces && std::string(faces) == "off");
  c.face_policy.match_distance =
      static_cast<float>(EnvDouble("TDM_FACE_MATCH_DISTANCE", c.face_policy.match_distance));
  c.face_policy.review_distance =
      static_cast<float>(EnvDouble("TDM_FACE_REVIEW_DISTANCE", c.face_policy.review_distance));
  c.face_options.min_face_px =
      static_cast<int>(EnvInt("TDM_FACE_MIN_PX", c.face_options.min_face_px));
  c.face_retention = std::chrono::hours(24 * EnvInt("TDM_FACE_RETENTION_DAYS", 90));
  c.face_purge_every = std::chrono::seconds(EnvInt("TDM_FACE_PURGE_EVERY_S", 600));
  c.metrics_file = MetricsFile(home, args, "matcher");
  ServeMetrics(home, args, "matcher", c);
  return matcher::RunMatcherService(c);
}

int RunNotifierCommand(const Home& home, const Args& args) {
  auto e = Setup(home, args, "notifier");
  if (!e.ok()) return 2;
  notifier::NotifierConfig c;
  c.kafka_bootstrap = e->kafka_bootstrap;
  c.pg_dsn = e->pg_dsn;
  c.metrics_file = MetricsFile(home, args, "notifier");
  c.work_every = std::chrono::milliseconds(EnvInt("TDM_NOTIFIER_EVERY_MS", c.work_every.count()));
  c.reconcile_every =
      std::chrono::milliseconds(EnvInt("TDM_NOTIFIER_RECONCILE_MS", c.reconcile_every.count()));
  if (const char* rdap = std::getenv("TDM_RDAP_URL"); rdap != nullptr && *rdap != '\0') {
    c.rdap_url = rdap;
  }
  if (const char* dir = std::getenv("TDM_TEMPLATE_DIR"); dir != nullptr && *dir != '\0') {
    c.templates_dir = dir;
  }
  if (const char* ua = std::getenv("TDM_USER_AGENT"); ua != nullptr && *ua != '\0') {
    c.user_agent = ua;
  }
  ServeMetrics(home, args, "notifier", c);
  return notifier::RunNotifierService(c);
}

}  // namespace tdm::cli
