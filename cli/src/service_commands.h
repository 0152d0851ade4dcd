#pragma once

#include "args.h"
#include "tdm/common/home.h"

namespace tdm::cli {

// `tdm broker|crawler|matcher|notifier`: build the service's typed config from
// flags, environment and the home folder, validate it, run until SIGTERM.
int RunBrokerCommand(const Home& home, const Args& args);
int RunCrawlerCommand(const Home& home, const Args& args);
int RunMatcherCommand(const Home& home, const Args& args);
int RunNotifierCommand(const Home& home, const Args& args);

}  // namespace tdm::cli
