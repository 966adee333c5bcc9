// The pure parts of the PostgreSQL client: what a conninfo may show in a log (never the
// password), the parameters every connection gets, how SQLSTATEs map to error kinds, and the
// reconnect/retry backoff.
#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "src/db/pg_conninfo.hpp"
#include "src/db/pg_error.hpp"
#include "src/db/pg_migrate.hpp"
#include "src/db/retry_backoff.hpp"
#include "temp_dir.hpp"

namespace stsrelay::db {
namespace {

using namespace std::chrono_literals;

TEST(RedactConninfo, Table) {
  struct Row {
    const char* name;
    const char* conninfo;
    const char* logged;
  };
  const Row rows[] = {
      {"keywords", "host=db.test port=5433 dbname=stsrelay user=relay password=s3cret",
       "host=db.test port=5433 dbname=stsrelay user=relay"},
      {"URI with password", "postgresql://relay:s3cret@db.test:5433/stsrelay?sslmode=require",
       "host=db.test port=5433 dbname=stsrelay user=relay"},
      {"socket dir", "host=/run/postgresql dbname=x", "host=/run/postgresql dbname=x"},
      {"nothing set", "", "(libpq defaults)"},
      {"unparsable keeps its secret", "host=db.test password='s3cret", "(unparsable conninfo)"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    const std::string logged = redact_conninfo(row.conninfo);
    EXPECT_EQ(logged, row.logged);
    EXPECT_EQ(logged.find("s3cret"), std::string::npos);
  }
}

TEST(CheckConninfo, ErrorHoldsNoSecret) {
  EXPECT_TRUE(check_conninfo("host=db.test dbname=x").ok());
  EXPECT_TRUE(check_conninfo("postgresql://u@db.test/x").ok());
  auto bad = check_conninfo("host=db.test password='s3cret");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message.find("s3cret"), std::string::npos) << bad.error().message;
  EXPECT_FALSE(check_conninfo("nokey").ok());
}

TEST(ConnectParams, TheRelaysSettingsComeAfterTheUsersText) {
  PgSettings s;
  s.conninfo = "host=db.test dbname=x";
  s.password = "pw";
  s.application_name = "stsrelay relay-1";
  s.connect_timeout = 3s;
  s.statement_timeout = 1500ms;
  const auto params = connect_params(s);
  ASSERT_EQ(params.size(), 5u);
  EXPECT_EQ(params[0], (std::pair<std::string, std::string>{"dbname", "host=db.test dbname=x"}));
  std::map<std::string, std::string> m(params.begin() + 1, params.end());
  EXPECT_EQ(m["connect_timeout"], "3");
  EXPECT_EQ(m["options"], "-c statement_timeout=1500");
  EXPECT_EQ(m["application_name"], "stsrelay relay-1");
  EXPECT_EQ(m["password"], "pw");
  s.password.clear();
  EXPECT_EQ(connect_params(s).size(), 4u);  // libpq's PGPASSWORD or .pgpass then
}

TEST(ReadPasswordFile, FirstLineOnly) {
  stsrelay::testing::TempDir dir("pgpw");
  const auto file = dir.path() / "pw";
  {
    std::ofstream out(file);
    out << "s3cret\r\nsecond line\n";
  }
  auto pw = read_password_file(file.string());
  ASSERT_TRUE(pw.ok()) << pw.error().message;
  EXPECT_EQ(*pw, "s3cret");
  {
    std::ofstream out(file);
  }
  auto empty = read_password_file(file.string());
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.error().message.find("empty"), std::string::npos);
  auto missing = read_password_file((dir.path() / "nope").string());
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("/nope"), std::string::npos);
}

TEST(PgErrorKind, Table) {
  struct Row {
    const char* sqlstate;
    core::ErrorKind kind;
  };
  const Row rows[] = {
      {"", core::ErrorKind::temporary},       // no answer: the connection broke
      {"08006", core::ErrorKind::temporary},  // connection failure
      {"57014", core::ErrorKind::temporary},  // statement timeout
      {"57P01", core::ErrorKind::temporary},  // admin shutdown
      {"40001", core::ErrorKind::temporary},  // serialization failure
      {"40P01", core::ErrorKind::temporary},  // deadlock
      {"53300", core::ErrorKind::temporary},  // too many connections
      {"55P03", core::ErrorKind::temporary},  // lock not available
      {"23505", core::ErrorKind::invalid},    // unique violation
      {"22P02", core::ErrorKind::invalid},    // invalid text representation
      {"42P01", core::ErrorKind::permanent},  // undefined table
      {"28P01", core::ErrorKind::permanent},  // invalid password
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.sqlstate);
    EXPECT_EQ(pg_error_kind(row.sqlstate), row.kind);
  }
}

TEST(PgError, MessageHasContextAndSqlstate) {
  auto e = pg_error("57014", "postgresql host=db.test: SELECT 1",
                    "ERROR:  canceling statement due to statement timeout\n");
  EXPECT_EQ(e.kind, core::ErrorKind::temporary);
  EXPECT_EQ(e.message, "postgresql host=db.test: SELECT 1: canceling statement due to statement "
                       "timeout (SQLSTATE 57014)");
  EXPECT_EQ(pg_error("", "c", "").message, "c: no reply (no SQLSTATE)");
  EXPECT_EQ(pg_statement_context("INSERT INTO tlsrpt_policy_counts (day, domain, policy_type)"),
            "INSERT INTO tlsrpt_policy_counts (day, domain, p...");
}

TEST(BackoffDelay, DoublesUpToTheCap) {
  const BackoffPolicy p{500ms, 8s};
  const std::pair<std::uint32_t, std::chrono::milliseconds> rows[] = {
      {0, 0ms}, {1, 500ms}, {2, 1s}, {3, 2s}, {4, 4s}, {5, 8s}, {6, 8s}, {1000, 8s}};
  for (const auto& [failures, delay] : rows) {
    SCOPED_TRACE(failures);
    EXPECT_EQ(backoff_delay(p, failures), delay);
  }
}

TEST(RetryBackoff, ReadyAgainAfterTheDelayAndResetBySuccess) {
  RetryBackoff b({1s, 4s});
  const core::SysTime t0 = core::from_unix(1'800'000'000);
  EXPECT_TRUE(b.ready(t0));
  EXPECT_EQ(b.failed(t0), t0 + 1s);
  EXPECT_FALSE(b.ready(t0 + 999ms));
  EXPECT_TRUE(b.ready(t0 + 1s));
  EXPECT_EQ(b.failed(t0 + 1s), t0 + 3s);  // second failure: 2 s
  EXPECT_FALSE(b.ready(t0 + 2s));
  b.succeeded();
  EXPECT_TRUE(b.ready(t0 + 2s));
  EXPECT_EQ(b.failures(), 0u);
}

// migrate() runs every version above the database's in list order, so the list is 1, 2, 3, ...
// with no gap (a gap would be a version some database skipped).
TEST(SharedSchema, VersionsStartAtOneAndIncreaseByOne) {
  int last = 0;
  for (const PgMigration& m : shared_schema()) {
    EXPECT_EQ(m.version, last + 1);
    last = m.version;
    EXPECT_FALSE(m.sql.empty());
  }
  EXPECT_GE(last, 3);
}

}  // namespace
}  // namespace stsrelay::db
