#include "stack_fixture.h"

#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace tdm::testing {
namespace {

std::string Quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += (c == '\'') ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

std::string CommandResult::LastWord() const {
  std::string s = out;
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  auto sp = s.find_last_of(" \n");
  return sp == std::string::npos ? s : s.substr(sp + 1);
}

int64_t CommandResult::LastId() const { return std::atoll(LastWord().c_str()); }

CommandResult Shell(const std::string& line) {
  CommandResult r;
  FILE* p = popen((line + " 2>&1").c_str(), "r");
  if (p == nullptr) return r;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
  return r;
}

CommandResult Tdm(const std::filesystem::path& home, const std::vector<std::string>& args) {
  std::string line = Quote(TDM_BINARY);
  for (const auto& a : args) line += " " + Quote(a);
  line += " --home " + Quote(home.string());
  return Shell(line);
}

LocalStack::LocalStack() {
  char tmpl[] = "/tmp/tdm-it-XXXXXX";
  home_ = mkdtemp(tmpl);
  // Tests reach 127.0.0.1 only: no RDAP lookups unless a test serves RDAP.
  const bool rdap_set = std::getenv("TDM_RDAP_URL") != nullptr;
  if (!rdap_set) setenv("TDM_RDAP_URL", "off", 1);
  up_ = Tdm(home_, {"up"});
  if (!rdap_set) unsetenv("TDM_RDAP_URL");
}

LocalStack::~LocalStack() {
  Tdm(home_, {"down"});
  std::error_code ec;
  std::filesystem::remove_all(home_, ec);
}

ExtraCrawler::ExtraCrawler(const LocalStack& stack, const std::filesystem::path& log,
                           const std::string& env) {
  auto started = Shell(env + " setsid " + std::string(TDM_BINARY) + " crawler --home " +
                       Quote(stack.home().string()) + " --metrics-addr off > " +
                       Quote(log.string()) + " 2>&1 < /dev/null & echo $!");
  pid_ = std::max(0, std::atoi(started.out.c_str()));
}

ExtraCrawler::~ExtraCrawler() {
  if (pid_ > 0) kill(pid_, SIGTERM);
}

std::string LocalStack::dsn() const {
  std::string s = ReadFile(home_ / "run" / "pg.dsn");
  while (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

std::string LocalStack::Logs() const {
  std::string out;
  for (const char* name : {"broker", "crawler", "matcher", "notifier", "postgres-ctl"}) {
    std::string log = ReadFile(home_ / "logs" / (std::string(name) + ".log"));
    if (log.size() > 4000) log = "..." + log.substr(log.size() - 4000);
    out += "---- " + std::string(name) + ".log\n" + log;
  }
  return out;
}

}  // namespace tdm::testing
