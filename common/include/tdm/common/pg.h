#pragma once

#include <string>
#include <vector>

#include "tdm/common/status.h"

namespace tdm {

// One versioned SQL migration from schema/, compiled into the binary so that
// `tdm migrate` works from any folder.
struct Migration {
  int version;
  std::string name;
  std::string sql;
};

// All migrations, in version order.
const std::vector<Migration>& Migrations();

// Applies every migration not yet recorded in schema_migrations, each in its
// own transaction, under an advisory lock so concurrent callers serialise.
// Safe to re-run. Returns how many were applied.
Result<int> ApplyMigrations(const std::string& dsn);

// Bytes <-> lowercase hex, for digests and hashes stored as bytea.
std::string ToHex(const std::string& bytes);
Result<std::string> FromHex(const std::string& hex);

}  // namespace tdm
