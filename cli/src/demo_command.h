#pragma once

#include "args.h"
#include "tdm/common/home.h"

namespace tdm::cli {

// `tdm demo`: against a running stack, generates the demo leak forum, serves
// it on 127.0.0.1, registers the demo victim's photos, crawls the forum and
// prints the drafted takedown requests.
int RunDemoCommand(const Home& home, const Args& args);

}  // namespace tdm::cli
