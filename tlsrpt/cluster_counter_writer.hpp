// Where a fleet node's recorder writes its TLS-RPT counts: add() keeps the batch in the local
// spool (cluster_spool.db: durable, on the recorder's writer thread, never on delivery's), and a
// flusher thread sends the spooled batches, oldest first, to the shared database through the
// PgWorker (add_batch: idempotent by batch id). While the database is unreachable or slow the
// batches wait in the spool and the flusher retries with backoff (FlushSchedule); nothing is
// lost, and nothing is counted twice: a batch leaves the spool only after its commit, and one
// whose commit went through unanswered is recognised by its id when it is sent again.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "src/core/clock.hpp"
#include "src/db/pg_worker.hpp"
#include "tlsrpt/cluster_spool.hpp"
#include "tlsrpt/counter_interfaces.hpp"
#include "tlsrpt/flush_schedule.hpp"

namespace stsrelay::tlsrpt {

struct ClusterWriterOptions {
  db::BackoffPolicy retry{std::chrono::milliseconds{500}, std::chrono::milliseconds{8'000}};
  std::size_t batches_per_flush = 64;
};

// Counters for metrics, health and tests.
struct ClusterWriterStats {
  std::uint64_t spooled = 0;         // batches written to the local spool
  std::uint64_t flushed = 0;         // batches the shared database added
  std::uint64_t duplicates = 0;      // batches it had already (a retry after a lost reply)
  std::uint64_t flush_failures = 0;  // flushes that failed (retried after a backoff)
  std::int64_t pending = 0;          // batches in the spool now
  bool degraded = false;             // the last flush failed: the database is unreachable/slow
};

class ClusterCounterWriter final : public CounterWriter {
 public:
  static core::Result<std::unique_ptr<ClusterCounterWriter>> open(
      const std::filesystem::path& spool_path, std::string node_name,
      std::shared_ptr<db::PgWorker> worker, const core::Clock& clock,
      ClusterWriterOptions options = {});
  ~ClusterCounterWriter() override;

  core::Status add(const Counters& counters, std::uint64_t sessions) override;

  // Stops the flusher after one last attempt (bounded by the worker's timeouts); what is left
  // stays in the spool for the next start.
  void stop();

  ClusterWriterStats stats() const;

 private:
  ClusterCounterWriter(std::unique_ptr<ClusterSpool> spool, std::string node,
                       std::shared_ptr<db::PgWorker> worker, const core::Clock& clock,
                       ClusterWriterOptions options);
  void run();
  // One flush on the worker: true when the spool held more than one flush takes.
  core::Result<bool> flush_once();

  std::unique_ptr<ClusterSpool> spool_;
  std::string node_;
  std::shared_ptr<db::PgWorker> worker_;
  const core::Clock& clock_;
  ClusterWriterOptions options_;

  std::mutex mutex_;
  std::condition_variable cv_;
  FlushSchedule schedule_;
  std::uint64_t generation_ = 0;  // add() count, to see batches spooled during a flush
  bool stopping_ = false;
  std::thread thread_;

  std::atomic<std::uint64_t> spooled_{0};
  std::atomic<std::uint64_t> flushed_{0};
  std::atomic<std::uint64_t> duplicates_{0};
  std::atomic<std::uint64_t> flush_failures_{0};
  std::atomic<bool> degraded_{false};
};

}  // namespace stsrelay::tlsrpt
