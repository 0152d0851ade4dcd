#pragma once

// For adapter .cc files only: this header includes libpqxx. Domain code talks
// to the stores' own interfaces, never to this.

#include <spdlog/spdlog.h>

#include <memory>
#include <pqxx/pqxx>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "tdm/common/status.h"

namespace tdm {

// A lazily (re)connected PostgreSQL session. Transact() runs a function in one
// transaction and turns libpqxx's exceptions into a Status: a lost connection
// is Unavailable (the next call reconnects), anything else Internal. Not
// thread-safe: one per thread.
class PgSession {
 public:
  explicit PgSession(std::string dsn) : dsn_(std::move(dsn)) {}

  template <typename Fn>
  auto Transact(Fn&& fn) -> Result<std::invoke_result_t<Fn, pqxx::work&>> {
    try {
      if (!conn_ || !conn_->is_open()) conn_ = std::make_unique<pqxx::connection>(dsn_);
      pqxx::work tx(*conn_);
      auto value = fn(tx);
      tx.commit();
      return value;
    } catch (const pqxx::broken_connection& e) {
      conn_.reset();
      return Status::Unavailable(std::string("postgres connection: ") + FirstLine(e.what()));
    } catch (const pqxx::sql_error& e) {
      if (conn_ && !conn_->is_open()) conn_.reset();
      return Status::Internal(std::string("postgres: ") + FirstLine(e.what()));
    } catch (const std::exception& e) {
      if (conn_ && !conn_->is_open()) conn_.reset();
      return Status::Internal(std::string("postgres: ") + FirstLine(e.what()));
    }
  }

  pqxx::connection* connection() { return conn_.get(); }

 private:
  static std::string FirstLine(const char* what) {
    std::string s(what);
    auto nl = s.find('\n');
    return nl == std::string::npos ? s : s.substr(0, nl);
  }
  std::string dsn_;
  std::unique_ptr<pqxx::connection> conn_;
};

// Escapes bytes for a bytea parameter / reads one back (libpqxx 6.4 API).
inline std::string ByteaParam(pqxx::work& tx, const std::string& bytes) {
  return tx.esc_raw(bytes);
}
inline std::string ByteaValue(const pqxx::field& f) {
  pqxx::binarystring b(f);
  return b.str();
}

// A PostgreSQL array literal of text values ('{"a","b"}'), for one-statement
// bulk inserts through unnest().
inline std::string PgTextArray(const std::vector<std::string>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) out += ",";
    out += "\"";
    for (char c : values[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += "\"";
  }
  return out + "}";
}

// The same for numbers ('{1,2}') and booleans ('{t,f}').
template <typename T>
std::string PgNumberArray(const std::vector<T>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) out += ",";
    if constexpr (std::is_same_v<T, bool>) {
      out += values[i] ? "t" : "f";
    } else {
      out += std::to_string(values[i]);
    }
  }
  return out + "}";
}

}  // namespace tdm
