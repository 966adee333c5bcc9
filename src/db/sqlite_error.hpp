// The one mapping from SQLite result codes to core::Error, shared by every SQLite store (queue.db,
// sts.db, tlsrpt.db), so that a full disk or a damaged file means the same thing everywhere:
//   SQLITE_FULL                                      -> no_space  (the queue answers 452 4.3.1)
//   SQLITE_BUSY / LOCKED / IOERR / NOMEM / CANTOPEN / PROTOCOL -> temporary
//   SQLITE_CONSTRAINT / MISMATCH / TOOBIG / RANGE    -> invalid
//   SQLITE_CORRUPT / NOTADB                          -> permanent, and logged at error level:
//                                                       retrying cannot repair the file, an
//                                                       administrator has to
//   anything else                                    -> permanent
// Extended result codes (SQLITE_IOERR_WRITE, ...) map as their primary code.
#pragma once

#include <string>
#include <string_view>

#include "src/core/result.hpp"

struct sqlite3;

namespace stsrelay::db {

// How a caller should react to `code` (primary or extended); pure.
core::ErrorKind sqlite_error_kind(int code);

// True for the codes that mean the file itself is damaged (SQLITE_CORRUPT, SQLITE_NOTADB).
bool sqlite_is_damaged(int code);

// An Error of sqlite_error_kind(code) whose message is `context`, SQLite's text for the code and,
// when it adds something, `detail` (usually sqlite3_errmsg). A damaged file is logged here, once
// per error, so that no caller can let it pass silently.
core::Error sqlite_error(int code, std::string_view context, std::string_view detail = {});

// "<file>: <start of sql>": enough to find the statement in the source and the file on disk,
// short enough for a log line. `db` may be null.
std::string sqlite_context(sqlite3* db, std::string_view sql);

}  // namespace stsrelay::db
