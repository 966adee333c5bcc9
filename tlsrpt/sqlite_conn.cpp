#include "tlsrpt/sqlite_conn.hpp"

#include <sqlite3.h>

namespace stsrelay::tlsrpt {

core::Result<std::unique_ptr<SqliteConn>> SqliteConn::open(const std::filesystem::path& path,
                                                           std::string_view schema) {
  sqlite3* db = nullptr;
  // NOMUTEX: each connection is used by one thread at a time, which its owner guarantees.
  const int rc = sqlite3_open_v2(path.c_str(), &db,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                 nullptr);
  if (rc != SQLITE_OK) {
    const std::string why = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return core::Error::temporary("cannot open " + path.string() + ": " + why);
  }
  sqlite3_busy_timeout(db, 5000);
  std::unique_ptr<SqliteConn> conn(new SqliteConn(db, path));
  for (std::string_view sql : {std::string_view("PRAGMA journal_mode=WAL;"),
                               std::string_view("PRAGMA synchronous=FULL;"), schema}) {
    auto st = conn->exec(sql);
    if (!st) return core::Error{st.error().kind, "cannot open " + st.error().message};
  }
  return conn;
}

SqliteConn::~SqliteConn() { sqlite3_close(db_); }

core::Status SqliteConn::exec(std::string_view sql) {
  char* err = nullptr;
  const std::string text(sql);
  if (sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    const std::string why = err ? err : sqlite3_errmsg(db_);
    sqlite3_free(err);
    const int code = sqlite3_errcode(db_);
    const auto kind = code == SQLITE_FULL                                ? core::ErrorKind::no_space
                      : code == SQLITE_CORRUPT || code == SQLITE_NOTADB ? core::ErrorKind::permanent
                                                                        : core::ErrorKind::temporary;
    return core::Error{kind, path_.string() + ": " + why};
  }
  return core::Ok{};
}

core::Error SqliteConn::error(std::string_view what) const {
  const int code = sqlite3_errcode(db_);
  const std::string message = path_.string() + ": " + std::string(what) + ": " + sqlite3_errmsg(db_);
  if (code == SQLITE_FULL) return core::Error::no_space(message);
  if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB) return core::Error::permanent(message);
  return core::Error::temporary(message);
}

std::int64_t SqliteConn::changes() const { return sqlite3_changes(db_); }

SqliteStmt::SqliteStmt(SqliteConn& conn, std::string_view sql) : conn_(&conn) {
  if (sqlite3_prepare_v2(conn.handle(), sql.data(), static_cast<int>(sql.size()), &stmt_,
                         nullptr) != SQLITE_OK) {
    sqlite3_finalize(stmt_);
    stmt_ = nullptr;
  }
}

SqliteStmt::~SqliteStmt() { sqlite3_finalize(stmt_); }

SqliteStmt& SqliteStmt::bind(int index, std::string_view text) {
  sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  return *this;
}

SqliteStmt& SqliteStmt::bind(int index, std::int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

core::Result<bool> SqliteStmt::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return conn_->error(sqlite3_sql(stmt_));
}

core::Status SqliteStmt::run() {
  for (;;) {
    auto row = step();
    if (!row) return row.error();
    if (!*row) return core::Ok{};
  }
}

void SqliteStmt::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::string SqliteStmt::text(int column) const {
  auto p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column))) : "";
}

std::int64_t SqliteStmt::int64(int column) const { return sqlite3_column_int64(stmt_, column); }

core::Result<SqliteTxn> SqliteTxn::begin(SqliteConn& conn) {
  auto st = conn.exec("BEGIN IMMEDIATE;");
  if (!st) return st.error();
  return SqliteTxn(conn);
}

SqliteTxn::~SqliteTxn() {
  if (conn_) (void)conn_->exec("ROLLBACK;");  // the error that led here is already reported
}

core::Status SqliteTxn::commit() {
  auto st = conn_->exec("COMMIT;");
  if (st) conn_ = nullptr;
  return st;
}

}  // namespace stsrelay::tlsrpt
