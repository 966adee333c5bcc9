// A fleet node's heartbeat in the shared database (cluster_nodes, schema version 2): its name,
// version, start time and the batches waiting in its TLS-RPT spool, upserted every `interval`
// (and at once on start) through the PgWorker, so that `stsrelay cluster status` shows which
// nodes are alive and how far behind their spools are. last_heartbeat is the database's now(),
// so ages are measured on one clock whatever the nodes' clocks say.
//
// A heartbeat the database does not take is dropped (logged at debug): the next one replaces it.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>

#include "src/core/clock.hpp"
#include "src/core/result.hpp"
#include "src/db/pg_worker.hpp"

namespace stsrelay::app {

struct HeartbeatRow {
  std::string node;
  std::string version;
  core::SysTime started_at;
  std::int64_t spool_batches = 0;
};

// The upsert of one heartbeat.
core::Status store_heartbeat(db::PgConnection& conn, const HeartbeatRow& row);

class NodeHeartbeat {
 public:
  // `spool_batches` is asked at each beat on the timer's strand (a count in the local spool),
  // never on the worker's thread: the daemon's shutdown frees the spool after the io_context
  // stopped but before the worker does.
  NodeHeartbeat(boost::asio::any_io_executor ex, std::shared_ptr<db::PgWorker> worker,
                HeartbeatRow row, std::function<std::int64_t()> spool_batches,
                std::chrono::milliseconds interval = std::chrono::seconds(30));
  ~NodeHeartbeat();  // stop()
  NodeHeartbeat(const NodeHeartbeat&) = delete;
  NodeHeartbeat& operator=(const NodeHeartbeat&) = delete;

  void start();
  void stop();

  class Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace stsrelay::app
