// What `stsrelay policy list|show|refresh` print: pure formatting of the MTA-STS policy cache
// (sts.db) and of a resolver answer. Times are UTC like `stsrelay queue`; `now` is a parameter,
// so "expired" is decided here without a clock.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "src/core/clock.hpp"
#include "sts/policy_cache.hpp"
#include "sts/policy_resolver.hpp"

namespace stsrelay::app {

// One row per cached domain under a header: DOMAIN ID MODE FETCHED EXPIRES, with "(expired)"
// after an expiry that has passed. "No cached MTA-STS policies" when empty.
std::string format_policy_list(const std::vector<sts::CacheListEntry>& entries,
                               core::SysTime now);

// What sts.db holds for one domain.
struct PolicyView {
  std::string domain;
  std::optional<sts::CachedPolicy> cached;
  std::string text;  // the stored policy text; empty without a policy
  std::optional<sts::FailureRecord> last_failure;
};

// `key: value` lines (domain, id, mode, max_age, mx, fetched, expires, refresh, last failure),
// then the policy text indented. Without a cached policy it says so.
std::string format_policy_view(const PolicyView& view, core::SysTime now);

// One line for `stsrelay policy refresh`: what was fetched, or why nothing was, and which
// policy now applies.
std::string format_policy_lookup(const sts::PolicyLookup& lookup);

}  // namespace stsrelay::app
