#include "src/db/sqlite_error.hpp"

#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <utility>

namespace stsrelay::db {

core::ErrorKind sqlite_error_kind(int code) {
  switch (code & 0xff) {
    case SQLITE_FULL:
      return core::ErrorKind::no_space;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_NOMEM:
    case SQLITE_CANTOPEN:
    case SQLITE_PROTOCOL:
      return core::ErrorKind::temporary;
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
    case SQLITE_TOOBIG:
    case SQLITE_RANGE:
      return core::ErrorKind::invalid;
    default:
      return core::ErrorKind::permanent;
  }
}

bool sqlite_is_damaged(int code) {
  const int primary = code & 0xff;
  return primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB;
}

core::Error sqlite_error(int code, std::string_view context, std::string_view detail) {
  const std::string_view text = sqlite3_errstr(code);
  std::string message(context);
  message += ": ";
  message += text;
  if (!detail.empty() && detail != text) {
    message += " (";
    message += detail;
    message += ')';
  }
  if (sqlite_is_damaged(code)) {
    spdlog::error("sqlite: {}: the database file is damaged; restore it from a backup or move "
                  "it aside",
                  message);
  }
  return core::Error{sqlite_error_kind(code), std::move(message)};
}

std::string sqlite_context(sqlite3* db, std::string_view sql) {
  constexpr std::size_t kMax = 48;
  while (!sql.empty() && (sql.front() == ' ' || sql.front() == '\n')) sql.remove_prefix(1);
  std::string out;
  const char* file = db != nullptr ? sqlite3_db_filename(db, "main") : nullptr;
  if (file != nullptr && *file != '\0') {
    out += file;
    out += ": ";
  }
  if (sql.size() <= kMax) {
    out += sql;
  } else {
    out += sql.substr(0, kMax);
    out += "...";
  }
  return out;
}

}  // namespace stsrelay::db
