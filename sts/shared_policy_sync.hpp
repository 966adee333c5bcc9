// A fleet node's side of the shared MTA-STS policy cache (RFC 8461 across nodes; issue 18).
//
// Design: delivery never waits for PostgreSQL. The PolicyResolver answers from memory and
// sts.db exactly as on a node alone; this class keeps both in line with the shared table
// (shared_policy_store.hpp) in the background, through the PgWorker (its own thread and
// connection), so a database that is down or slow costs a node nothing but freshness:
// - every `interval` (and at once on start) it reads the rows written since its last read and
//   offers each to PolicyResolver::adopt(), which keeps it when merge_policy() says the peer's
//   copy wins (shared_policy_merge.hpp). A policy node A fetched thus enforces on node B within
//   one interval, without B ever fetching it, even while the policy host is down;
// - every successful fetch of this node is published (the resolver's stored observer), written
//   only when newer than the stored copy; failed fetches are never shared (§3.3);
// - every `full_every`-th read is a full one, which also pushes back what sts.db holds newer than
//   the table: the fetches whose publication was refused or failed while the database was away,
//   and any row an incremental read missed (a sequence value is taken before its transaction
//   commits, so a slow writer's row can appear below a version already seen);
// - claim_refreshes() is the refresher's gate: one statement per due domain takes its refresh
//   lease (take_refresh_leases); only the domains this node holds are refreshed here. When the
//   database does not answer, every due domain is refreshed: a policy must not lapse because the
//   database is down (fail open; the cost is a duplicate fetch).
// Reads are skipped while one is still in flight, so a slow database never piles jobs up.
//
// Not leased: the refresh a delivery starts itself once a policy is past its refresh point
// (decide_cache's refresh_in_background). The lease holder's sweep normally refreshes first and
// its newer copy reaches the other nodes within one interval, moving their refresh point on; a
// node that delivers in the minutes between may fetch too (a duplicate fetch, never a lapse).
// Nor does a node wait for its first read before delivering: until it lands, a domain it has
// not cached is fetched as on a node alone.
//
// Threads: the timer runs on a strand of the given executor and only posts; adopt() writes sts.db
// on the worker's thread, never on an Asio thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "src/core/clock.hpp"
#include "src/db/pg_worker.hpp"
#include "sts/policy_cache.hpp"
#include "sts/policy_resolver.hpp"

namespace stsrelay::sts {

struct SharedPolicySyncSettings {
  std::chrono::milliseconds interval{std::chrono::seconds(5)};  // between reads
  unsigned full_every = 60;                      // with 5 s: a full read every 5 minutes
  std::chrono::seconds lease_ttl{std::chrono::minutes(10)};  // twice the refresher's sweep
};

struct SharedPolicySyncStats {
  std::uint64_t reads = 0;          // reads that the database answered
  std::uint64_t read_failures = 0;  // reads that failed or were refused
  std::uint64_t adopted = 0;        // peers' policies this node took over
  std::uint64_t published = 0;      // this node's fetches the table took
  std::uint64_t publish_failures = 0;
};

class SharedPolicySync {
 public:
  // `resolver`, `cache` and `clock` must outlive it and every job it posted.
  SharedPolicySync(boost::asio::any_io_executor ex, std::shared_ptr<db::PgWorker> worker,
                   PolicyResolver& resolver, PolicyCache& cache, std::string node,
                   const core::Clock& clock, SharedPolicySyncSettings settings = {});
  ~SharedPolicySync();  // stop()
  SharedPolicySync(const SharedPolicySync&) = delete;
  SharedPolicySync& operator=(const SharedPolicySync&) = delete;

  // Reads at once, then every interval; publishes this node's fetches from now on.
  void start();
  // No read starts afterwards. Any thread.
  void stop();

  // Queues the write of a fetch (the resolver's stored observer); never blocks.
  void publish(const std::string& domain, const CachedPolicy& policy, const std::string& text);

  // PolicyRefresher's gate (policy_refresher.hpp).
  void claim_refreshes(std::vector<std::string> due,
                       std::function<void(std::vector<std::string>)> go);

  SharedPolicySyncStats stats() const;

  class Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace stsrelay::sts
