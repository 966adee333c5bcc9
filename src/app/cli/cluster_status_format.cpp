#include "src/app/cli/cluster_status_format.hpp"

namespace stsrelay::app {
namespace {

std::string section(const std::string& title, const std::vector<ClusterLeaseStatus>& rows) {
  std::string out = title + " (" + std::to_string(rows.size()) + "):\n";
  if (rows.empty()) out += "  none\n";
  for (const ClusterLeaseStatus& r : rows) {
    out += "  " + r.what + "  " + r.node + "  " + r.detail + "\n";
  }
  return out;
}

}  // namespace

std::string describe_lease_left(std::int64_t seconds_left) {
  if (seconds_left > 0) return "expires in " + std::to_string(seconds_left) + "s";
  return "expired " + std::to_string(-seconds_left) + "s ago";
}

std::string describe_report_lease(const std::string& state, const std::string& until,
                                  std::int64_t seconds_left) {
  if (state == "sent") return state;
  return state + ", until " + until + " (" + describe_lease_left(seconds_left) + ")";
}

std::string format_cluster_status(const ClusterStatus& status) {
  std::string out = "database: postgresql " + status.target + ": ";
  if (status.error) return out + "unreachable: " + *status.error + "\n";
  out += "reachable, schema version " + std::to_string(status.schema_version);
  if (status.schema_version == 0) out += " (no node has started against it yet)";
  out += "\n";
  out += "nodes (" + std::to_string(status.nodes.size()) + "):\n";
  if (status.nodes.empty()) out += "  none\n";
  for (const ClusterNodeStatus& n : status.nodes) {
    const bool alive = n.heartbeat_age_seconds <= kNodeSilentAfterSeconds;
    out += "  " + n.node + "  " + (alive ? "alive" : "silent") + "  version " + n.version +
           "  heartbeat " + std::to_string(n.heartbeat_age_seconds) + "s ago  spool " +
           std::to_string(n.spool_batches) + " batches  started " + n.started_at + "\n";
  }
  out += section("mta-sts refresh leases", status.refresh_leases);
  out += section("tls-rpt report leases", status.report_leases);
  return out;
}

}  // namespace stsrelay::app
