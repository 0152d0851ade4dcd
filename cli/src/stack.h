#pragma once

#include <string>
#include <vector>

#include "tdm/common/home.h"
#include "tdm/common/status.h"

namespace tdm::cli {

// The local stack of `tdm up`: a throwaway PostgreSQL 15 under the home
// folder on a loopback port, the embedded Kafka broker process, and the
// crawler, matcher and notifier processes. Every step is idempotent: `up`
// starts only what is not running.
inline const std::vector<std::string> kServices = {"crawler", "matcher", "notifier"};

Status StackUp(const Home& home);
Status StackDown(const Home& home);
std::string StackStatus(const Home& home);

// Starts one service (or the broker) in the background, logging to the home
// folder; a no-op when it already runs.
Status StartProcess(const Home& home, const std::string& name);
// Stops it: SIGTERM, then SIGKILL after a grace period.
Status StopProcess(const Home& home, const std::string& name, int signal_number = 15);
// The pid of a running tdm process of that name, or 0.
int RunningPid(const Home& home, const std::string& name);

// `tdm broker`: runs the embedded Kafka cluster until SIGTERM, publishing its
// bootstrap list in the home folder.
int RunBroker(const Home& home, int brokers);

}  // namespace tdm::cli
