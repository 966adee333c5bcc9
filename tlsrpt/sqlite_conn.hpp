// The few sqlite3 calls tlsrpt.db needs, as RAII: a connection opened in WAL mode with
// synchronous=FULL (a crash loses at most the transactions not yet committed and never corrupts
// the file), a prepared statement, and a transaction that rolls back unless committed. Errors
// are core::Error values that name the file. The queue has its own wrapper; the direction rules
// keep tlsrpt from using it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "src/core/result.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace stsrelay::tlsrpt {

class SqliteConn {
 public:
  // Opens (creating when missing) the file, sets WAL, synchronous=FULL and a busy timeout (the
  // daemon's writer, its report run and the CLI each hold a connection), then runs `schema`.
  static core::Result<std::unique_ptr<SqliteConn>> open(const std::filesystem::path& path,
                                                        std::string_view schema);
  ~SqliteConn();
  SqliteConn(const SqliteConn&) = delete;
  SqliteConn& operator=(const SqliteConn&) = delete;

  core::Status exec(std::string_view sql);
  // An error about `what` with SQLite's message and the file name.
  core::Error error(std::string_view what) const;
  std::int64_t changes() const;
  sqlite3* handle() const { return db_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  SqliteConn(sqlite3* db, std::filesystem::path path) : db_(db), path_(std::move(path)) {}
  sqlite3* db_;
  std::filesystem::path path_;
};

class SqliteStmt {
 public:
  // Check ok() before use; error() says why preparing failed.
  SqliteStmt(SqliteConn& conn, std::string_view sql);
  ~SqliteStmt();
  SqliteStmt(const SqliteStmt&) = delete;
  SqliteStmt& operator=(const SqliteStmt&) = delete;

  bool ok() const { return stmt_ != nullptr; }
  SqliteStmt& bind(int index, std::string_view text);
  SqliteStmt& bind(int index, std::int64_t value);
  // true with a row, false when done.
  core::Result<bool> step();
  core::Status run();  // steps to completion
  void reset();        // rewinds and clears the bindings

  std::string text(int column) const;
  std::int64_t int64(int column) const;
  core::Error error(std::string_view what) const { return conn_->error(what); }

 private:
  SqliteConn* conn_;
  sqlite3_stmt* stmt_ = nullptr;
};

// BEGIN IMMEDIATE (the write lock at once); ROLLBACK on destruction unless commit() succeeded.
class SqliteTxn {
 public:
  static core::Result<SqliteTxn> begin(SqliteConn& conn);
  SqliteTxn(SqliteTxn&& other) noexcept : conn_(other.conn_) { other.conn_ = nullptr; }
  SqliteTxn& operator=(SqliteTxn&&) = delete;
  ~SqliteTxn();
  core::Status commit();

 private:
  explicit SqliteTxn(SqliteConn& conn) : conn_(&conn) {}
  SqliteConn* conn_;
};

}  // namespace stsrelay::tlsrpt
