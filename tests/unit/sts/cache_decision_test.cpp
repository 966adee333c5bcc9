// Timeline table of the cache decision (RFC 8461 §3.3, §5.1, §10.2) with an injected `now`.
#include "sts/cache_decision.hpp"

#include <gtest/gtest.h>

namespace stsrelay::sts {
namespace {

using namespace std::chrono_literals;
using core::SysTime;

const SysTime t0 = core::from_unix(1'800'000'000);  // the policy was fetched here
constexpr auto kDay = 24h;

CachedPolicy cached_policy(std::string id, std::chrono::seconds max_age) {
  Policy p{Mode::enforce, max_age.count(), {"mx.example.com"}, {}};
  return CachedPolicy{p, std::move(id), t0, t0 + max_age};
}

struct Row {
  const char* name;
  CacheState state;
  TxtLookup txt;
  SysTime now;
  CacheAction action;
  OnFetchFailure on_failure;  // checked when action == fetch
  bool refresh;
  std::string fetch_id;
  std::string_view reason;
};

TEST(CacheDecision, Timeline) {
  const auto week = cached_policy("v1", 7 * kDay);
  const auto year = cached_policy("v1", std::chrono::seconds(kMaxMaxAge));
  const auto zero = cached_policy("v1", 0s);
  const FetchFailure failed_v2{"v2", t0 + 1h};
  const FetchFailure failed_v1{"v1", t0 + 4 * kDay};

  const std::vector<Row> rows = {
      // Nothing cached.
      {"nothing cached, TXT id: fetch, failure means no policy", {}, TxtFound{"v1"}, t0,
       CacheAction::fetch, OnFetchFailure::no_policy, false, "v1", "no-cache"},
      {"nothing cached, no TXT: no policy", {}, TxtAbsent{}, t0, CacheAction::no_policy,
       OnFetchFailure::no_policy, false, "", "no-record"},
      {"nothing cached, TXT lookup failed: no policy", {}, TxtLookupFailed{}, t0,
       CacheAction::no_policy, OnFetchFailure::no_policy, false, "", "txt-failed"},
      {"nothing cached, fetch failed 1 min ago: not again", {{}, FetchFailure{"v1", t0}},
       TxtFound{"v1"}, t0 + 1min, CacheAction::no_policy, OnFetchFailure::no_policy, false, "",
       "fetch-backoff-no-policy"},
      {"nothing cached, fetch failed 4:59 ago: not again", {{}, FetchFailure{"v1", t0}},
       TxtFound{"v1"}, t0 + 299s, CacheAction::no_policy, OnFetchFailure::no_policy, false, "",
       "fetch-backoff-no-policy"},
      {"nothing cached, fetch failed 5 min ago: fetch again", {{}, FetchFailure{"v1", t0}},
       TxtFound{"v1"}, t0 + 5min, CacheAction::fetch, OnFetchFailure::no_policy, false, "v1",
       "no-cache"},
      {"nothing cached, failure was for another id: fetch", {{}, FetchFailure{"v0", t0}},
       TxtFound{"v1"}, t0 + 1min, CacheAction::fetch, OnFetchFailure::no_policy, false, "v1",
       "no-cache"},

      // Cached, unexpired, same id.
      {"same id right after fetch: cache hit", {week, {}}, TxtFound{"v1"}, t0 + 1h,
       CacheAction::use_cached, OnFetchFailure::no_policy, false, "", "cache-hit"},
      {"same id, 23h later: still no refresh", {week, {}}, TxtFound{"v1"}, t0 + 23h,
       CacheAction::use_cached, OnFetchFailure::no_policy, false, "", "cache-hit"},
      {"same id, 1 day later: refresh in background (daily cap)", {week, {}}, TxtFound{"v1"},
       t0 + kDay, CacheAction::use_cached, OnFetchFailure::no_policy, true, "v1", "refresh"},
      {"refresh that failed 1 min ago is not retried yet", {week, failed_v1}, TxtFound{"v1"},
       t0 + 4 * kDay + 1min, CacheAction::use_cached, OnFetchFailure::no_policy, false, "",
       "cache-hit"},
      {"refresh retried after 5 min", {week, failed_v1}, TxtFound{"v1"},
       t0 + 4 * kDay + 5min, CacheAction::use_cached, OnFetchFailure::no_policy, true, "v1",
       "refresh"},
      {"short policy (1h) refreshes at half life", {cached_policy("v1", 1h), {}},
       TxtFound{"v1"}, t0 + 30min, CacheAction::use_cached, OnFetchFailure::no_policy, true,
       "v1", "refresh"},
      {"short policy (1h) before half life: hit", {cached_policy("v1", 1h), {}},
       TxtFound{"v1"}, t0 + 29min, CacheAction::use_cached, OnFetchFailure::no_policy, false,
       "", "cache-hit"},
      {"year policy refreshed daily", {year, {}}, TxtFound{"v1"}, t0 + 2 * kDay,
       CacheAction::use_cached, OnFetchFailure::no_policy, true, "v1", "refresh"},

      // Cached, unexpired, different id.
      {"id changed: fetch, failure keeps cache", {week, {}}, TxtFound{"v2"}, t0 + 1h,
       CacheAction::fetch, OnFetchFailure::use_cached, false, "v2", "id-changed"},
      {"id changed, its fetch failed 2 min ago: keep cache", {week, failed_v2}, TxtFound{"v2"},
       t0 + 1h + 2min, CacheAction::use_cached, OnFetchFailure::no_policy, false, "",
       "fetch-backoff-keep-cache"},
      {"id changed, its fetch failed 6 min ago: fetch again", {week, failed_v2}, TxtFound{"v2"},
       t0 + 1h + 6min, CacheAction::fetch, OnFetchFailure::use_cached, false, "v2",
       "id-changed"},

      // Cached, unexpired, no TXT: an attacker hiding the record must not downgrade.
      {"TXT gone: keep cache", {week, {}}, TxtAbsent{}, t0 + 1h, CacheAction::use_cached,
       OnFetchFailure::no_policy, false, "", "txt-absent-keep-cache"},
      {"TXT lookup failed: keep cache", {week, {}}, TxtLookupFailed{}, t0 + 1h,
       CacheAction::use_cached, OnFetchFailure::no_policy, false, "", "txt-failed-keep-cache"},
      {"TXT gone, near expiry: keep cache and refresh anyway (§10.2)", {week, {}}, TxtAbsent{},
       t0 + 6 * kDay, CacheAction::use_cached, OnFetchFailure::no_policy, true, "v1",
       "txt-absent-keep-cache"},
      {"TXT failed, near expiry: refresh under cached id", {week, {}}, TxtLookupFailed{},
       t0 + 6 * kDay, CacheAction::use_cached, OnFetchFailure::no_policy, true, "v1",
       "txt-failed-keep-cache"},
      {"last second before expiry: still cached", {week, {}}, TxtAbsent{},
       t0 + 7 * kDay - 1s, CacheAction::use_cached, OnFetchFailure::no_policy, true, "v1",
       "txt-absent-keep-cache"},

      // Expired.
      {"expired, TXT same id: fetch, failure means no policy", {week, {}}, TxtFound{"v1"},
       t0 + 7 * kDay, CacheAction::fetch, OnFetchFailure::no_policy, false, "v1", "expired"},
      {"expired, TXT new id: fetch", {week, {}}, TxtFound{"v2"}, t0 + 8 * kDay,
       CacheAction::fetch, OnFetchFailure::no_policy, false, "v2", "expired"},
      {"expired, no TXT: no policy (how a domain leaves)", {week, {}}, TxtAbsent{},
       t0 + 8 * kDay, CacheAction::no_policy, OnFetchFailure::no_policy, false, "",
       "no-record"},
      {"expired, TXT failed: no policy", {week, {}}, TxtLookupFailed{}, t0 + 8 * kDay,
       CacheAction::no_policy, OnFetchFailure::no_policy, false, "", "txt-failed"},
      {"expired, fetch failed 1 min ago: no policy", {week, FetchFailure{"v1", t0 + 8 * kDay}},
       TxtFound{"v1"}, t0 + 8 * kDay + 1min, CacheAction::no_policy, OnFetchFailure::no_policy,
       false, "", "fetch-backoff-no-policy"},
      {"max_age 0 is expired at once", {zero, {}}, TxtFound{"v1"}, t0, CacheAction::fetch,
       OnFetchFailure::no_policy, false, "v1", "expired"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    CacheDecision d = decide_cache(row.state, row.txt, row.now);
    EXPECT_EQ(to_string(d.action), to_string(row.action));
    if (row.action == CacheAction::fetch) {
      EXPECT_EQ(d.on_fetch_failure, row.on_failure);
    }
    EXPECT_EQ(d.refresh_in_background, row.refresh);
    EXPECT_EQ(d.fetch_id, row.fetch_id);
    EXPECT_EQ(d.reason, row.reason);
  }
}

TEST(CacheDecision, RefreshPoint) {
  EXPECT_EQ(refresh_due_at(cached_policy("a", 1h)), t0 + 30min);
  EXPECT_EQ(refresh_due_at(cached_policy("a", 7 * kDay)), t0 + kDay);
  EXPECT_EQ(refresh_due_at(cached_policy("a", 0s)), t0);
  CacheTuning weekly{5min, 7 * kDay};
  EXPECT_EQ(refresh_due_at(cached_policy("a", 4 * kDay), weekly), t0 + 2 * kDay);
  EXPECT_TRUE(is_unexpired(cached_policy("a", 1h), t0 + 59min));
  EXPECT_FALSE(is_unexpired(cached_policy("a", 1h), t0 + 1h));
}

}  // namespace
}  // namespace stsrelay::sts
