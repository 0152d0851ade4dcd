#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "tdm/common/status.h"

namespace tdm {

// The tdm home folder: where the local stack keeps its PostgreSQL data, logs,
// pid files and the addresses of its services. Every CLI command finds the
// stack through it. Chosen by --home, else $TDM_HOME, else /var/lib/tdm for
// root (PostgreSQL runs as user postgres and must reach its data folder,
// which it cannot under /root) and ~/.tdm for anyone else.
class Home {
 public:
  static Result<Home> Resolve(const std::optional<std::string>& flag);
  explicit Home(std::filesystem::path root) : root_(std::move(root)) {}

  const std::filesystem::path& root() const { return root_; }
  std::filesystem::path pg_data() const { return root_ / "pg" / "data"; }
  std::filesystem::path pg_socket_dir() const { return root_ / "pg" / "run"; }
  std::filesystem::path logs() const { return root_ / "logs"; }
  std::filesystem::path run() const { return root_ / "run"; }
  std::filesystem::path metrics() const { return root_ / "metrics"; }
  std::filesystem::path kafka_bootstrap_file() const { return run() / "kafka.bootstrap"; }
  std::filesystem::path pg_dsn_file() const { return run() / "pg.dsn"; }
  std::filesystem::path pid_file(const std::string& service) const {
    return run() / (service + ".pid");
  }
  std::filesystem::path log_file(const std::string& service) const {
    return logs() / (service + ".log");
  }

 private:
  std::filesystem::path root_;
};

// Where a service finds Kafka and PostgreSQL: explicit values (flags) win,
// then $TDM_KAFKA_BOOTSTRAP / $TDM_PG_DSN, then the files the local stack
// wrote into the home folder. Fails with one line saying what is missing.
struct Endpoints {
  std::string kafka_bootstrap;
  std::string pg_dsn;
};
// The PostgreSQL half of ResolveEndpoints, for commands that need no Kafka.
Result<std::string> ResolvePgDsn(const Home& home, const std::optional<std::string>& pg_flag);

Result<Endpoints> ResolveEndpoints(const Home& home, const std::optional<std::string>& kafka_flag,
                                   const std::optional<std::string>& pg_flag);

// Small file helpers used by the stack and the CLI.
Result<std::string> ReadSmallFile(const std::filesystem::path& path);
Status WriteFileAtomically(const std::filesystem::path& path, const std::string& content);

}  // namespace tdm
