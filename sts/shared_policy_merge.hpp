// Which copy of a domain's MTA-STS policy a fleet node keeps when its own cache (memory and
// sts.db) and the fleet's shared cache (PostgreSQL, shared_policy_store.hpp) disagree, and
// whether a node may take the lease to refresh a domain proactively. Pure: both copies and `now`
// in, the winner out; the SQL of shared_policy_store.cpp applies the same rules in the database.
//
// RFC 8461 across nodes:
// - a stored policy is replaced only by a newer successful fetch (§5.1, §10.2): the copy fetched
//   later wins, whatever its id or mode (a newer `mode: none` is how a domain leaves MTA-STS).
//   Failed fetches are never shared, so one node's failure cannot remove or downgrade a policy
//   another node fetched (§3.3);
// - an expired copy never wins over nothing or over an unexpired one (§5.1: max_age);
// - two fetches in the same second with different ids: the greater id wins, so that every node
//   settles on the same copy (choice: the RFC says nothing of concurrent fetchers).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "src/core/clock.hpp"
#include "sts/cache_decision.hpp"

namespace stsrelay::sts {

enum class MergeWinner {
  local,   // keep what this node has (maybe nothing)
  shared,  // adopt the shared copy into memory and sts.db
};
std::string_view to_string(MergeWinner winner);

// The copy a node keeps, given what it has (`local`, possibly expired or absent) and the shared
// copy of the same domain.
MergeWinner merge_policy(const std::optional<CachedPolicy>& local, const CachedPolicy& shared,
                         core::SysTime now);

// True when `candidate` replaces `stored` in a cache: fetched later, or in the same second under
// a greater id. The order merge_policy() and the shared table's upsert share.
bool is_newer_fetch(core::SysTime candidate_fetched_at, std::string_view candidate_id,
                    core::SysTime stored_fetched_at, std::string_view stored_id);

// The proactive refresh of a domain (policy_refresher.hpp) is done by one node of a fleet at a
// time: the node holding its lease.
struct RefreshLease {
  std::string node;
  core::SysTime expires_at;
};

// True when `node` may take (or renew) the lease at `now`: nobody holds it, the holder's lease
// ran out, or `node` holds it already. The WHERE clause of take_refresh_leases() is this rule.
bool may_take_lease(const std::optional<RefreshLease>& current, std::string_view node,
                    core::SysTime now);

}  // namespace stsrelay::sts
