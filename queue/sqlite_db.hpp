// Small RAII wrappers over the sqlite3 C API: a connection (Db), a prepared statement
// (Statement) and a write transaction (Transaction). Errors become core::Error values whose kind
// tells the caller how to react:
//   SQLITE_FULL            -> no_space  (disk or quota full: SMTP 452 4.3.1)
//   SQLITE_BUSY / LOCKED / IOERR / NOMEM / CANTOPEN -> temporary
//   SQLITE_CONSTRAINT / MISMATCH / TOOBIG / RANGE   -> invalid
//   anything else (CORRUPT, NOTADB, ...)            -> permanent
// No other file of the queue calls sqlite3_* directly for statements.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>

#include "src/core/result.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace stsrelay::queue {

// Maps an SQLite result code (primary or extended) to an Error with `context`.
core::Error sqlite_error(int code, std::string_view context, std::string_view detail = {});

class Db {
 public:
  // Opens (creating when `create`) the database file with SQLITE_OPEN_NOMUTEX: each Db is used
  // by one thread at a time, which its owner guarantees, so SQLite's own mutex is not needed.
  static core::Result<Db> open(const std::filesystem::path& path, bool create);

  Db() = default;
  Db(Db&& other) noexcept;
  Db& operator=(Db&& other) noexcept;
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  ~Db();

  // Runs SQL without results (may hold several statements).
  core::Status exec(std::string_view sql);
  // Runs a statement returning one integer (e.g. "PRAGMA user_version").
  core::Result<std::int64_t> query_int(std::string_view sql);

  std::int64_t changes() const;
  std::int64_t last_insert_rowid() const;
  bool in_transaction() const;
  sqlite3* handle() const { return db_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  sqlite3* db_ = nullptr;
  std::filesystem::path path_;
};

// A prepared statement. bind_* use 1-based indexes like SQLite; column_* 0-based.
class Statement {
 public:
  static core::Result<Statement> prepare(Db& db, std::string_view sql);

  Statement() = default;
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, std::string_view text);
  Statement& bind_blob(int index, std::string_view bytes);

  // Advances: true with a row, false when done; errors carry the statement's SQL as context.
  core::Result<bool> step();
  // Steps to completion, for statements that return no rows.
  core::Status run();
  // Clears bindings and rewinds, so the statement can run again.
  void reset();

  std::int64_t column_int(int index) const;
  std::string column_text(int index) const;  // TEXT or BLOB bytes, empty for NULL
  bool column_is_null(int index) const;

 private:
  sqlite3_stmt* stmt_ = nullptr;
  sqlite3* db_ = nullptr;
  // Bind errors are remembered and reported by the next step(): binding cannot fail for the
  // types used here except on out-of-memory, and one place to look at errors is simpler.
  int bind_error_ = 0;
};

// BEGIN IMMEDIATE on construction (taking the write lock at once, so a busy database fails
// here and not half-way); ROLLBACK in the destructor unless commit() succeeded.
class Transaction {
 public:
  static core::Result<Transaction> begin(Db& db);
  Transaction(Transaction&& other) noexcept;
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();

  core::Status commit();

 private:
  explicit Transaction(Db& db) : db_(&db) {}
  Db* db_;
};

// Prepared statements kept for the life of one connection, keyed by their SQL text; get()
// returns the statement reset and with cleared bindings. The cache must not outlive its Db.
class StatementCache {
 public:
  explicit StatementCache(Db& db) : db_(&db) {}
  core::Result<Statement*> get(std::string_view sql);
  Db& db() { return *db_; }

 private:
  Db* db_;
  std::map<std::string, Statement, std::less<>> statements_;
};

}  // namespace stsrelay::queue
