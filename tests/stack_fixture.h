#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace tdm::testing {

// What a command printed and how it exited.
struct CommandResult {
  int exit_code = -1;
  std::string out;  // stdout and stderr together
  // The last word of the last line: where tdm prints ids.
  std::string LastWord() const;
  int64_t LastId() const;
};

// Runs `tdm ARGS --home HOME` and waits for it.
CommandResult Tdm(const std::filesystem::path& home, const std::vector<std::string>& args);
// Runs a shell command line.
CommandResult Shell(const std::string& line);

// A complete local stack in a fresh temporary home: `tdm up` in SetUp,
// `tdm down` and removal of the home in TearDown.
class LocalStack {
 public:
  LocalStack();
  ~LocalStack();
  const std::filesystem::path& home() const { return home_; }
  std::string dsn() const;
  bool up_ok() const { return up_.exit_code == 0; }
  const CommandResult& up_result() const { return up_; }
  std::string Logs() const;  // every service log, for failure messages

 private:
  std::filesystem::path home_;
  CommandResult up_;
};

// Another `tdm crawler` process beside the stack's own (same consumer group,
// metrics off), its output in `log`; `env` ("NAME=value ...") is set for it
// alone. Stopped with SIGTERM when this goes out of scope, also when an
// assertion ends a test early. pid() is 0 if it could not be started.
class ExtraCrawler {
 public:
  ExtraCrawler(const LocalStack& stack, const std::filesystem::path& log,
               const std::string& env = "");
  ~ExtraCrawler();
  ExtraCrawler(const ExtraCrawler&) = delete;
  ExtraCrawler& operator=(const ExtraCrawler&) = delete;
  int pid() const { return pid_; }

 private:
  int pid_ = 0;
};

// Sets environment variables for the services and commands a test starts
// (they inherit them), and unsets them when it goes out of scope.
class ScopedEnv {
 public:
  explicit ScopedEnv(std::vector<std::pair<std::string, std::string>> vars)
      : vars_(std::move(vars)) {
    for (const auto& [k, v] : vars_) setenv(k.c_str(), v.c_str(), 1);
  }
  ~ScopedEnv() {
    for (const auto& [k, v] : vars_) unsetenv(k.c_str());
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::vector<std::pair<std::string, std::string>> vars_;
};

}  // namespace tdm::testing
