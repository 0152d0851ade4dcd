#pragma once

// The shape of a `tdm` subcommand, shared by main.cc and the files that
// define groups of commands (takedown_commands.cc).

#include <functional>
#include <iostream>
#include <map>
#include <set>
#include <string>

#include "args.h"
#include "tdm/common/home.h"
#include "tdm/common/status.h"

namespace tdm::cli {

struct Command {
  std::set<std::string> value_flags;
  std::set<std::string> switches;
  std::function<int(const Home&, const Args&)> run;
  bool positional_ok = false;
};

// Prints "tdm: error: ..." and returns the exit code 1.
inline int Fail(const Status& s) {
  std::cerr << "tdm: error: " << s.ToString() << "\n";
  return 1;
}
template <typename T>
int Fail(const Result<T>& r) {
  return Fail(r.status());
}

// Prints a command's text result, or fails with its error.
inline int Print(const Result<std::string>& text) {
  if (!text.ok()) return Fail(text);
  std::cout << *text;
  if (!text->empty() && text->back() != '\n') std::cout << "\n";
  return 0;
}

// The one positional argument of a command that acts on one thing by id.
inline Result<int64_t> OneId(const Args& a, const std::string& what) {
  if (a.positional().size() != 1) return Status::InvalidArgument("give one " + what);
  return ParseId(a.positional()[0], what);
}

// `tdm takedowns ...`, `tdm site set-contact|jurisdiction`, `tdm subject situation`.
const std::map<std::string, Command>& TakedownCommands();

}  // namespace tdm::cli
