#include "args.h"

#include <charconv>

namespace tdm::cli {

Result<Args> Args::Parse(const std::vector<std::string>& words,
                         const std::set<std::string>& value_flags,
                         const std::set<std::string>& switches) {
  Args a;
  for (size_t i = 0; i < words.size(); ++i) {
    const std::string& w = words[i];
    if (w.rfind("--", 0) != 0 || w == "--") {
      a.positional_.push_back(w);
      continue;
    }
    std::string name = w;
    std::optional<std::string> value;
    if (auto eq = w.find('='); eq != std::string::npos) {
      name = w.substr(0, eq);
      value = w.substr(eq + 1);
    }
    if (name == "--home" || value_flags.count(name)) {
      if (!value) {
        if (i + 1 >= words.size()) return Status::InvalidArgument(name + " needs a value");
        value = words[++i];
      }
      a.values_.emplace_back(name, *value);
    } else if (switches.count(name) && !value) {
      a.switches_.insert(name);
    } else {
      return Status::InvalidArgument("unknown option " + name);
    }
  }
  return a;
}

std::optional<std::string> Args::Get(const std::string& flag) const {
  std::optional<std::string> last;
  for (const auto& [k, v] : values_) {
    if (k == flag) last = v;
  }
  return last;
}

std::vector<std::string> Args::GetAll(const std::string& flag) const {
  std::vector<std::string> out;
  for (const auto& [k, v] : values_) {
    if (k == flag) out.push_back(v);
  }
  return out;
}

Result<int64_t> Args::GetId(const std::string& flag) const {
  auto v = Get(flag);
  if (!v) return Status::InvalidArgument(flag + " is required");
  return ParseId(*v, flag);
}

Result<int64_t> ParseId(const std::string& text, const std::string& what) {
  int64_t id = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || ptr != text.data() + text.size() || id <= 0) {
    return Status::InvalidArgument(what + " must be a positive number, not '" + text + "'");
  }
  return id;
}

}  // namespace tdm::cli
