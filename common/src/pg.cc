#include "tdm/common/pg.h"

#include "tdm/common/pg_adapter.h"

namespace tdm {
namespace {
constexpr long kMigrationLock = 0x74646d5f6d6967;  // "tdm_mig"
}  // namespace

Result<int> ApplyMigrations(const std::string& dsn) {
  PgSession pg(dsn);
  auto locked = pg.Transact([](pqxx::work& tx) {
    tx.exec(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version integer PRIMARY KEY, name text NOT NULL,"
        " applied_at timestamptz NOT NULL DEFAULT now())");
    return 0;
  });
  if (!locked.ok() && locked.status().code() != Status::Code::kInternal) return locked.status();
  int applied = 0;
  for (const Migration& m : Migrations()) {
    auto r = pg.Transact([&](pqxx::work& tx) {
      tx.exec("SELECT pg_advisory_xact_lock(" + std::to_string(kMigrationLock) + ")");
      auto done = tx.exec_params("SELECT 1 FROM schema_migrations WHERE version = $1", m.version);
      if (!done.empty()) return 0;
      tx.exec(m.sql);
      tx.exec_params("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", m.version,
                     m.name);
      return 1;
    });
    if (!r.ok()) {
      return Status(r.status().code() == Status::Code::kUnavailable
                        ? r.status()
                        : Status::Internal("migration " + m.name + ": " + r.status().message()));
    }
    applied += *r;
  }
  return applied;
}

std::string ToHex(const std::string& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

Result<std::string> FromHex(const std::string& hex) {
  if (hex.size() % 2 != 0) return Status::InvalidArgument("odd-length hex");
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out(hex.size() / 2, '\0');
  for (size_t i = 0; i < out.size(); ++i) {
    int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return Status::InvalidArgument("not hex: " + hex);
    out[i] = static_cast<char>(hi << 4 | lo);
  }
  return out;
}

}  // namespace tdm
