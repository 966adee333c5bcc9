// A prepared SQLite statement as an RAII value. bind() uses 1-based indexes like SQLite,
// column_*() 0-based. Errors carry the file and the start of the statement as context, mapped by
// sqlite_error().
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "src/core/result.hpp"
#include "src/db/sqlite_connection.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace stsrelay::db {

class SqliteStatement {
 public:
  // `persistent`: the statement will be kept and run many times (SQLITE_PREPARE_PERSISTENT).
  static core::Result<SqliteStatement> prepare(SqliteConnection& conn, std::string_view sql,
                                               bool persistent = false);

  SqliteStatement() = default;
  SqliteStatement(SqliteStatement&& other) noexcept;
  SqliteStatement& operator=(SqliteStatement&& other) noexcept;
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;
  ~SqliteStatement();

  SqliteStatement& bind(int index, std::int64_t value);
  SqliteStatement& bind(int index, std::string_view text);
  SqliteStatement& bind_blob(int index, std::string_view bytes);
  // Without SQLite's own copy (SQLITE_STATIC): for large values such as message content. The
  // bytes must stay valid until the statement is reset() or bound again.
  SqliteStatement& bind_blob_unowned(int index, std::string_view bytes);
  // A blob of `size` zero bytes that SQLite does not build in memory: room that SqliteBlob then
  // fills in chunks.
  SqliteStatement& bind_zeroblob(int index, std::uint64_t size);

  // Advances: true with a row, false when done.
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
  // Bind errors are remembered and reported by the next step(): binding cannot fail for these
  // types except on out-of-memory or a bad index, and one place to look at errors is simpler.
  int bind_error_ = 0;
};

}  // namespace stsrelay::db
