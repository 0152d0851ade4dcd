#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "tdm/common/status.h"

namespace tdm::cli {

// Command-line words after the subcommand: `--flag value`, `--flag=value`,
// `--switch` and positionals. Flags are declared up front so that a typo is
// an error, not silently ignored.
class Args {
 public:
  // `value_flags` take a value; `switches` do not. --home is always accepted.
  static Result<Args> Parse(const std::vector<std::string>& words,
                            const std::set<std::string>& value_flags,
                            const std::set<std::string>& switches);

  std::optional<std::string> Get(const std::string& flag) const;   // the last one given
  std::vector<std::string> GetAll(const std::string& flag) const;  // every one, in order
  bool Has(const std::string& flag) const { return switches_.count(flag) > 0; }
  const std::vector<std::string>& positional() const { return positional_; }
  Result<int64_t> GetId(const std::string& flag) const;  // required positive integer

 private:
  std::vector<std::pair<std::string, std::string>> values_;
  std::set<std::string> switches_;
  std::vector<std::string> positional_;
};

Result<int64_t> ParseId(const std::string& text, const std::string& what);

}  // namespace tdm::cli
