// What a node needs to reach the shared PostgreSQL database ([cluster] database): the user's
// conninfo or URI, checked with libpq's own parser, plus the settings the relay adds to every
// connection (connect_timeout, a statement_timeout through `options`, application_name, the
// password from password_file). The conninfo may hold a password, so logs only ever see
// redact_conninfo(): host, port, dbname and user.
//
// Pure apart from libpq's parser (PQconninfoParse touches no network and no files).
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "src/core/result.hpp"

namespace stsrelay::db {

struct PgSettings {
  std::string conninfo;                           // key=value or postgresql:// URI
  std::string password;                           // from password_file; empty: conninfo/PGPASSWORD
  std::string application_name = "stsrelay";
  std::chrono::seconds connect_timeout{5};
  // Every statement is bounded on the server: a slow database fails a statement with
  // SQLSTATE 57014 instead of holding the worker thread.
  std::chrono::milliseconds statement_timeout{10'000};
};

// Checks the syntax of a conninfo or URI; the error is libpq's, without the text itself (it
// may hold a password).
core::Status check_conninfo(std::string_view conninfo);

// "host=db.test port=5432 dbname=stsrelay user=relay": what may be logged. Keys the text does
// not set are left out; a text libpq cannot parse gives "(unparsable conninfo)".
std::string redact_conninfo(std::string_view conninfo);

// The keyword/value pairs for PQconnectdbParams (expand_dbname = 1): the user's text first as
// "dbname" (libpq expands it), then the relay's settings, which override it.
std::vector<std::pair<std::string, std::string>> connect_params(const PgSettings& settings);

// The first line of a password file, without its line ending; errors name the file, never the
// content.
core::Result<std::string> read_password_file(const std::string& path);

}  // namespace stsrelay::db
