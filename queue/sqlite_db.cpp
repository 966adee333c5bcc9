#include "queue/sqlite_db.hpp"

#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <utility>

namespace stsrelay::queue {
namespace {

// The start of a statement, enough to find it in the source, short enough for a log line.
std::string abbreviate(std::string_view sql) {
  constexpr std::size_t kMax = 48;
  while (!sql.empty() && (sql.front() == ' ' || sql.front() == '\n')) sql.remove_prefix(1);
  if (sql.size() <= kMax) return std::string(sql);
  return std::string(sql.substr(0, kMax)) + "...";
}

}  // namespace

core::Error sqlite_error(int code, std::string_view context, std::string_view detail) {
  std::string message(context);
  message += ": ";
  message += sqlite3_errstr(code);
  if (!detail.empty() && detail != sqlite3_errstr(code)) {
    message += " (";
    message += detail;
    message += ')';
  }
  switch (code & 0xff) {
    case SQLITE_FULL:
      return core::Error::no_space(std::move(message));
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_NOMEM:
    case SQLITE_CANTOPEN:
    case SQLITE_PROTOCOL:
      return core::Error::temporary(std::move(message));
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
    case SQLITE_TOOBIG:
    case SQLITE_RANGE:
      return core::Error::invalid(std::move(message));
    default:
      return core::Error::permanent(std::move(message));
  }
}

core::Result<Db> Db::open(const std::filesystem::path& path, bool create) {
  Db db;
  db.path_ = path;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
  if (create) flags |= SQLITE_OPEN_CREATE;
  const int rc = sqlite3_open_v2(path.c_str(), &db.db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string detail = db.db_ != nullptr ? sqlite3_errmsg(db.db_) : "";
    return sqlite_error(rc, "open " + path.string(), detail);
  }
  sqlite3_extended_result_codes(db.db_, 1);
  return db;
}

Db::Db(Db&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), path_(std::move(other.path_)) {}

Db& Db::operator=(Db&& other) noexcept {
  if (this != &other) {
    if (db_ != nullptr) sqlite3_close_v2(db_);
    db_ = std::exchange(other.db_, nullptr);
    path_ = std::move(other.path_);
  }
  return *this;
}

Db::~Db() {
  if (db_ != nullptr) sqlite3_close_v2(db_);
}

core::Status Db::exec(std::string_view sql) {
  const std::string text(sql);
  char* err = nullptr;
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string detail = err != nullptr ? err : "";
    sqlite3_free(err);
    return sqlite_error(rc, abbreviate(text), detail);
  }
  return core::Ok{};
}

core::Result<std::int64_t> Db::query_int(std::string_view sql) {
  auto stmt = Statement::prepare(*this, sql);
  if (!stmt) return stmt.error();
  auto row = stmt->step();
  if (!row) return row.error();
  if (!*row) return core::Error::not_found(abbreviate(sql) + ": no row");
  return stmt->column_int(0);
}

std::int64_t Db::changes() const { return sqlite3_changes64(db_); }
std::int64_t Db::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
bool Db::in_transaction() const { return db_ != nullptr && sqlite3_get_autocommit(db_) == 0; }

core::Result<Statement> Statement::prepare(Db& db, std::string_view sql) {
  Statement stmt;
  stmt.db_ = db.handle();
  const int rc = sqlite3_prepare_v3(db.handle(), sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &stmt.stmt_, nullptr);
  if (rc != SQLITE_OK) return sqlite_error(rc, abbreviate(sql), sqlite3_errmsg(db.handle()));
  return stmt;
}

Statement::Statement(Statement&& other) noexcept
    : stmt_(std::exchange(other.stmt_, nullptr)),
      db_(std::exchange(other.db_, nullptr)),
      bind_error_(std::exchange(other.bind_error_, 0)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    if (stmt_ != nullptr) sqlite3_finalize(stmt_);
    stmt_ = std::exchange(other.stmt_, nullptr);
    db_ = std::exchange(other.db_, nullptr);
    bind_error_ = std::exchange(other.bind_error_, 0);
  }
  return *this;
}

Statement::~Statement() {
  if (stmt_ != nullptr) sqlite3_finalize(stmt_);
}

Statement& Statement::bind(int index, std::int64_t value) {
  const int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK && bind_error_ == 0) bind_error_ = rc;
  return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
  // SQLITE_TRANSIENT: SQLite copies, so the caller's buffer may go away before step().
  const int rc =
      sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK && bind_error_ == 0) bind_error_ = rc;
  return *this;
}

Statement& Statement::bind_blob(int index, std::string_view bytes) {
  // A zero-length blob must still be a BLOB, not NULL: sqlite3_bind_blob64 with a null pointer
  // binds NULL, so point at a static byte when empty.
  static const char kEmpty = 0;
  const char* data = bytes.empty() ? &kEmpty : bytes.data();
  const int rc = sqlite3_bind_blob64(stmt_, index, data, bytes.size(), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK && bind_error_ == 0) bind_error_ = rc;
  return *this;
}

core::Result<bool> Statement::step() {
  if (bind_error_ != 0) {
    const int rc = std::exchange(bind_error_, 0);
    return sqlite_error(rc, "bind: " + abbreviate(sqlite3_sql(stmt_)));
  }
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return sqlite_error(rc, abbreviate(sqlite3_sql(stmt_)), sqlite3_errmsg(db_));
}

core::Status Statement::run() {
  for (;;) {
    auto row = step();
    if (!row) return row.error();
    if (!*row) return core::Ok{};
  }
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  bind_error_ = 0;
}

std::int64_t Statement::column_int(int index) const { return sqlite3_column_int64(stmt_, index); }

std::string Statement::column_text(int index) const {
  // sqlite3_column_blob before sqlite3_column_bytes, as the SQLite documentation requires.
  const void* data = sqlite3_column_blob(stmt_, index);
  const int size = sqlite3_column_bytes(stmt_, index);
  if (data == nullptr || size <= 0) return {};
  return std::string(static_cast<const char*>(data), static_cast<std::size_t>(size));
}

bool Statement::column_is_null(int index) const {
  return sqlite3_column_type(stmt_, index) == SQLITE_NULL;
}

core::Result<Transaction> Transaction::begin(Db& db) {
  auto begun = db.exec("BEGIN IMMEDIATE");
  if (!begun) return begun.error();
  return Transaction(db);
}

Transaction::Transaction(Transaction&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}

Transaction::~Transaction() {
  // SQLite may already have rolled back by itself (SQLITE_FULL, SQLITE_IOERR during commit);
  // a ROLLBACK then would fail with "no transaction is active", so ask first.
  if (db_ != nullptr && db_->in_transaction()) {
    auto undone = db_->exec("ROLLBACK");
    // A failed ROLLBACK leaves nothing to do here but say so: SQLite rolls the transaction back
    // when the connection closes, and the next BEGIN on this connection will report it.
    if (!undone) spdlog::error("queue: {}: {}", db_->path().string(), undone.error().message);
  }
}

core::Status Transaction::commit() {
  auto done = db_->exec("COMMIT");
  if (done) db_ = nullptr;
  return done;
}

core::Result<Statement*> StatementCache::get(std::string_view sql) {
  auto found = statements_.find(sql);
  if (found == statements_.end()) {
    auto prepared = Statement::prepare(*db_, sql);
    if (!prepared) return prepared.error();
    found = statements_.emplace(std::string(sql), std::move(*prepared)).first;
  } else {
    found->second.reset();
  }
  return &found->second;
}

}  // namespace stsrelay::queue
