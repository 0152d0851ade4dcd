#pragma once

// For the CLI's .cc files: one transaction on the local stack's PostgreSQL.
// Includes libpqxx (through pg_adapter.h).

#include <type_traits>
#include <utility>

#include "admin.h"
#include "tdm/common/pg_adapter.h"

namespace tdm::cli {

// Runs `fn(pqxx::work&)` in one transaction on the PostgreSQL that `home`
// names; errors as PgSession::Transact, or why the stack was not found.
template <typename Fn>
auto InStackDb(const Home& home, Fn&& fn) -> Result<std::invoke_result_t<Fn, pqxx::work&>> {
  auto dsn = Dsn(home);
  if (!dsn.ok()) return dsn.status();
  PgSession pg(*dsn);
  return pg.Transact(std::forward<Fn>(fn));
}

}  // namespace tdm::cli
