// One BLOB value of one row opened for incremental I/O (sqlite3_blob_open), so that a value of
// many megabytes is written or read in chunks instead of being built whole in memory.
//
// While a handle is open its connection holds a read (or, for writing, the write) transaction:
// a reader keeps the handle only as long as it streams, so that WAL checkpoints are not held
// back for longer than that.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "src/core/result.hpp"
#include "src/db/sqlite_connection.hpp"

struct sqlite3_blob;

namespace stsrelay::db {

class SqliteBlob {
 public:
  static core::Result<SqliteBlob> open(SqliteConnection& conn, std::string_view table,
                                       std::string_view column, std::int64_t rowid, bool write);

  SqliteBlob() = default;
  SqliteBlob(SqliteBlob&& other) noexcept;
  SqliteBlob& operator=(SqliteBlob&& other) noexcept;
  SqliteBlob(const SqliteBlob&) = delete;
  SqliteBlob& operator=(const SqliteBlob&) = delete;
  ~SqliteBlob();

  std::uint64_t size() const;
  // Exactly `n` bytes from `offset` (which must lie within the value).
  core::Status read(std::uint64_t offset, char* buf, std::size_t n);
  // Overwrites bytes from `offset`; a blob never grows (bind_zeroblob() makes the room).
  core::Status write(std::uint64_t offset, std::string_view bytes);

 private:
  SqliteBlob(sqlite3_blob* blob, std::string context) : blob_(blob), context_(std::move(context)) {}
  void close();

  sqlite3_blob* blob_ = nullptr;
  std::string context_;  // "<file>: messages.content of row 12", for errors
};

}  // namespace stsrelay::db
