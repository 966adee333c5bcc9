// A fleet node's link to the shared database ([cluster] database): the PgWorker (its own thread
// and connection, the schema migrated on every new connection), the TLS-RPT counter writer with
// its local spool (cluster_spool.db in state_dir), the reader reports are built from, and the
// report leases and storage of the report runs (the organisation's reports and deliveries). Made
// only when [cluster] database is set; a node alone never opens it. The conninfo is logged
// redacted (host, port, dbname, user), never with its password.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "src/app/config/config.hpp"
#include "src/app/daemon/node_heartbeat.hpp"
#include "src/core/clock.hpp"
#include "src/core/result.hpp"
#include "src/db/pg_worker.hpp"
#include "tlsrpt/cluster_counter_writer.hpp"
#include "tlsrpt/pg_counter_store.hpp"
#include "tlsrpt/pg_report_lease.hpp"
#include "tlsrpt/pg_report_store.hpp"

namespace stsrelay::app {

// node_name, or the host name when it is empty.
std::string cluster_node_name(const ClusterConfig& cluster);

// The settings of every connection: conninfo, the password of password_file, the timeouts.
core::Result<db::PgSettings> cluster_pg_settings(const ClusterConfig& cluster,
                                                 const std::string& node);

class ClusterServices {
 public:
  // Starts the worker (it connects when asked first, so a database that is down at start does
  // not stop the node) and opens the spool.
  static core::Result<std::unique_ptr<ClusterServices>> start(const ClusterConfig& cluster,
                                                              const std::filesystem::path& state_dir,
                                                              const core::Clock& clock);
  ~ClusterServices();

  // The writer for the recorder (given once; the services keep a pointer for stats()).
  std::unique_ptr<tlsrpt::CounterWriter> take_counter_writer();
  tlsrpt::CounterReader& counter_reader() { return *reader_; }
  // For the report runs: which node builds and sends (day, domain)'s report.
  tlsrpt::ReportLeases& report_leases() { return *leases_; }
  // The fleet's reports and their deliveries, shared by every node.
  tlsrpt::ReportStorage& report_store() { return *reports_; }
  tlsrpt::ClusterWriterStats counter_stats() const;
  const std::string& node() const { return node_; }
  // The worker, for the shared policy cache (sts_services.hpp).
  std::shared_ptr<db::PgWorker> worker() const { return worker_; }
  // Starts this node's heartbeat in cluster_nodes (node_heartbeat.hpp).
  void start_heartbeat(const boost::asio::any_io_executor& ex, const core::Clock& clock);
  // No heartbeat starts afterwards (SIGTERM): its timer no longer keeps the io_context running.
  void stop_heartbeat();

 private:
  ClusterServices() = default;

  std::string node_;
  std::shared_ptr<db::PgWorker> worker_;
  std::unique_ptr<tlsrpt::ClusterCounterWriter> writer_;  // until take_counter_writer()
  tlsrpt::ClusterCounterWriter* writer_view_ = nullptr;  // owned by the recorder after that
  std::unique_ptr<tlsrpt::PgCounterReader> reader_;
  std::unique_ptr<tlsrpt::PgReportLeases> leases_;
  std::unique_ptr<tlsrpt::PgReportStore> reports_;
  std::unique_ptr<NodeHeartbeat> heartbeat_;
};

}  // namespace stsrelay::app
