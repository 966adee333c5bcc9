#include "src/db/sqlite_blob.hpp"

#include <sqlite3.h>

#include <utility>

#include "src/db/sqlite_error.hpp"

namespace stsrelay::db {

core::Result<SqliteBlob> SqliteBlob::open(SqliteConnection& conn, std::string_view table,
                                          std::string_view column, std::int64_t rowid,
                                          bool write) {
  const std::string t(table);
  const std::string c(column);
  std::string context = conn.path().string() + ": " + t + "." + c + " of row " +
                        std::to_string(rowid);
  sqlite3_blob* blob = nullptr;
  const int rc = sqlite3_blob_open(conn.handle(), "main", t.c_str(), c.c_str(), rowid,
                                   write ? 1 : 0, &blob);
  if (rc != SQLITE_OK) {
    const std::string detail = sqlite3_errmsg(conn.handle());
    sqlite3_blob_close(blob);  // a failed open may still hand out a handle to free
    return sqlite_error(rc, context, detail);
  }
  return SqliteBlob(blob, std::move(context));
}

SqliteBlob::SqliteBlob(SqliteBlob&& other) noexcept
    : blob_(std::exchange(other.blob_, nullptr)), context_(std::move(other.context_)) {}

SqliteBlob& SqliteBlob::operator=(SqliteBlob&& other) noexcept {
  if (this != &other) {
    close();
    blob_ = std::exchange(other.blob_, nullptr);
    context_ = std::move(other.context_);
  }
  return *this;
}

SqliteBlob::~SqliteBlob() { close(); }

void SqliteBlob::close() {
  if (blob_ != nullptr) sqlite3_blob_close(blob_);
  blob_ = nullptr;
}

std::uint64_t SqliteBlob::size() const {
  return blob_ == nullptr ? 0 : static_cast<std::uint64_t>(sqlite3_blob_bytes(blob_));
}

// sqlite3_blob_read/write take int sizes and offsets: SQLite values are below 2 GiB
// (SQLITE_MAX_LENGTH), so a value that fits the blob fits an int.
core::Status SqliteBlob::read(std::uint64_t offset, char* buf, std::size_t n) {
  if (offset + n > size()) {
    return core::Error::invalid(context_ + ": read past the end of the value");
  }
  const int rc = sqlite3_blob_read(blob_, buf, static_cast<int>(n), static_cast<int>(offset));
  if (rc != SQLITE_OK) return sqlite_error(rc, context_ + ": read");
  return core::Ok{};
}

core::Status SqliteBlob::write(std::uint64_t offset, std::string_view bytes) {
  if (offset + bytes.size() > size()) {
    return core::Error::invalid(context_ + ": write past the end of the value");
  }
  const int rc = sqlite3_blob_write(blob_, bytes.data(), static_cast<int>(bytes.size()),
                                    static_cast<int>(offset));
  if (rc != SQLITE_OK) return sqlite_error(rc, context_ + ": write");
  return core::Ok{};
}

}  // namespace stsrelay::db
