// The SQLite policy cache: round trips, persistence across reopening (a daemon restart), the
// failed-fetch memory of RFC 8461 §3.3, and the cache decision fed from disk.
#include "sts/policy_cache.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>

#include "fake_clock.hpp"
#include "policy_cache_fixture.hpp"

namespace stsrelay::sts {
namespace {

using namespace std::chrono_literals;

const char* kEnforce =
    "version: STSv1\r\nmode: enforce\r\nmx: mx1.example.com\r\nmx: *.mx.example.com\r\n"
    "max_age: 604800\r\n";
const char* kTesting = "version: STSv1\nmode: testing\nmx: mx1.example.com\nmax_age: 3600\n";

class PolicyCacheTest : public ::testing::Test {
 protected:
  std::unique_ptr<PolicyCache> open() { return dir_.open(); }

  testing::CacheDir dir_;
  testing::FakeClock clock_;
};

TEST_F(PolicyCacheTest, EmptyDomainLoadsNothing) {
  auto cache = open();
  auto state = cache->load("example.com");
  ASSERT_TRUE(state.ok()) << state.error().message;
  EXPECT_FALSE(state->cached.has_value());
  EXPECT_FALSE(state->last_failure.has_value());
  EXPECT_EQ(cache->load_text("example.com").error().kind, core::ErrorKind::not_found);
}

TEST_F(PolicyCacheTest, StoreLoadRoundTripAndExpiry) {
  auto cache = open();
  const auto t = clock_.now();
  ASSERT_TRUE(cache->store_policy("Example.COM", "20240101", kEnforce, t).ok());
  auto state = cache->load("example.com");
  ASSERT_TRUE(state.ok()) << state.error().message;
  ASSERT_TRUE(state->cached.has_value());
  EXPECT_EQ(state->cached->id, "20240101");
  EXPECT_EQ(state->cached->policy.mode, Mode::enforce);
  EXPECT_EQ(state->cached->policy.mx,
            (std::vector<std::string>{"mx1.example.com", "*.mx.example.com"}));
  EXPECT_EQ(core::to_unix(state->cached->fetched_at), core::to_unix(t));
  EXPECT_EQ(core::to_unix(state->cached->expires_at), core::to_unix(t) + 604800);
  EXPECT_EQ(*cache->load_text("example.com"), kEnforce);
}

TEST_F(PolicyCacheTest, InvalidPolicyIsNotStored) {
  auto cache = open();
  auto st = cache->store_policy("example.com", "x", "version: STSv1\nmode: enforce\n", clock_.now());
  EXPECT_FALSE(st.ok());
  EXPECT_FALSE(cache->load("example.com")->cached.has_value());
}

TEST_F(PolicyCacheTest, SurvivesReopenAndUsesWal) {
  {
    auto cache = open();
    ASSERT_TRUE(cache->store_policy("example.com", "v1", kEnforce, clock_.now()).ok());
    ASSERT_TRUE(cache->store_failure("example.net", "n1", clock_.now(), "http-status 404").ok());
  }
  auto cache = open();
  auto state = cache->load("example.com");
  ASSERT_TRUE(state.ok());
  ASSERT_TRUE(state->cached.has_value());
  EXPECT_EQ(state->cached->id, "v1");
  auto net = cache->load("example.net");
  ASSERT_TRUE(net->last_failure.has_value());
  EXPECT_EQ(net->last_failure->id, "n1");

  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(dir_.db().c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), "wal");
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

TEST_F(PolicyCacheTest, FailureIsClearedBySuccessOfTheSameId) {
  auto cache = open();
  ASSERT_TRUE(cache->store_failure("example.com", "v2", clock_.now(), "timeout").ok());
  ASSERT_TRUE(cache->store_policy("example.com", "v1", kEnforce, clock_.now()).ok());
  EXPECT_TRUE(cache->load("example.com")->last_failure.has_value());  // other id: kept
  ASSERT_TRUE(cache->store_policy("example.com", "v2", kTesting, clock_.now()).ok());
  auto state = cache->load("example.com");
  EXPECT_FALSE(state->last_failure.has_value());
  EXPECT_EQ(state->cached->id, "v2");
  EXPECT_EQ(state->cached->policy.mode, Mode::testing);
}

TEST_F(PolicyCacheTest, ListAndRemove) {
  auto cache = open();
  ASSERT_TRUE(cache->store_policy("b.example", "2", kTesting, clock_.now()).ok());
  ASSERT_TRUE(cache->store_policy("a.example", "1", kEnforce, clock_.now()).ok());
  auto all = cache->list();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].domain, "a.example");
  EXPECT_EQ((*all)[0].mode, Mode::enforce);
  EXPECT_EQ((*all)[1].domain, "b.example");
  EXPECT_EQ(core::to_unix((*all)[1].expires_at), core::to_unix(clock_.now()) + 3600);
  ASSERT_TRUE(cache->remove("a.example").ok());
  EXPECT_EQ(cache->list()->size(), 1u);
  EXPECT_FALSE(cache->load("a.example")->cached.has_value());
}

// A timeline through disk: fetch, restart, the HTTPS host and the TXT record gone, expiry.
TEST_F(PolicyCacheTest, DecisionsFromDiskAcrossRestart) {
  {
    auto cache = open();
    auto first = decide_cache(*cache->load("example.com"), TxtFound{"v1"}, clock_.now());
    EXPECT_EQ(first.action, CacheAction::fetch);
    ASSERT_TRUE(cache->store_policy("example.com", first.fetch_id, kEnforce, clock_.now()).ok());
  }
  clock_.advance(2h);
  auto cache = open();  // the daemon restarted
  auto hit = decide_cache(*cache->load("example.com"), TxtFound{"v1"}, clock_.now());
  EXPECT_EQ(hit.action, CacheAction::use_cached);
  EXPECT_EQ(hit.reason, "cache-hit");
  // The record is hidden: the cached enforce policy still applies.
  auto hidden = decide_cache(*cache->load("example.com"), TxtAbsent{}, clock_.now());
  EXPECT_EQ(hidden.action, CacheAction::use_cached);
  // A new id whose fetch fails: remembered, not retried within 5 minutes, cache still used.
  auto changed = decide_cache(*cache->load("example.com"), TxtFound{"v2"}, clock_.now());
  EXPECT_EQ(changed.action, CacheAction::fetch);
  ASSERT_TRUE(cache->store_failure("example.com", "v2", clock_.now(), "connect").ok());
  clock_.advance(1min);
  auto backoff = decide_cache(*cache->load("example.com"), TxtFound{"v2"}, clock_.now());
  EXPECT_EQ(backoff.action, CacheAction::use_cached);
  EXPECT_EQ(backoff.reason, "fetch-backoff-keep-cache");
  // After expiry without TXT: no policy.
  clock_.advance(7 * 24h);
  auto expired = decide_cache(*cache->load("example.com"), TxtAbsent{}, clock_.now());
  EXPECT_EQ(expired.action, CacheAction::no_policy);
}

TEST_F(PolicyCacheTest, OpenFailsWithContext) {
  auto cache = PolicyCache::open((dir_.path() / "missing" / "sts.db").string());
  ASSERT_FALSE(cache.ok());
  EXPECT_NE(cache.error().message.find("sts.db"), std::string::npos) << cache.error().message;
}

}  // namespace
}  // namespace stsrelay::sts
