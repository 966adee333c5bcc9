// When a cached policy is refreshed in the background, and when a failing refresh is an alert
// (RFC 8461 §10.2, §3.3).
#include "sts/refresh_schedule.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <vector>

namespace stsrelay::sts {
namespace {

using namespace std::chrono_literals;

const core::SysTime kT0 = core::from_unix(1'800'000'000);

CachedPolicy cached(std::chrono::seconds max_age, Mode mode = Mode::enforce) {
  Policy p;
  p.mode = mode;
  p.max_age = max_age.count();
  p.mx = {"mx.example.com"};
  return CachedPolicy{p, "v1", kT0, kT0 + max_age};
}

TEST(RefreshSchedule, IsRefreshDue) {
  struct Row {
    const char* name;
    std::optional<CachedPolicy> policy;
    std::optional<FetchFailure> failure;
    core::SysTime now;
    bool due;
  };
  const std::vector<Row> rows = {
      {"nothing cached", std::nullopt, std::nullopt, kT0 + 1h, false},
      {"fresh", cached(24h), std::nullopt, kT0 + 11h, false},
      {"at half of max_age", cached(24h), std::nullopt, kT0 + 12h, true},
      {"one second before expiry", cached(24h), std::nullopt, kT0 + 24h - 1s, true},
      {"expired: left to the next delivery", cached(24h), std::nullopt, kT0 + 24h, false},
      {"long max_age: refreshed daily", cached(std::chrono::seconds(kMaxMaxAge)), std::nullopt,
       kT0 + 24h, true},
      {"long max_age, before a day", cached(std::chrono::seconds(kMaxMaxAge)), std::nullopt,
       kT0 + 23h, false},
      {"same id failed 4 minutes ago", cached(24h), FetchFailure{"v1", kT0 + 13h - 4min},
       kT0 + 13h, false},
      {"same id failed 5 minutes ago", cached(24h), FetchFailure{"v1", kT0 + 13h - 5min},
       kT0 + 13h, true},
      {"another id failed just now", cached(24h), FetchFailure{"v2", kT0 + 13h}, kT0 + 13h,
       true},
      {"max_age 0: expired at once", cached(0s), std::nullopt, kT0, false},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    EXPECT_EQ(is_refresh_due(CacheState{row.policy, row.failure}, row.now), row.due);
  }
}

TEST(RefreshSchedule, IsRefreshAlert) {
  struct Row {
    const char* name;
    Mode mode;
    unsigned failures;
    bool alert;
  };
  const std::vector<Row> rows = {
      {"enforce, first failure", Mode::enforce, 1, false},
      {"enforce, keeps failing", Mode::enforce, 2, true},
      {"testing, keeps failing", Mode::testing, 3, true},
      {"none protects nothing", Mode::none, 10, false},
      {"no failure", Mode::enforce, 0, false},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    EXPECT_EQ(is_refresh_alert(row.mode, row.failures), row.alert);
  }
}

}  // namespace
}  // namespace stsrelay::sts
