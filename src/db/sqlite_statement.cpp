#include "src/db/sqlite_statement.hpp"

#include <sqlite3.h>

#include <utility>

#include "src/db/sqlite_error.hpp"

namespace stsrelay::db {

core::Result<SqliteStatement> SqliteStatement::prepare(SqliteConnection& conn, std::string_view sql,
                                                       bool persistent) {
  SqliteStatement stmt;
  stmt.db_ = conn.handle();
  const unsigned flags = persistent ? SQLITE_PREPARE_PERSISTENT : 0;
  const int rc = sqlite3_prepare_v3(stmt.db_, sql.data(), static_cast<int>(sql.size()), flags,
                                    &stmt.stmt_, nullptr);
  if (rc != SQLITE_OK) {
    return sqlite_error(rc, sqlite_context(stmt.db_, sql), sqlite3_errmsg(stmt.db_));
  }
  return stmt;
}

SqliteStatement::SqliteStatement(SqliteStatement&& other) noexcept
    : stmt_(std::exchange(other.stmt_, nullptr)),
      db_(std::exchange(other.db_, nullptr)),
      bind_error_(std::exchange(other.bind_error_, 0)) {}

SqliteStatement& SqliteStatement::operator=(SqliteStatement&& other) noexcept {
  if (this != &other) {
    if (stmt_ != nullptr) sqlite3_finalize(stmt_);
    stmt_ = std::exchange(other.stmt_, nullptr);
    db_ = std::exchange(other.db_, nullptr);
    bind_error_ = std::exchange(other.bind_error_, 0);
  }
  return *this;
}

SqliteStatement::~SqliteStatement() {
  if (stmt_ != nullptr) sqlite3_finalize(stmt_);
}

SqliteStatement& SqliteStatement::bind(int index, std::int64_t value) {
  const int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK && bind_error_ == 0) bind_error_ = rc;
  return *this;
}

SqliteStatement& SqliteStatement::bind(int index, std::string_view text) {
  // SQLITE_TRANSIENT: SQLite copies, so the caller's buffer may go away before step().
  const int rc =
      sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK && bind_error_ == 0) bind_error_ = rc;
  return *this;
}

namespace {

int bind_blob_with(sqlite3_stmt* stmt, int index, std::string_view bytes,
                   void (*destructor)(void*)) {
  // A zero-length blob must still be a BLOB, not NULL: sqlite3_bind_blob64 with a null pointer
  // binds NULL, so point at a static byte when empty.
  static const char kEmpty = 0;
  const char* data = bytes.empty() ? &kEmpty : bytes.data();
  return sqlite3_bind_blob64(stmt, index, data, bytes.size(), destructor);
}

}  // namespace

SqliteStatement& SqliteStatement::bind_blob(int index, std::string_view bytes) {
  const int rc = bind_blob_with(stmt_, index, bytes, SQLITE_TRANSIENT);
  if (rc != SQLITE_OK && bind_error_ == 0) bind_error_ = rc;
  return *this;
}

SqliteStatement& SqliteStatement::bind_blob_unowned(int index, std::string_view bytes) {
  const int rc = bind_blob_with(stmt_, index, bytes, SQLITE_STATIC);
  if (rc != SQLITE_OK && bind_error_ == 0) bind_error_ = rc;
  return *this;
}

SqliteStatement& SqliteStatement::bind_zeroblob(int index, std::uint64_t size) {
  const int rc = sqlite3_bind_zeroblob64(stmt_, index, size);
  if (rc != SQLITE_OK && bind_error_ == 0) bind_error_ = rc;
  return *this;
}

core::Result<bool> SqliteStatement::step() {
  if (bind_error_ != 0) {
    const int rc = std::exchange(bind_error_, 0);
    return sqlite_error(rc, "bind: " + sqlite_context(db_, sqlite3_sql(stmt_)));
  }
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return sqlite_error(rc, sqlite_context(db_, sqlite3_sql(stmt_)), sqlite3_errmsg(db_));
}

core::Status SqliteStatement::run() {
  for (;;) {
    auto row = step();
    if (!row) return row.error();
    if (!*row) return core::Ok{};
  }
}

void SqliteStatement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  bind_error_ = 0;
}

std::int64_t SqliteStatement::column_int(int index) const {
  return sqlite3_column_int64(stmt_, index);
}

std::string SqliteStatement::column_text(int index) const {
  // sqlite3_column_blob before sqlite3_column_bytes, as the SQLite documentation requires.
  const void* data = sqlite3_column_blob(stmt_, index);
  const int size = sqlite3_column_bytes(stmt_, index);
  if (data == nullptr || size <= 0) return {};
  return std::string(static_cast<const char*>(data), static_cast<std::size_t>(size));
}

bool SqliteStatement::column_is_null(int index) const {
  return sqlite3_column_type(stmt_, index) == SQLITE_NULL;
}

}  // namespace stsrelay::db
