// Opening a connection: the pragmas each option sets, and the errors of files that cannot be
// opened, each with the ErrorKind of the one mapping.
#include "src/db/sqlite_connection.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "temp_dir.hpp"

namespace stsrelay::db {
namespace {

using stsrelay::testing::TempDir;

std::int64_t pragma(SqliteConnection& conn, const char* sql) {
  auto value = conn.query_int(sql);
  EXPECT_TRUE(value) << value.error().message;
  return value ? *value : -1;
}

TEST(SqliteConnection, DurableSetsWalSynchronousFullAndBusyTimeout) {
  TempDir dir;
  auto conn = SqliteConnection::open(dir.db(), SqliteOptions::durable());
  ASSERT_TRUE(conn) << conn.error().message;
  EXPECT_EQ(pragma(*conn, "PRAGMA synchronous"), 2);  // FULL
  EXPECT_EQ(pragma(*conn, "PRAGMA busy_timeout"), 5000);
  EXPECT_EQ(pragma(*conn, "PRAGMA foreign_keys"), 0);
  auto plain = SqliteConnection::open(dir.db(), SqliteOptions::existing_file());
  ASSERT_TRUE(plain) << plain.error().message;
  auto mode = plain->exec("CREATE TABLE t (x)");  // WAL is written into the file on first use
  ASSERT_TRUE(mode) << mode.error().message;
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "test.db-wal"));
}

TEST(SqliteConnection, EveryOptionReachesItsPragma) {
  TempDir dir;
  SqliteOptions options;
  options.busy_timeout = std::chrono::milliseconds{1234};
  options.page_size = 16384;
  options.journal = SqliteJournal::wal_required;
  options.synchronous_full = true;
  options.foreign_keys = true;
  options.journal_size_limit = 1 << 20;
  options.max_page_count = 500;
  auto conn = SqliteConnection::open(dir.db(), options);
  ASSERT_TRUE(conn) << conn.error().message;
  EXPECT_EQ(pragma(*conn, "PRAGMA busy_timeout"), 1234);
  EXPECT_EQ(pragma(*conn, "PRAGMA page_size"), 16384);
  EXPECT_EQ(pragma(*conn, "PRAGMA synchronous"), 2);
  EXPECT_EQ(pragma(*conn, "PRAGMA foreign_keys"), 1);
  EXPECT_EQ(pragma(*conn, "PRAGMA journal_size_limit"), 1 << 20);
  EXPECT_EQ(pragma(*conn, "PRAGMA max_page_count"), 500);
}

TEST(SqliteConnection, FilesThatCannotBeOpened) {
  TempDir dir;
  {
    std::ofstream garbage(dir.path() / "garbage.db");
    garbage << std::string(4096, 'x');
  }
  struct Row {
    const char* name;
    std::filesystem::path path;
    SqliteOptions options;
    core::ErrorKind kind;
  };
  const Row rows[] = {
      {"missing directory", dir.path() / "no-such-dir" / "a.db", SqliteOptions::durable(),
       core::ErrorKind::temporary},
      {"missing file, not created", dir.path() / "absent.db", SqliteOptions::existing_file(),
       core::ErrorKind::temporary},
      {"not a database", dir.path() / "garbage.db", SqliteOptions::durable(),
       core::ErrorKind::permanent},
      // An in-memory database has no WAL: refused where WAL is required, kept otherwise.
      {"WAL required but unavailable", ":memory:",
       [] {
         auto o = SqliteOptions::durable();
         o.journal = SqliteJournal::wal_required;
         return o;
       }(),
       core::ErrorKind::permanent},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    auto conn = SqliteConnection::open(row.path, row.options);
    ASSERT_FALSE(conn);
    EXPECT_EQ(conn.error().kind, row.kind) << conn.error().message;
    EXPECT_NE(conn.error().message.find(row.path.string()), std::string::npos)
        << conn.error().message;
  }
  EXPECT_TRUE(SqliteConnection::open(":memory:", SqliteOptions::durable()));
}

TEST(SqliteConnection, ExecAndQueryInt) {
  auto conn = SqliteConnection::open(":memory:", SqliteOptions{});
  ASSERT_TRUE(conn);
  ASSERT_TRUE(conn->exec("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (7), (8);"));
  EXPECT_EQ(conn->changes(), 2);
  EXPECT_EQ(conn->last_insert_rowid(), 2);
  EXPECT_EQ(pragma(*conn, "SELECT sum(x) FROM t"), 15);
  auto none = conn->query_int("SELECT x FROM t WHERE x > 100");
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().kind, core::ErrorKind::not_found);
  auto bad = conn->exec("CREATE TABLE");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind, core::ErrorKind::permanent);
  EXPECT_NE(bad.error().message.find("CREATE TABLE"), std::string::npos) << bad.error().message;
}

TEST(SqliteConnection, MovedConnectionKeepsItsHandle) {
  auto conn = SqliteConnection::open(":memory:", SqliteOptions{});
  ASSERT_TRUE(conn);
  SqliteConnection moved = std::move(*conn);
  EXPECT_EQ(conn->handle(), nullptr);
  EXPECT_TRUE(moved.exec("CREATE TABLE t (x)"));
}

}  // namespace
}  // namespace stsrelay::db
