#include "src/db/sqlite_connection.hpp"

#include <sqlite3.h>

#include <string>
#include <utility>

#include "src/db/sqlite_error.hpp"
#include "src/db/sqlite_statement.hpp"

namespace stsrelay::db {

SqliteOptions SqliteOptions::durable() {
  SqliteOptions options;
  options.busy_timeout = std::chrono::milliseconds{5000};
  options.journal = SqliteJournal::wal;
  options.synchronous_full = true;
  return options;
}

SqliteOptions SqliteOptions::existing_file() {
  SqliteOptions options;
  options.create = false;
  return options;
}

core::Result<SqliteConnection> SqliteConnection::open(const std::filesystem::path& path,
                                                      const SqliteOptions& options) {
  SqliteConnection conn;
  conn.path_ = path;
  int flags = SQLITE_OPEN_READWRITE;
  flags |= options.serialized ? SQLITE_OPEN_FULLMUTEX : SQLITE_OPEN_NOMUTEX;
  if (options.create) flags |= SQLITE_OPEN_CREATE;
  const int rc = sqlite3_open_v2(path.c_str(), &conn.db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    const std::string detail = conn.db_ != nullptr ? sqlite3_errmsg(conn.db_) : "";
    return sqlite_error(rc, "cannot open " + path.string(), detail);
  }
  sqlite3_extended_result_codes(conn.db_, 1);
  auto configured = conn.configure(options);
  if (!configured) {
    // Named as the caller gave it: SQLite's own name for the file may have its links resolved.
    const core::Error& e = configured.error();
    return core::Error{e.kind, "cannot open " + path.string() + ": " + e.message};
  }
  return conn;
}

core::Status SqliteConnection::configure(const SqliteOptions& options) {
  // The busy timeout first: switching to WAL needs a lock another process may hold for a moment.
  if (options.busy_timeout)
    sqlite3_busy_timeout(db_, static_cast<int>(options.busy_timeout->count()));
  std::string pragmas;
  if (options.page_size)
    pragmas += "PRAGMA page_size = " + std::to_string(*options.page_size) + "; ";
  if (!pragmas.empty()) {
    auto done = exec(pragmas);
    if (!done) return done;
    pragmas.clear();
  }
  auto journal = set_journal(options.journal);
  if (!journal) return journal;
  if (options.synchronous_full) pragmas += "PRAGMA synchronous = FULL; ";
  if (options.foreign_keys) pragmas += "PRAGMA foreign_keys = ON; ";
  if (options.journal_size_limit) {
    pragmas += "PRAGMA journal_size_limit = " + std::to_string(*options.journal_size_limit) + "; ";
  }
  if (options.max_page_count) {
    pragmas += "PRAGMA max_page_count = " + std::to_string(*options.max_page_count) + "; ";
  }
  if (pragmas.empty()) return core::Ok{};
  return exec(pragmas);
}

core::Status SqliteConnection::set_journal(SqliteJournal journal) {
  if (journal == SqliteJournal::unchanged) return core::Ok{};
  auto mode = SqliteStatement::prepare(*this, "PRAGMA journal_mode = WAL");
  if (!mode) return mode.error();
  auto row = mode->step();
  if (!row) return row.error();
  const std::string got = *row ? mode->column_text(0) : std::string();
  if (journal == SqliteJournal::wal_required && got != "wal") {
    return core::Error::permanent(path_.string() + ": cannot use WAL mode (journal_mode=" + got +
                                  ")");
  }
  return core::Ok{};
}

SqliteConnection::SqliteConnection(SqliteConnection&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), path_(std::move(other.path_)) {}

SqliteConnection& SqliteConnection::operator=(SqliteConnection&& other) noexcept {
  if (this != &other) {
    if (db_ != nullptr) sqlite3_close_v2(db_);
    db_ = std::exchange(other.db_, nullptr);
    path_ = std::move(other.path_);
  }
  return *this;
}

SqliteConnection::~SqliteConnection() {
  if (db_ != nullptr) sqlite3_close_v2(db_);
}

core::Status SqliteConnection::exec(std::string_view sql) {
  const std::string text(sql);
  char* err = nullptr;
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    const std::string detail = err != nullptr ? err : "";
    sqlite3_free(err);
    return sqlite_error(rc, sqlite_context(db_, text), detail);
  }
  return core::Ok{};
}

core::Result<std::int64_t> SqliteConnection::query_int(std::string_view sql) {
  auto stmt = SqliteStatement::prepare(*this, sql);
  if (!stmt) return stmt.error();
  auto row = stmt->step();
  if (!row) return row.error();
  if (!*row) return core::Error::not_found(sqlite_context(db_, sql) + ": no row");
  return stmt->column_int(0);
}

std::int64_t SqliteConnection::changes() const { return sqlite3_changes64(db_); }
std::int64_t SqliteConnection::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
bool SqliteConnection::in_transaction() const {
  return db_ != nullptr && sqlite3_get_autocommit(db_) == 0;
}

}  // namespace stsrelay::db
