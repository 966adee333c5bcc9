#include "src/db/sqlite_statement_cache.hpp"

#include <utility>

namespace stsrelay::db {

core::Result<SqliteStatement*> SqliteStatementCache::get(std::string_view sql) {
  auto found = statements_.find(sql);
  if (found == statements_.end()) {
    auto prepared = SqliteStatement::prepare(*conn_, sql, /*persistent=*/true);
    if (!prepared) return prepared.error();
    found = statements_.emplace(std::string(sql), std::move(*prepared)).first;
  } else {
    found->second.reset();
  }
  return &found->second;
}

}  // namespace stsrelay::db
