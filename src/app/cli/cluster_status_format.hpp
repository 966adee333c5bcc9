// What `stsrelay cluster status` prints: pure formatting of what the shared database says about
// the fleet (cli_cluster.cpp asks it): the database and its schema, the nodes with their last
// heartbeat (ages measured by the database's clock), the MTA-STS refresh leases and the TLS-RPT
// report leases (who builds or sends each day's report of each domain, tlsrpt/report_lease.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace stsrelay::app {

// A node is "alive" while its heartbeat is younger than three beats (30 s each).
inline constexpr std::int64_t kNodeSilentAfterSeconds = 90;

struct ClusterNodeStatus {
  std::string node;
  std::string version;
  std::int64_t heartbeat_age_seconds = 0;
  std::int64_t spool_batches = 0;
  std::string started_at;  // UTC, as the database prints it
};

struct ClusterLeaseStatus {
  std::string what;    // "enforce.test" or "2026-12-07 enforce.test"
  std::string node;
  std::string detail;  // "expires in 540s", "expired 20s ago", "built, until ... (expires in 5s)"
};

struct ClusterStatus {
  std::string target;                // redacted conninfo
  std::optional<std::string> error;  // set when the database did not answer
  int schema_version = 0;            // 0: no node has created the schema yet
  std::vector<ClusterNodeStatus> nodes;
  std::vector<ClusterLeaseStatus> refresh_leases;
  std::vector<ClusterLeaseStatus> report_leases;
};

// "expires in 540s" / "expired 20s ago", from the seconds left (negative: past).
std::string describe_lease_left(std::int64_t seconds_left);

// A report lease: its state, and for one not yet sent its end (`until`, as the database prints
// it) and how it stands; a sent report's lease ends nothing.
std::string describe_report_lease(const std::string& state, const std::string& until,
                                  std::int64_t seconds_left);

std::string format_cluster_status(const ClusterStatus& status);

}  // namespace stsrelay::app
