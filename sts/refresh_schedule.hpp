// When the background refresher (policy_refresher.hpp) refreshes a cached policy, and when a
// failing refresh becomes an alert (RFC 8461 §10.2: "senders SHOULD ... refresh cached policies
// before they expire", so that enforcement never lapses for a domain that still gets mail).
// Pure: the cache entry, failure counts and `now` in; yes or no out.
#pragma once

#include "src/core/clock.hpp"
#include "sts/cache_decision.hpp"

namespace stsrelay::sts {

// True when `state` holds an unexpired policy past its refresh point (refresh_due_at) whose id
// is not inside the 5-minute wait after a failed fetch (§3.3). An expired policy is not
// refreshed: without mail for the domain there is nothing to protect, and the next delivery
// fetches under the TXT id (§5.1).
bool is_refresh_due(const CacheState& state, core::SysTime now, const CacheTuning& tuning = {});

// A refresh of a policy in `mode` that failed `consecutive_failures` times in a row is an alert
// from the `threshold`-th failure on. Mode none protects nothing, so it never alerts.
inline constexpr unsigned kRefreshAlertThreshold = 2;
bool is_refresh_alert(Mode mode, unsigned consecutive_failures,
                      unsigned threshold = kRefreshAlertThreshold);

}  // namespace stsrelay::sts
