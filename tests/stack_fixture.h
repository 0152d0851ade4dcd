#pragma once

#include <filesystem>
#include <string>
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

}  // namespace tdm::testing
