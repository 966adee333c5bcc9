#include "src/db/sqlite_transaction.hpp"

#include <spdlog/spdlog.h>

#include <utility>

namespace stsrelay::db {

core::Result<SqliteTransaction> SqliteTransaction::begin(SqliteConnection& conn) {
  auto begun = conn.exec("BEGIN IMMEDIATE");
  if (!begun) return begun.error();
  return SqliteTransaction(conn);
}

SqliteTransaction::SqliteTransaction(SqliteTransaction&& other) noexcept
    : conn_(std::exchange(other.conn_, nullptr)) {}

SqliteTransaction::~SqliteTransaction() {
  // SQLite may already have rolled back by itself (SQLITE_FULL, SQLITE_IOERR during commit);
  // a ROLLBACK then would fail with "no transaction is active", so ask first.
  if (conn_ != nullptr && conn_->in_transaction()) {
    auto undone = conn_->exec("ROLLBACK");
    // A failed ROLLBACK leaves nothing to do here but say so: SQLite rolls the transaction back
    // when the connection closes, and the next BEGIN on this connection will report it.
    if (!undone) spdlog::error("sqlite: {}", undone.error().message);
  }
}

core::Status SqliteTransaction::commit() {
  auto done = conn_->exec("COMMIT");
  if (done) conn_ = nullptr;
  return done;
}

}  // namespace stsrelay::db
