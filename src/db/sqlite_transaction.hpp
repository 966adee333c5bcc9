// A write transaction as an RAII value: BEGIN IMMEDIATE on begin() (taking the write lock at
// once, so a busy database fails there and not half-way through the writes), ROLLBACK in the
// destructor unless commit() succeeded.
#pragma once

#include "src/core/result.hpp"
#include "src/db/sqlite_connection.hpp"

namespace stsrelay::db {

class SqliteTransaction {
 public:
  static core::Result<SqliteTransaction> begin(SqliteConnection& conn);
  SqliteTransaction(SqliteTransaction&& other) noexcept;
  SqliteTransaction& operator=(SqliteTransaction&&) = delete;
  SqliteTransaction(const SqliteTransaction&) = delete;
  SqliteTransaction& operator=(const SqliteTransaction&) = delete;
  ~SqliteTransaction();

  core::Status commit();

 private:
  explicit SqliteTransaction(SqliteConnection& conn) : conn_(&conn) {}
  SqliteConnection* conn_;
};

}  // namespace stsrelay::db
