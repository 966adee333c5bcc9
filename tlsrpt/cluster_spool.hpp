// The local spool of a fleet node (cluster_spool.db in state_dir): every batch of TLS-RPT
// counts the recorder writes is kept here, durably (SQLite WAL, synchronous=FULL), until the
// shared database has it. So delivery never waits for PostgreSQL, a database outage loses
// nothing, and a node restarted with a full spool sends it on.
//
// Each batch gets its id here, once: "<node>/<spool instance>/<sequence>". The instance is a
// random value made when the file is created, so a node whose state_dir was wiped can never
// reuse the id of a batch the database has already counted (which would drop new counts as
// duplicates). Batches are read back oldest first. Thread-safe (one connection, a mutex).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "src/core/result.hpp"
#include "src/db/sqlite_connection.hpp"
#include "tlsrpt/counters.hpp"

namespace stsrelay::tlsrpt {

struct SpooledBatch {
  std::int64_t seq = 0;
  std::string id;  // the batch id the shared database keeps (tlsrpt_batches.id)
  std::uint64_t sessions = 0;
  Counters counters;
};

// "<node>/<instance>/<seq>"; pure.
std::string batch_id(std::string_view node, std::string_view instance, std::int64_t seq);

class ClusterSpool {
 public:
  static core::Result<std::unique_ptr<ClusterSpool>> open(const std::filesystem::path& path,
                                                          std::string node_name);

  // Keeps `counters` (aggregated from `sessions` sessions) as the newest batch.
  core::Status append(const Counters& counters, std::uint64_t sessions);
  // Up to `limit` batches, oldest first.
  core::Result<std::vector<SpooledBatch>> oldest(std::size_t limit);
  // The shared database has batch `seq`: forget it.
  core::Status remove(std::int64_t seq);
  core::Result<std::int64_t> pending();

  const std::string& instance() const { return instance_; }

 private:
  ClusterSpool(db::SqliteConnection conn, std::string node, std::string instance)
      : conn_(std::move(conn)), node_(std::move(node)), instance_(std::move(instance)) {}

  std::mutex mutex_;
  db::SqliteConnection conn_;
  std::string node_;
  std::string instance_;
};

}  // namespace stsrelay::tlsrpt
