// The daemon's MTA-STS stack (RFC 8461), built from the configuration: the policy cache in
// state_dir/sts.db, the HTTPS client and policy fetcher, the PolicyResolver that delivery asks
// before every attempt, and the background refresher (§10.2). Kept out of daemon.cpp so that
// the daemon only starts and stops it. In a fleet ([cluster] database) it adds the shared policy
// cache (sts/shared_policy_sync.hpp): peers' policies adopted, this node's fetches published,
// proactive refreshes only for the domains whose lease this node holds.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "src/app/config/config.hpp"
#include "src/core/clock.hpp"
#include "src/core/result.hpp"

namespace boost::asio { class any_io_executor; }
namespace stsrelay::db { class PgWorker; }
namespace stsrelay::net { class Resolver; }
namespace stsrelay::sts { class PolicyResolver; struct SharedPolicySyncStats; }

namespace stsrelay::app {

// The shared database of a fleet, for the shared policy cache; absent on a node alone.
struct StsClusterLink {
  std::shared_ptr<db::PgWorker> worker;
  std::string node;
};

class StsServices {
 public:
  // Opens sts.db under `state_dir` and starts the refresher. `dns` and `clock` must outlive it.
  static core::Result<std::unique_ptr<StsServices>> start(
      const boost::asio::any_io_executor& ex, net::Resolver& dns, const Config& config,
      const std::filesystem::path& state_dir, const core::Clock& clock);

  // Adds the shared policy cache of a fleet (once, before delivery starts): peers' policies
  // adopted, this node's fetches published, proactive refreshes only under a lease.
  void join_cluster(const boost::asio::any_io_executor& ex, const StsClusterLink& link,
                    const core::Clock& clock);
  ~StsServices();  // stops the refresher; destroy while the io_context still exists

  sts::PolicyResolver& resolver();
  // The shared policy cache's counters; nullopt on a node alone.
  std::optional<sts::SharedPolicySyncStats> shared_cache_stats() const;
  // No refresh starts afterwards (SIGTERM): its timer no longer keeps the io_context running.
  void stop();

  struct Parts;

 private:
  explicit StsServices(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace stsrelay::app
