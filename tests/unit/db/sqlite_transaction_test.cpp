// Transactions and the errors real SQLite produces under them: rollback unless committed, a busy
// and a locked database, a full one (the queue's 452 4.3.1) and a damaged file.
#include "src/db/sqlite_transaction.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "temp_dir.hpp"
#include "src/db/sqlite_statement.hpp"

namespace stsrelay::db {
namespace {

using stsrelay::testing::TempDir;

SqliteConnection open_or_fail(const std::filesystem::path& path, SqliteOptions options) {
  auto conn = SqliteConnection::open(path, options);
  EXPECT_TRUE(conn) << conn.error().message;
  return std::move(*conn);
}

std::int64_t count(SqliteConnection& conn) { return *conn.query_int("SELECT count(*) FROM t"); }

TEST(SqliteTransaction, CommitKeepsAndDestructionRollsBack) {
  TempDir dir;
  auto conn = open_or_fail(dir.db(), SqliteOptions::durable());
  ASSERT_TRUE(conn.exec("CREATE TABLE t (x)"));
  {
    auto tx = SqliteTransaction::begin(conn);
    ASSERT_TRUE(tx);
    ASSERT_TRUE(conn.exec("INSERT INTO t VALUES (1)"));
    EXPECT_TRUE(conn.in_transaction());
  }
  EXPECT_FALSE(conn.in_transaction());
  EXPECT_EQ(count(conn), 0);
  {
    auto tx = SqliteTransaction::begin(conn);
    ASSERT_TRUE(tx);
    ASSERT_TRUE(conn.exec("INSERT INTO t VALUES (1)"));
    ASSERT_TRUE(tx->commit());
  }
  EXPECT_EQ(count(conn), 1);
  auto reader = open_or_fail(dir.db(), SqliteOptions::existing_file());
  EXPECT_EQ(count(reader), 1);
}

TEST(SqliteTransaction, SecondWriterIsBusyAndTemporary) {
  TempDir dir;
  auto options = SqliteOptions::durable();
  options.busy_timeout = std::chrono::milliseconds{0};
  auto first = open_or_fail(dir.db(), options);
  auto second = open_or_fail(dir.db(), options);
  ASSERT_TRUE(first.exec("CREATE TABLE t (x)"));
  auto held = SqliteTransaction::begin(first);
  ASSERT_TRUE(held);
  auto refused = SqliteTransaction::begin(second);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, core::ErrorKind::temporary) << refused.error().message;
  ASSERT_TRUE(held->commit());
  EXPECT_TRUE(SqliteTransaction::begin(second));
}

TEST(SqliteTransaction, TableInUseIsLockedAndTemporary) {
  auto conn = open_or_fail(":memory:", SqliteOptions{});
  ASSERT_TRUE(conn.exec("CREATE TABLE t (x); INSERT INTO t VALUES (1), (2);"));
  auto reading = SqliteStatement::prepare(conn, "SELECT x FROM t");
  ASSERT_TRUE(reading);
  ASSERT_TRUE(reading->step());  // a read in progress on this connection
  auto dropped = conn.exec("DROP TABLE t");
  ASSERT_FALSE(dropped);
  EXPECT_EQ(dropped.error().kind, core::ErrorKind::temporary) << dropped.error().message;
}

TEST(SqliteTransaction, FullDatabaseIsNoSpaceAndRollsBack) {
  TempDir dir;
  auto options = SqliteOptions::durable();
  options.max_page_count = 20;
  auto conn = open_or_fail(dir.db(), options);
  ASSERT_TRUE(conn.exec("CREATE TABLE t (x)"));
  {
    auto tx = SqliteTransaction::begin(conn);
    ASSERT_TRUE(tx);
    auto insert = SqliteStatement::prepare(conn, "INSERT INTO t VALUES (?1)");
    ASSERT_TRUE(insert);
    insert->bind_blob(1, std::string(1 << 20, 'x'));
    auto full = insert->run();
    ASSERT_FALSE(full);
    EXPECT_EQ(full.error().kind, core::ErrorKind::no_space) << full.error().message;
  }
  EXPECT_FALSE(conn.in_transaction());
  EXPECT_EQ(count(conn), 0);
  auto tx = SqliteTransaction::begin(conn);  // the connection is still usable
  ASSERT_TRUE(tx);
  ASSERT_TRUE(conn.exec("INSERT INTO t VALUES (1)"));
  EXPECT_TRUE(tx->commit());
}

TEST(SqliteTransaction, DamagedPageIsPermanent) {
  TempDir dir;
  {
    SqliteOptions options;
    options.page_size = 4096;
    auto conn = open_or_fail(dir.db(), options);
    ASSERT_TRUE(conn.exec("CREATE TABLE t (x); INSERT INTO t VALUES (1);"));
  }
  {
    // Page 2 is the table's root page: overwrite it with bytes that are no b-tree page.
    std::fstream file(dir.db(), std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(4096);
    const std::string garbage(4096, '\xff');
    file.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
  }
  auto conn = open_or_fail(dir.db(), SqliteOptions::existing_file());
  auto read = conn.query_int("SELECT count(*) FROM t");
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().kind, core::ErrorKind::permanent) << read.error().message;
  EXPECT_NE(read.error().message.find("malformed"), std::string::npos) << read.error().message;
}

}  // namespace
}  // namespace stsrelay::db
