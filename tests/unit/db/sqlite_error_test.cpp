// The one mapping from SQLite result codes to ErrorKind: a table over primary and extended codes,
// and the message and log line a damaged file produces.
#include "src/db/sqlite_error.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <memory>

#include "table_test.hpp"

namespace stsrelay::db {
namespace {

using core::ErrorKind;

TEST(SqliteError, KindOfEveryCodeTheStoresMeet) {
  const testing::Row<int, ErrorKind> rows[] = {
      {"busy: another connection holds the lock", SQLITE_BUSY, ErrorKind::temporary},
      {"busy snapshot (extended)", SQLITE_BUSY_SNAPSHOT, ErrorKind::temporary},
      {"locked: a conflict on the same connection", SQLITE_LOCKED, ErrorKind::temporary},
      {"locked shared cache (extended)", SQLITE_LOCKED_SHAREDCACHE, ErrorKind::temporary},
      {"full: disk or max_page_count", SQLITE_FULL, ErrorKind::no_space},
      {"corrupt", SQLITE_CORRUPT, ErrorKind::permanent},
      {"corrupt index (extended)", SQLITE_CORRUPT_INDEX, ErrorKind::permanent},
      {"not a database", SQLITE_NOTADB, ErrorKind::permanent},
      {"constraint", SQLITE_CONSTRAINT, ErrorKind::invalid},
      {"unique constraint (extended)", SQLITE_CONSTRAINT_UNIQUE, ErrorKind::invalid},
      {"check constraint (extended)", SQLITE_CONSTRAINT_CHECK, ErrorKind::invalid},
      {"datatype mismatch", SQLITE_MISMATCH, ErrorKind::invalid},
      {"too big", SQLITE_TOOBIG, ErrorKind::invalid},
      {"bind index out of range", SQLITE_RANGE, ErrorKind::invalid},
      {"I/O error", SQLITE_IOERR, ErrorKind::temporary},
      {"write I/O error (extended)", SQLITE_IOERR_WRITE, ErrorKind::temporary},
      {"fsync I/O error (extended)", SQLITE_IOERR_FSYNC, ErrorKind::temporary},
      {"out of memory", SQLITE_NOMEM, ErrorKind::temporary},
      {"cannot open", SQLITE_CANTOPEN, ErrorKind::temporary},
      {"locking protocol", SQLITE_PROTOCOL, ErrorKind::temporary},
      {"SQL error", SQLITE_ERROR, ErrorKind::permanent},
      {"read-only", SQLITE_READONLY, ErrorKind::permanent},
      {"permission", SQLITE_PERM, ErrorKind::permanent},
      {"schema changed", SQLITE_SCHEMA, ErrorKind::permanent},
  };
  testing::expect_rows(rows, [](int code) { return sqlite_error_kind(code); });
  testing::expect_rows(rows, [](int code) { return sqlite_error(code, "ctx").kind; });
}

TEST(SqliteError, DamagedIsCorruptOrNotADatabaseOnly) {
  EXPECT_TRUE(sqlite_is_damaged(SQLITE_CORRUPT));
  EXPECT_TRUE(sqlite_is_damaged(SQLITE_CORRUPT_VTAB));
  EXPECT_TRUE(sqlite_is_damaged(SQLITE_NOTADB));
  EXPECT_FALSE(sqlite_is_damaged(SQLITE_FULL));
  EXPECT_FALSE(sqlite_is_damaged(SQLITE_IOERR));
  EXPECT_FALSE(sqlite_is_damaged(SQLITE_BUSY));
}

TEST(SqliteError, MessageHasContextCodeTextAndDetailOnce) {
  auto e = sqlite_error(SQLITE_FULL, "queue.db: INSERT", "database or disk is full");
  EXPECT_EQ(e.message, "queue.db: INSERT: database or disk is full");
  e = sqlite_error(SQLITE_CONSTRAINT_UNIQUE, "x.db: INSERT", "UNIQUE constraint failed: t.id");
  EXPECT_EQ(e.message, "x.db: INSERT: constraint failed (UNIQUE constraint failed: t.id)");
}

// A damaged file is logged where it is mapped, so that no store can let it pass silently; other
// errors are left to the caller to log.
TEST(SqliteError, DamagedFileIsLoggedOthersAreNot) {
  auto sink = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(16);
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("db-test", sink));
  (void)sqlite_error(SQLITE_BUSY, "a.db: SELECT");
  (void)sqlite_error(SQLITE_FULL, "a.db: INSERT");
  EXPECT_TRUE(sink->last_formatted().empty());
  (void)sqlite_error(SQLITE_CORRUPT, "b.db: SELECT");
  (void)sqlite_error(SQLITE_NOTADB, "c.db: PRAGMA");
  const auto lines = sink->last_formatted();
  spdlog::set_default_logger(previous);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[0].find("b.db: SELECT"), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("damaged"), std::string::npos) << lines[0];
  EXPECT_NE(lines[1].find("c.db: PRAGMA"), std::string::npos) << lines[1];
}

TEST(SqliteError, ContextNamesFileAndShortensLongStatements) {
  EXPECT_EQ(sqlite_context(nullptr, "\n  SELECT 1"), "SELECT 1");
  const std::string long_sql(100, 'x');
  EXPECT_EQ(sqlite_context(nullptr, long_sql), std::string(48, 'x') + "...");
}

}  // namespace
}  // namespace stsrelay::db
