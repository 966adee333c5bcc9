// The fleet's MTA-STS policy cache against a real PostgreSQL (pg_store_run.py starts it;
// STSRELAY_TEST_PG is its conninfo): a policy is replaced only by a newer fetch, reads are
// incremental by version, and a refresh lease goes to one node until it runs out.
#include <gtest/gtest.h>

#include "src/db/pg_connection.hpp"
#include "sts/shared_policy_store.hpp"
#include "tests/integration/pg_test_connection.hpp"

namespace stsrelay {
namespace {

using namespace std::chrono_literals;

db::PgConnection migrated() { return testing::migrated_pg_connection(); }

const core::SysTime kT0 = core::from_unix(1'800'000'000);

sts::SharedPolicyRow row(const char* domain, const char* id, core::SysTime fetched,
                         const char* node) {
  return sts::SharedPolicyRow{domain,  id,           "version: STSv1\nmode: enforce\n"
                                                      "mx: mx.example.com\nmax_age: 86400\n",
                              fetched, fetched + 24h, node, 0};
}

TEST(PgPolicyStore, OnlyANewerFetchReplacesAPolicy) {
  auto c = migrated();
  ASSERT_TRUE(c.run("DELETE FROM sts_policies").ok());
  EXPECT_EQ(sts::store_shared_policy(c, row("a.example", "v1", kT0, "n1")).value(), true);
  // An older fetch (a slow node) and the same fetch again change nothing.
  EXPECT_EQ(sts::store_shared_policy(c, row("a.example", "v0", kT0 - 1h, "n2")).value(), false);
  EXPECT_EQ(sts::store_shared_policy(c, row("a.example", "v1", kT0, "n2")).value(), false);
  auto all = sts::load_shared_policies(c, 0);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].id, "v1");
  EXPECT_EQ((*all)[0].node, "n1");
  EXPECT_EQ((*all)[0].fetched_at, kT0);
  EXPECT_EQ((*all)[0].expires_at, kT0 + 24h);
  const std::int64_t seen = (*all)[0].version;

  // A newer fetch replaces it and shows up in an incremental read; same second: greater id.
  EXPECT_EQ(sts::store_shared_policy(c, row("a.example", "v2", kT0 + 1h, "n2")).value(), true);
  EXPECT_EQ(sts::store_shared_policy(c, row("b.example", "v1", kT0, "n1")).value(), true);
  EXPECT_EQ(sts::store_shared_policy(c, row("b.example", "v2", kT0, "n2")).value(), true);
  EXPECT_EQ(sts::store_shared_policy(c, row("b.example", "v0", kT0, "n1")).value(), false);
  auto changed = sts::load_shared_policies(c, seen);
  ASSERT_TRUE(changed.ok());
  ASSERT_EQ(changed->size(), 2u);
  EXPECT_EQ((*changed)[0].domain, "a.example");
  EXPECT_EQ((*changed)[0].id, "v2");
  EXPECT_EQ((*changed)[1].domain, "b.example");
  EXPECT_EQ((*changed)[1].id, "v2");
  EXPECT_GT((*changed)[1].version, (*changed)[0].version);
  EXPECT_TRUE(sts::load_shared_policies(c, (*changed)[1].version)->empty());
}

TEST(PgPolicyStore, ARefreshLeaseGoesToOneNodeUntilItRunsOut) {
  auto c = migrated();
  ASSERT_TRUE(c.run("DELETE FROM sts_refresh_leases").ok());
  const std::vector<std::string> due = {"a.example", "b.example"};
  auto first = sts::take_refresh_leases(c, due, "n1", kT0, 600s);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(*first, due);
  // Another node gets none while they last; the holder renews its own.
  EXPECT_TRUE(sts::take_refresh_leases(c, due, "n2", kT0 + 599s, 600s)->empty());
  EXPECT_EQ(*sts::take_refresh_leases(c, {"a.example"}, "n1", kT0 + 300s, 600s),
            std::vector<std::string>{"a.example"});
  // b's lease ran out at kT0 + 600 s; a's was renewed until kT0 + 900 s.
  EXPECT_EQ(*sts::take_refresh_leases(c, due, "n2", kT0 + 600s, 600s),
            std::vector<std::string>{"b.example"});
  auto leases = sts::load_refresh_leases(c);
  ASSERT_TRUE(leases.ok());
  ASSERT_EQ(leases->size(), 2u);
  EXPECT_EQ((*leases)[0].lease.node, "n1");
  EXPECT_EQ((*leases)[0].lease.expires_at, kT0 + 900s);
  EXPECT_EQ((*leases)[1].lease.node, "n2");
  EXPECT_EQ((*leases)[1].lease.expires_at, kT0 + 1200s);
}

}  // namespace
}  // namespace stsrelay
