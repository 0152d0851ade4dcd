#include "tdm/common/home.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace tdm {
namespace {

std::optional<std::string> Env(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return std::nullopt;
  return std::string(v);
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

Result<Home> Home::Resolve(const std::optional<std::string>& flag) {
  std::filesystem::path root;
  if (flag && !flag->empty()) {
    root = *flag;
  } else if (auto env = Env("TDM_HOME")) {
    root = *env;
  } else if (geteuid() == 0) {
    root = "/var/lib/tdm";
  } else if (auto home = Env("HOME")) {
    root = std::filesystem::path(*home) / ".tdm";
  } else {
    return Status::InvalidArgument("no home folder: pass --home or set TDM_HOME");
  }
  std::error_code ec;
  root = std::filesystem::absolute(root, ec);
  if (ec) return Status::InvalidArgument("bad home folder " + root.string() + ": " + ec.message());
  return Home(root.lexically_normal());
}

Result<std::string> ResolvePgDsn(const Home& home, const std::optional<std::string>& pg_flag) {
  std::string dsn;
  if (pg_flag) {
    dsn = *pg_flag;
  } else if (auto env = Env("TDM_PG_DSN")) {
    dsn = *env;
  } else if (auto file = ReadSmallFile(home.pg_dsn_file()); file.ok()) {
    dsn = Trim(*file);
  }
  if (dsn.empty()) {
    return Status::Unavailable("no PostgreSQL: run `tdm up` (home " + home.root().string() +
                               ") or give --pg / TDM_PG_DSN");
  }
  return dsn;
}

Result<Endpoints> ResolveEndpoints(const Home& home, const std::optional<std::string>& kafka_flag,
                                   const std::optional<std::string>& pg_flag) {
  auto dsn = ResolvePgDsn(home, pg_flag);
  if (!dsn.ok()) return dsn.status();
  Endpoints e;
  e.pg_dsn = std::move(*dsn);
  if (kafka_flag) {
    e.kafka_bootstrap = *kafka_flag;
  } else if (auto env = Env("TDM_KAFKA_BOOTSTRAP")) {
    e.kafka_bootstrap = *env;
  } else if (auto file = ReadSmallFile(home.kafka_bootstrap_file()); file.ok()) {
    e.kafka_bootstrap = Trim(*file);
  }
  if (e.kafka_bootstrap.empty()) {
    return Status::Unavailable("no Kafka: run `tdm up` (home " + home.root().string() +
                               ") or give --kafka / TDM_KAFKA_BOOTSTRAP");
  }
  return e;
}

Result<std::string> ReadSmallFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(path.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Status WriteFileAtomically(const std::filesystem::path& path, const std::string& content) {
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  const auto tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return Status::Unavailable("cannot write " + tmp);
    out << content;
    if (!out.flush()) return Status::Unavailable("cannot write " + tmp);
  }
  std::filesystem::rename(tmp, path, ec);
  if (ec) return Status::Unavailable("cannot write " + path.string() + ": " + ec.message());
  return Status::Ok();
}

}  // namespace tdm
