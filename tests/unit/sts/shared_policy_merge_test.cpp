// A fleet's policy cache: which copy wins when a node's own and the shared copy disagree, and
// who may take a domain's refresh lease (RFC 8461 §3.3, §5.1, §10.2 across nodes).
#include "sts/shared_policy_merge.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <vector>

#include "fake_clock.hpp"

namespace stsrelay::sts {
namespace {

using namespace std::chrono_literals;

const core::SysTime kT0 = core::from_unix(1'800'000'000);

CachedPolicy copy(const char* id, core::SysTime fetched_at, std::chrono::seconds max_age = 24h,
                  Mode mode = Mode::enforce) {
  Policy p;
  p.mode = mode;
  p.max_age = max_age.count();
  if (mode != Mode::none) p.mx = {"mx.example.com"};
  return CachedPolicy{p, id, fetched_at, fetched_at + max_age};
}

TEST(SharedPolicyMerge, Winner) {
  struct Row {
    const char* name;
    std::optional<CachedPolicy> local;
    CachedPolicy shared;
    core::SysTime now;
    MergeWinner winner;
  };
  const std::vector<Row> rows = {
      {"nothing local: a peer's fetch protects this node", std::nullopt, copy("v1", kT0),
       kT0 + 1h, MergeWinner::shared},
      {"nothing local, shared expired: no policy revived", std::nullopt, copy("v1", kT0, 1h),
       kT0 + 1h, MergeWinner::local},
      {"shared fetched later, same id (a peer's refresh)", copy("v1", kT0), copy("v1", kT0 + 2h),
       kT0 + 3h, MergeWinner::shared},
      {"shared fetched later, new id", copy("v1", kT0), copy("v2", kT0 + 2h), kT0 + 3h,
       MergeWinner::shared},
      {"shared fetched later, mode none: the domain leaves MTA-STS", copy("v1", kT0),
       copy("v2", kT0 + 2h, 24h, Mode::none), kT0 + 3h, MergeWinner::shared},
      {"shared older: never a downgrade", copy("v2", kT0 + 2h), copy("v1", kT0), kT0 + 3h,
       MergeWinner::local},
      {"same fetch: nothing to do", copy("v1", kT0), copy("v1", kT0), kT0 + 1h,
       MergeWinner::local},
      {"same second, greater id wins on every node", copy("v1", kT0), copy("v2", kT0), kT0 + 1h,
       MergeWinner::shared},
      {"same second, smaller id loses", copy("v2", kT0), copy("v1", kT0), kT0 + 1h,
       MergeWinner::local},
      {"local expired, shared newer and valid", copy("v1", kT0, 1h), copy("v1", kT0 + 2h),
       kT0 + 3h, MergeWinner::shared},
      {"local expired, shared expired too", copy("v1", kT0, 1h), copy("v1", kT0 + 1h, 1h),
       kT0 + 3h, MergeWinner::local},
      {"shared newer but just expired", copy("v1", kT0, 48h), copy("v2", kT0 + 1h, 1h),
       kT0 + 2h, MergeWinner::local},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    EXPECT_EQ(merge_policy(row.local, row.shared, row.now), row.winner);
  }
}

TEST(SharedPolicyMerge, NewerFetchOrder) {
  EXPECT_TRUE(is_newer_fetch(kT0 + 1s, "a", kT0, "z"));
  EXPECT_FALSE(is_newer_fetch(kT0, "z", kT0 + 1s, "a"));
  EXPECT_TRUE(is_newer_fetch(kT0, "b", kT0, "a"));
  EXPECT_FALSE(is_newer_fetch(kT0, "a", kT0, "a"));
}

TEST(SharedPolicyMerge, Lease) {
  testing::FakeClock clock(kT0);
  struct Row {
    const char* name;
    std::optional<RefreshLease> current;
    const char* node;
    std::chrono::seconds later;
    bool may;
  };
  const std::vector<Row> rows = {
      {"nobody holds it", std::nullopt, "a", 0s, true},
      {"a peer holds it", RefreshLease{"b", kT0 + 10min}, "a", 0s, false},
      {"a peer holds it, one second left", RefreshLease{"b", kT0 + 10min}, "a", 599s, false},
      {"a peer's lease ran out", RefreshLease{"b", kT0 + 10min}, "a", 600s, true},
      {"a dead peer's lease, long gone", RefreshLease{"b", kT0 + 10min}, "a", 3600s, true},
      {"this node renews its own", RefreshLease{"a", kT0 + 10min}, "a", 0s, true},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    clock.set(kT0 + row.later);
    EXPECT_EQ(may_take_lease(row.current, row.node, clock.now()), row.may);
  }
}

TEST(SharedPolicyMerge, WinnerNames) {
  EXPECT_EQ(to_string(MergeWinner::local), "local");
  EXPECT_EQ(to_string(MergeWinner::shared), "shared");
}

}  // namespace
}  // namespace stsrelay::sts
