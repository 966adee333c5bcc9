// Which policy applies to a delivery right now, and whether to fetch (RFC 8461 §3.3, §5.1,
// §10.2). Pure: the cache entry, the TXT lookup result and `now` in; a decision out. The policy
// resolver (I/O) carries it out and stores what the fetch returned.
//
// Rules, each a row of tests/unit/sts/cache_decision_test.cpp:
// - cached, unexpired, TXT id equal               -> use cached, no fetch
// - cached, unexpired, TXT id different           -> fetch; if it fails, use cached (§3.3, §5.1)
// - cached, unexpired, no TXT record / lookup fail -> use cached: hiding the record must not
//   downgrade (§3.1 note, §10.2)
// - nothing usable cached (none or expired), TXT id -> fetch; if it fails, no policy (§3.3)
// - nothing usable cached, no TXT                  -> no policy
// - a fetch of the same id failed less than 5 minutes ago -> not fetched again (§3.3: "limit
//   further attempts to a period of five minutes or longer per version ID"); fall back as if it
//   had failed again
// - cached, unexpired, past its refresh point      -> use cached and refresh in the background,
//   whatever the TXT record says (§10.2), so that enforcement never lapses
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "src/core/clock.hpp"
#include "sts/policy.hpp"

namespace stsrelay::sts {

struct CachedPolicy {
  Policy policy;
  std::string id;          // the TXT id the policy was fetched under
  core::SysTime fetched_at;
  core::SysTime expires_at;  // fetched_at + max_age
};

struct FetchFailure {
  std::string id;  // the id whose fetch failed
  core::SysTime at;
};

// What the cache holds for one policy domain.
struct CacheState {
  std::optional<CachedPolicy> cached;
  std::optional<FetchFailure> last_failure;
};

// The TXT lookup, as the resolver saw it.
struct TxtFound {
  std::string id;
};
struct TxtAbsent {};        // NXDOMAIN/NODATA, or no usable record (none, several, malformed)
struct TxtLookupFailed {};  // SERVFAIL, timeout: the answer is unknown
using TxtLookup = std::variant<TxtFound, TxtAbsent, TxtLookupFailed>;

enum class CacheAction {
  use_cached,  // apply the cached policy
  fetch,       // fetch now and apply the result; on failure see on_fetch_failure
  no_policy,   // deliver as if the domain had no MTA-STS policy
};
enum class OnFetchFailure { use_cached, no_policy };

std::string_view to_string(CacheAction action);

struct CacheDecision {
  CacheAction action = CacheAction::no_policy;
  OnFetchFailure on_fetch_failure = OnFetchFailure::no_policy;  // for action == fetch
  bool refresh_in_background = false;                           // for action == use_cached
  std::string fetch_id;  // for fetch or refresh: the id to store with the fetched policy
  // Short token for the log line: cache-hit, no-cache, expired, id-changed, refresh,
  // txt-absent-keep-cache, txt-failed-keep-cache, no-record, fetch-backoff-keep-cache,
  // fetch-backoff-no-policy.
  std::string_view reason;
};

struct CacheTuning {
  // §3.3: after a failed fetch, the same domain and id wait at least this long.
  std::chrono::seconds fetch_retry_delay{std::chrono::minutes(5)};
  // Refresh once half of the lifetime has passed, and at least this often, so that a policy
  // that changed behind an unchanged id is noticed within a day (choice; §10.2 leaves it open).
  std::chrono::seconds max_refresh_interval{std::chrono::hours(24)};
};

CacheDecision decide_cache(const CacheState& state, const TxtLookup& txt, core::SysTime now,
                           const CacheTuning& tuning = {});

// True when `cached` is still valid at `now` (§5.1: "time-since-fetch has not exceeded its
// max_age").
bool is_unexpired(const CachedPolicy& cached, core::SysTime now);

// When a background refresh of `cached` becomes due.
core::SysTime refresh_due_at(const CachedPolicy& cached, const CacheTuning& tuning = {});

// Whether a fetch of version `id` failed less than tuning.fetch_retry_delay before `now`, so that
// it is not tried again yet (§3.3: "limit further attempts to a period of five minutes or longer
// per version ID").
bool is_backing_off(const CacheState& state, std::string_view id, core::SysTime now,
                    const CacheTuning& tuning);

}  // namespace stsrelay::sts
