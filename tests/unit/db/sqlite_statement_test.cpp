// Prepared statements: bind and read back every type the stores use, the errors of preparing,
// binding and stepping, and the statement cache.
#include "src/db/sqlite_statement.hpp"

#include <gtest/gtest.h>

#include "src/db/sqlite_statement_cache.hpp"

namespace stsrelay::db {
namespace {

SqliteConnection memory_db() {
  auto conn = SqliteConnection::open(":memory:", SqliteOptions{});
  EXPECT_TRUE(conn) << conn.error().message;
  auto made = conn->exec("CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER, s TEXT, b BLOB)");
  EXPECT_TRUE(made) << made.error().message;
  return std::move(*conn);
}

TEST(SqliteStatement, BindStepAndColumnsRoundTrip) {
  struct Row {
    const char* name;
    std::int64_t n;
    std::string s;
    std::string b;
  };
  const Row rows[] = {
      {"plain", 42, "hello", "blob"},
      {"negative and large", -9007199254740993LL, "", std::string(100000, 'z')},
      {"NUL bytes and every octet", 0, std::string("a\0b", 3), std::string("\0\x01\xff", 3)},
      {"UTF-8 text", 1, "\xc3\xa9t\xc3\xa9", ""},
  };
  auto conn = memory_db();
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    auto insert = SqliteStatement::prepare(conn, "INSERT INTO t (n, s, b) VALUES (?1, ?2, ?3)");
    ASSERT_TRUE(insert) << insert.error().message;
    insert->bind(1, row.n).bind(2, row.s).bind_blob(3, row.b);
    ASSERT_TRUE(insert->run());
    const std::int64_t id = conn.last_insert_rowid();
    auto select = SqliteStatement::prepare(conn, "SELECT n, s, b, typeof(b) FROM t WHERE id = ?1");
    ASSERT_TRUE(select);
    select->bind(1, id);
    auto found = select->step();
    ASSERT_TRUE(found && *found);
    EXPECT_EQ(select->column_int(0), row.n);
    EXPECT_EQ(select->column_text(1), row.s);
    EXPECT_EQ(select->column_text(2), row.b);
    EXPECT_EQ(select->column_text(3), "blob");  // an empty blob is a BLOB, not NULL
    EXPECT_FALSE(select->column_is_null(2));
    auto done = select->step();
    ASSERT_TRUE(done);
    EXPECT_FALSE(*done);
  }
}

TEST(SqliteStatement, NullReadsAsEmptyAndIsNull) {
  auto conn = memory_db();
  ASSERT_TRUE(conn.exec("INSERT INTO t (n, s, b) VALUES (NULL, NULL, NULL)"));
  auto q = SqliteStatement::prepare(conn, "SELECT n, s, b FROM t");
  ASSERT_TRUE(q);
  ASSERT_TRUE(q->step());
  for (int column = 0; column < 3; ++column) {
    EXPECT_TRUE(q->column_is_null(column));
    EXPECT_EQ(q->column_text(column), "");
  }
  EXPECT_EQ(q->column_int(0), 0);
}

TEST(SqliteStatement, ResetRunsAgainWithNewBindings) {
  auto conn = memory_db();
  auto insert = SqliteStatement::prepare(conn, "INSERT INTO t (n) VALUES (?1)", true);
  ASSERT_TRUE(insert);
  for (std::int64_t n : {1, 2, 3}) {
    insert->reset();
    insert->bind(1, n);
    ASSERT_TRUE(insert->run());
  }
  EXPECT_EQ(*conn.query_int("SELECT sum(n) FROM t"), 6);
}

TEST(SqliteStatement, ErrorsOfPrepareBindAndStep) {
  auto conn = memory_db();
  ASSERT_TRUE(conn.exec("CREATE TABLE u (k TEXT PRIMARY KEY, v INTEGER CHECK (v > 0))"));
  ASSERT_TRUE(conn.exec("INSERT INTO u VALUES ('a', 1)"));
  struct Row {
    const char* name;
    const char* sql;
    int index;  // 0: bind nothing
    core::ErrorKind kind;
  };
  const Row rows[] = {
      {"syntax error", "SELEC 1", 0, core::ErrorKind::permanent},
      {"no such table", "SELECT * FROM nowhere", 0, core::ErrorKind::permanent},
      {"unique constraint", "INSERT INTO u VALUES ('a', 2)", 0, core::ErrorKind::invalid},
      {"check constraint", "INSERT INTO u VALUES ('b', -1)", 0, core::ErrorKind::invalid},
      {"bind index out of range", "SELECT ?1", 2, core::ErrorKind::invalid},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    auto q = SqliteStatement::prepare(conn, row.sql);
    core::Status outcome = core::Ok{};
    if (!q) {
      outcome = q.error();
    } else {
      if (row.index != 0) q->bind(row.index, std::int64_t{1});
      outcome = q->run();
    }
    ASSERT_FALSE(outcome);
    EXPECT_EQ(outcome.error().kind, row.kind) << outcome.error().message;
    // The statement is named, so the log line leads to the source.
    EXPECT_NE(outcome.error().message.find(std::string(row.sql).substr(0, 5)), std::string::npos)
        << outcome.error().message;
  }
}

TEST(SqliteStatementCache, PreparesOnceAndHandsOutResetStatements) {
  auto conn = memory_db();
  SqliteStatementCache cache(conn);
  auto first = cache.get("SELECT ?1");
  ASSERT_TRUE(first);
  (*first)->bind(1, std::int64_t{5});
  ASSERT_TRUE((*first)->step());
  auto again = cache.get("SELECT ?1");
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, *first);
  auto row = (*again)->step();
  ASSERT_TRUE(row && *row);
  EXPECT_TRUE((*again)->column_is_null(0));  // bindings were cleared
  auto bad = cache.get("SELEC");
  ASSERT_FALSE(bad);
  EXPECT_EQ(&cache.db(), &conn);
}

}  // namespace
}  // namespace stsrelay::db
