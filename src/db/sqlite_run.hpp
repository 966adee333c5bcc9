// Statements that are prepared, bound, run once and dropped: the writes of the stores that are
// not on a hot path (a hot one keeps its statement in a SqliteStatementCache).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string_view>
#include <utility>

#include "src/core/result.hpp"
#include "src/db/sqlite_connection.hpp"
#include "src/db/sqlite_statement.hpp"
#include "src/db/sqlite_transaction.hpp"

namespace stsrelay::db {

// Prepares `sql` and binds `args` to ?1, ?2, ... in turn.
template <typename... Args>
core::Result<SqliteStatement> prepare_bound(SqliteConnection& conn, std::string_view sql,
                                            const Args&... args) {
  auto statement = SqliteStatement::prepare(conn, sql);
  if (!statement) return statement.error();
  int index = 0;
  (statement->bind(++index, args), ...);
  return statement;
}

// Prepares `sql`, binds `args` and runs it to completion (a statement that returns no rows).
template <typename... Args>
core::Status run_once(SqliteConnection& conn, std::string_view sql, const Args&... args) {
  auto statement = prepare_bound(conn, sql, args...);
  if (!statement) return statement.error();
  return statement->run();
}

// Steps `statement` through its rows and calls `each(statement)` on each; the first error, of a
// step or of `each` (which returns a core::Status), ends it.
template <typename Each>
core::Status for_each_row(SqliteStatement& statement, Each each) {
  for (;;) {
    auto row = statement.step();
    if (!row) return row.error();
    if (!*row) return core::Ok{};
    if (auto done = each(std::as_const(statement)); !done) return done;
  }
}

// for_each_row() over the rows of `sql` with `args` bound.
template <typename Each, typename... Args>
core::Status for_each_row(SqliteConnection& conn, std::string_view sql, Each each,
                          const Args&... args) {
  auto statement = prepare_bound(conn, sql, args...);
  if (!statement) return statement.error();
  return for_each_row(*statement, std::move(each));
}

// Prepares `sql`, binds `args` to ?1, ?2, ... in turn, and steps to its first row: the statement
// on that row, or nullopt when there is none.
template <typename... Args>
core::Result<std::optional<SqliteStatement>> first_row(SqliteConnection& conn,
                                                       std::string_view sql,
                                                       const Args&... args) {
  auto statement = prepare_bound(conn, sql, args...);
  if (!statement) return statement.error();
  auto row = statement->step();
  if (!row) return row.error();
  if (!*row) return std::optional<SqliteStatement>();
  return std::optional<SqliteStatement>(std::move(*statement));
}

// Runs each of `statements`, in order, with `value` bound to ?1, in one transaction: all of them
// or none. Returns how many rows the last one changed. For removing what is older than a cutoff,
// the rows that refer to others before those they refer to.
template <typename Value>
core::Result<std::int64_t> run_in_one_transaction(
    SqliteConnection& conn, std::initializer_list<std::string_view> statements,
    const Value& value) {
  auto txn = SqliteTransaction::begin(conn);
  if (!txn) return txn.error();
  for (std::string_view sql : statements) {
    if (auto done = run_once(conn, sql, value); !done) return done.error();
  }
  const std::int64_t changed = conn.changes();
  if (auto done = txn->commit(); !done) return done.error();
  return changed;
}

}  // namespace stsrelay::db
