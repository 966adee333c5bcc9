// The fleet's MTA-STS policy cache in the shared PostgreSQL database (schema version 2,
// src/db/pg_schema.cpp): the SQL, one function per statement, run on a PgWorker's connection.
// What a node does with it (when to read, what to keep) is shared_policy_sync.hpp's business.
//
// store_shared_policy() writes a successful fetch only when it is newer than the stored one
// (is_newer_fetch, shared_policy_merge.hpp, in the upsert's WHERE clause), so a slow node can
// never put back an older policy, and nothing else ever writes the table: failed fetches stay
// on the node that had them (RFC 8461 §3.3). take_refresh_leases() is one atomic
// INSERT ... ON CONFLICT DO UPDATE ... WHERE expired per domain (may_take_lease).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "src/core/clock.hpp"
#include "src/db/pg_connection.hpp"
#include "sts/cache_decision.hpp"
#include "sts/shared_policy_merge.hpp"

namespace stsrelay::sts {

struct SharedPolicyRow {
  std::string domain;
  std::string id;
  std::string text;  // as sts.db stores it; parsed again by whoever adopts it
  core::SysTime fetched_at;
  core::SysTime expires_at;
  std::string node;          // who fetched it
  std::int64_t version = 0;  // the table's write counter, for incremental reads
};

// Stores `row` (version is ignored) when it is newer than the stored copy; true when it was.
core::Result<bool> store_shared_policy(db::PgConnection& conn, const SharedPolicyRow& row);

// Rows written after `after_version` (0: all), oldest first.
core::Result<std::vector<SharedPolicyRow>> load_shared_policies(db::PgConnection& conn,
                                                                std::int64_t after_version);

// Takes or renews, for `node` until now + ttl, the refresh lease of each of `domains` that is
// free, ran out or is `node`'s already (one transaction); returns the domains `node` holds.
core::Result<std::vector<std::string>> take_refresh_leases(db::PgConnection& conn,
                                                           const std::vector<std::string>& domains,
                                                           std::string_view node,
                                                           core::SysTime now,
                                                           std::chrono::seconds ttl);

struct LeaseRow {
  std::string domain;
  RefreshLease lease;
};
// Every refresh lease, expired or not, by domain (`stsrelay cluster status`).
core::Result<std::vector<LeaseRow>> load_refresh_leases(db::PgConnection& conn);

}  // namespace stsrelay::sts
