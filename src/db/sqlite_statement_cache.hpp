// Prepared statements kept for the life of one connection, keyed by their SQL text, for a
// connection that runs the same few statements all day (the queue's writer). get() returns the
// statement reset and with cleared bindings. The cache must not outlive its connection.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "src/core/result.hpp"
#include "src/db/sqlite_connection.hpp"
#include "src/db/sqlite_statement.hpp"

namespace stsrelay::db {

class SqliteStatementCache {
 public:
  explicit SqliteStatementCache(SqliteConnection& conn) : conn_(&conn) {}
  core::Result<SqliteStatement*> get(std::string_view sql);
  SqliteConnection& db() { return *conn_; }

 private:
  SqliteConnection* conn_;
  std::map<std::string, SqliteStatement, std::less<>> statements_;
};

}  // namespace stsrelay::db
