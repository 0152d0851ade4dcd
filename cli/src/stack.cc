#include "stack.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <thread>

#include "tdm/common/kafka.h"
#include "tdm/common/pg.h"
#include "tdm/common/service_loop.h"

namespace tdm::cli {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

const char* kPgBin = "/usr/lib/postgresql/15/bin";

std::string Quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += (c == '\'') ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Runs a shell command line, returning its exit status; output goes to `log`.
int Run(const std::string& command, const fs::path& log) {
  std::string line = command + " >>" + Quote(log.string()) + " 2>&1";
  int rc = std::system(line.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : 128;
}

// As root, PostgreSQL's own commands run as user postgres.
std::string AsPgUser(const std::string& command) {
  return geteuid() == 0 ? "runuser -u postgres -- " + command : command;
}

int FreeLoopbackPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

bool PgReady(const Home& home, int port) {
  std::string cmd = std::string(kPgBin) + "/pg_isready -q -h 127.0.0.1 -p " + std::to_string(port);
  return Run(cmd, home.log_file("postgres-ctl")) == 0;
}

Status ChownToPostgres(const fs::path& dir) {
  if (geteuid() != 0) return Status::Ok();
  passwd* pw = getpwnam("postgres");
  if (pw == nullptr) return Status::Unavailable("no user 'postgres': is PostgreSQL installed?");
  std::string cmd = "chown -R postgres:postgres " + Quote(dir.string());
  if (std::system(cmd.c_str()) != 0) return Status::Unavailable("cannot chown " + dir.string());
  // PostgreSQL must be able to walk down to its data folder.
  for (fs::path p = dir.parent_path(); !p.empty() && p != p.root_path(); p = p.parent_path()) {
    fs::permissions(p, fs::perms::others_exec, fs::perm_options::add);
  }
  return Status::Ok();
}

Status StartPostgres(const Home& home) {
  std::error_code ec;
  fs::create_directories(home.pg_socket_dir(), ec);
  fs::create_directories(home.logs(), ec);
  const fs::path port_file = home.run() / "pg.port";
  if (!fs::exists(home.pg_data() / "PG_VERSION")) {
    fs::create_directories(home.pg_data(), ec);
    if (Status s = ChownToPostgres(home.pg_data().parent_path()); !s.ok()) return s;
    std::string cmd = AsPgUser(std::string(kPgBin) + "/initdb -D " + Quote(home.pg_data()) +
                               " -U tdm --auth=trust -E UTF8 --no-locale");
    if (Run(cmd, home.log_file("postgres-ctl")) != 0) {
      return Status::Unavailable("initdb failed; see " + home.log_file("postgres-ctl").string());
    }
  }
  if (Status s = ChownToPostgres(home.pg_data().parent_path()); !s.ok()) return s;
  int port = 0;
  if (auto p = ReadSmallFile(port_file); p.ok()) port = std::atoi(p->c_str());
  if (port > 0 && PgReady(home, port)) return Status::Ok();
  if (port <= 0) port = FreeLoopbackPort();
  // The log file must be writable by the postgres user.
  const fs::path pg_log = home.pg_data().parent_path() / "postgres.log";
  std::string opts = "-p " + std::to_string(port) + " -k " + home.pg_socket_dir().string() +
                     " -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100";
  std::string cmd = AsPgUser(std::string(kPgBin) + "/pg_ctl -D " + Quote(home.pg_data()) + " -l " +
                             Quote(pg_log) + " -w -t 60 -o " + Quote(opts) + " start");
  if (Run(cmd, home.log_file("postgres-ctl")) != 0) {
    return Status::Unavailable("PostgreSQL did not start; see " + pg_log.string());
  }
  if (Status s = WriteFileAtomically(port_file, std::to_string(port)); !s.ok()) return s;
  const std::string psql = std::string(kPgBin) + "/psql -h 127.0.0.1 -p " + std::to_string(port) +
                           " -U tdm -d postgres ";
  Run(psql + "-tAc \"SELECT 1 FROM pg_database WHERE datname='tdm'\" | grep -q 1 || " + psql +
          "-c 'CREATE DATABASE tdm'",
      home.log_file("postgres-ctl"));
  const std::string dsn = "host=127.0.0.1 port=" + std::to_string(port) + " dbname=tdm user=tdm";
  return WriteFileAtomically(home.pg_dsn_file(), dsn + "\n");
}

Status StopPostgres(const Home& home) {
  if (!fs::exists(home.pg_data() / "postmaster.pid")) return Status::Ok();
  std::string cmd =
      AsPgUser(std::string(kPgBin) + "/pg_ctl -D " + Quote(home.pg_data()) + " -m fast -w stop");
  if (Run(cmd, home.log_file("postgres-ctl")) != 0) {
    return Status::Unavailable("PostgreSQL did not stop; see " +
                               home.log_file("postgres-ctl").string());
  }
  std::error_code ec;
  fs::remove(home.pg_dsn_file(), ec);
  return Status::Ok();
}

bool WaitFor(const std::function<bool()>& ready, std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (ready()) return true;
    std::this_thread::sleep_for(50ms);
  }
  return ready();
}

}  // namespace

int RunningPid(const Home& home, const std::string& name) {
  auto text = ReadSmallFile(home.pid_file(name));
  if (!text.ok()) return 0;
  int pid = std::atoi(text->c_str());
  if (pid <= 0 || kill(pid, 0) != 0) return 0;
  // Guard against a recycled pid: it must still be a tdm process.
  auto cmdline = ReadSmallFile("/proc/" + std::to_string(pid) + "/cmdline");
  if (!cmdline.ok() || cmdline->find(name) == std::string::npos) return 0;
  auto stat = ReadSmallFile("/proc/" + std::to_string(pid) + "/stat");
  if (stat.ok()) {
    auto close_paren = stat->rfind(')');
    if (close_paren != std::string::npos && stat->size() > close_paren + 2 &&
        (*stat)[close_paren + 2] == 'Z') {
      return 0;  // a zombie is not running
    }
  }
  return pid;
}

Status StartProcess(const Home& home, const std::string& name) {
  if (RunningPid(home, name) > 0) return Status::Ok();
  std::error_code ec;
  fs::create_directories(home.logs(), ec);
  fs::create_directories(home.run(), ec);
  char self[4096];
  ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n <= 0) return Status::Internal("cannot find the tdm binary");
  self[n] = '\0';
  const std::string log = home.log_file(name).string();
  const std::string home_dir = home.root().string();
  pid_t pid = fork();
  if (pid < 0) return Status::Unavailable("fork failed");
  if (pid == 0) {
    setsid();
    int null_fd = open("/dev/null", O_RDONLY);
    int log_fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    dup2(null_fd, 0);
    dup2(log_fd, 1);
    dup2(log_fd, 2);
    // Detach fully so that `tdm up` returns and the service outlives it.
    if (fork() != 0) _exit(0);
    execl(self, self, name.c_str(), "--home", home_dir.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  // The grandchild writes no pid file itself; find it by its command line.
  const bool started = WaitFor(
      [&] {
        for (const auto& entry : fs::directory_iterator("/proc", ec)) {
          const std::string pid_text = entry.path().filename().string();
          if (pid_text.find_first_not_of("0123456789") != std::string::npos) continue;
          auto cmdline = ReadSmallFile(entry.path() / "cmdline");
          if (!cmdline.ok()) continue;
          std::string expected =
              std::string(self) + '\0' + name + '\0' + "--home" + '\0' + home_dir;
          if (cmdline->rfind(expected, 0) == 0) {
            (void)WriteFileAtomically(home.pid_file(name), pid_text + "\n");
            return true;
          }
        }
        return false;
      },
      5s);
  if (!started) return Status::Unavailable(name + " did not start; see " + log);
  return Status::Ok();
}

Status StopProcess(const Home& home, const std::string& name, int signal_number) {
  int pid = RunningPid(home, name);
  if (pid > 0) {
    kill(pid, signal_number);
    if (!WaitFor([&] { return kill(pid, 0) != 0 || RunningPid(home, name) == 0; }, 15s)) {
      kill(pid, SIGKILL);
      WaitFor([&] { return kill(pid, 0) != 0 || RunningPid(home, name) == 0; }, 5s);
    }
  }
  std::error_code ec;
  fs::remove(home.pid_file(name), ec);
  return Status::Ok();
}

Status StackUp(const Home& home) {
  std::error_code ec;
  fs::create_directories(home.run(), ec);
  if (ec) return Status::Unavailable("cannot create " + home.run().string() + ": " + ec.message());
  if (Status s = StartPostgres(home); !s.ok()) return s;
  auto dsn = ReadSmallFile(home.pg_dsn_file());
  if (!dsn.ok()) return Status::Internal("no pg.dsn after start");
  std::string trimmed = *dsn;
  while (!trimmed.empty() && trimmed.back() == '\n') trimmed.pop_back();
  auto applied = ApplyMigrations(trimmed);
  if (!applied.ok()) return applied.status();
  if (RunningPid(home, "broker") == 0) {
    // A new broker has new ports: services bound to the old one must restart.
    for (const auto& s : kServices) (void)StopProcess(home, s);
    fs::remove(home.kafka_bootstrap_file(), ec);
    if (Status s = StartProcess(home, "broker"); !s.ok()) return s;
    if (!WaitFor([&] { return fs::exists(home.kafka_bootstrap_file()); }, 15s)) {
      return Status::Unavailable("embedded kafka did not start; see " +
                                 home.log_file("broker").string());
    }
  }
  std::vector<std::string> started;
  for (const auto& s : kServices) {
    if (RunningPid(home, s) == 0) started.push_back(s);
    if (Status st = StartProcess(home, s); !st.ok()) return st;
  }
  // A service that stops at once (a bad setting, a missing face model) fails
  // `up` with its own reason, the last line of its log.
  std::string stopped;
  if (!started.empty()) {
    WaitFor(
        [&] {
          for (const auto& s : started) {
            if (RunningPid(home, s) == 0) stopped = s;
          }
          return !stopped.empty();
        },
        1500ms);
  }
  if (!stopped.empty()) {
    auto log = ReadSmallFile(home.log_file(stopped));
    std::string last = log.ok() ? *log : "";
    while (!last.empty() && last.back() == '\n') last.pop_back();
    last = last.substr(last.rfind('\n') + 1);
    return Status::Unavailable(stopped + " stopped at start-up: " + last);
  }
  return Status::Ok();
}

Status StackDown(const Home& home) {
  for (const auto& s : kServices) (void)StopProcess(home, s);
  (void)StopProcess(home, "broker");
  std::error_code ec;
  fs::remove(home.kafka_bootstrap_file(), ec);
  return StopPostgres(home);
}

std::string StackStatus(const Home& home) {
  std::string out = "home      " + home.root().string() + "\n";
  auto dsn = ReadSmallFile(home.pg_dsn_file());
  auto port = ReadSmallFile(home.run() / "pg.port");
  bool pg_up = port.ok() && PgReady(home, std::atoi(port->c_str()));
  out += "postgres  " + std::string(pg_up ? "running  " : "stopped  ") +
         (pg_up && dsn.ok() ? dsn->substr(0, dsn->find('\n')) : std::string()) + "\n";
  auto bootstrap = ReadSmallFile(home.kafka_bootstrap_file());
  for (const std::string name : {"broker", "crawler", "matcher", "notifier"}) {
    int pid = RunningPid(home, name);
    std::string line = name;
    line.resize(10, ' ');
    line += pid > 0 ? "running  pid " + std::to_string(pid) : "stopped";
    if (name == "broker" && pid > 0 && bootstrap.ok()) {
      line += "  " + bootstrap->substr(0, bootstrap->find('\n'));
    }
    if (auto metrics = ReadSmallFile(home.run() / (name + ".metrics")); pid > 0 && metrics.ok()) {
      line += "  metrics " + metrics->substr(0, metrics->find('\n'));
    }
    out += line + "\n";
  }
  return out;
}

int RunBroker(const Home& home, int brokers) {
  const auto& stop = StopOnSignals();
  auto cluster = EmbeddedKafka::Start(brokers, DefaultTopics());
  if (!cluster.ok()) {
    spdlog::error("{}", cluster.status().ToString());
    return 1;
  }
  const std::string bootstrap = (*cluster)->bootstrap();
  if (Status s = WriteFileAtomically(home.kafka_bootstrap_file(), bootstrap + "\n"); !s.ok()) {
    spdlog::error("{}", s.ToString());
    return 1;
  }
  spdlog::info("embedded kafka: {} broker(s) at {}", brokers, bootstrap);
  while (!stop.load()) std::this_thread::sleep_for(100ms);
  std::error_code ec;
  fs::remove(home.kafka_bootstrap_file(), ec);
  spdlog::info("embedded kafka stopping");
  return 0;
}

}  // namespace tdm::cli
