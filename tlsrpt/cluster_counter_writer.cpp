#include "tlsrpt/cluster_counter_writer.hpp"

#include <spdlog/spdlog.h>

#include "tlsrpt/pg_counter_store.hpp"
#include "tlsrpt/spool_flush.hpp"

namespace stsrelay::tlsrpt {
namespace {

// The flusher looks at the clock at least this often, so that a backoff ends on time even if
// the clock and the condition variable's own time drift apart (tests use a FakeClock).
constexpr std::chrono::milliseconds kMaxSleep{250};

}  // namespace

core::Result<std::unique_ptr<ClusterCounterWriter>> ClusterCounterWriter::open(
    const std::filesystem::path& spool_path, std::string node_name,
    std::shared_ptr<db::PgWorker> worker, const core::Clock& clock,
    ClusterWriterOptions options) {
  auto spool = ClusterSpool::open(spool_path, node_name);
  if (!spool) return spool.error();
  return std::unique_ptr<ClusterCounterWriter>(new ClusterCounterWriter(
      std::move(*spool), std::move(node_name), std::move(worker), clock, options));
}

ClusterCounterWriter::ClusterCounterWriter(std::unique_ptr<ClusterSpool> spool, std::string node,
                                           std::shared_ptr<db::PgWorker> worker,
                                           const core::Clock& clock,
                                           ClusterWriterOptions options)
    : spool_(std::move(spool)),
      node_(std::move(node)),
      worker_(std::move(worker)),
      clock_(clock),
      options_(options),
      schedule_(options.retry) {
  thread_ = std::thread([this] { run(); });
}

ClusterCounterWriter::~ClusterCounterWriter() { stop(); }

core::Status ClusterCounterWriter::add(const Counters& counters, std::uint64_t sessions) {
  if (counters.empty()) return core::Ok{};
  if (auto st = spool_->append(counters, sessions); !st) return st;
  spooled_.fetch_add(1, std::memory_order_relaxed);
  {
    std::lock_guard lock(mutex_);
    ++generation_;
    schedule_.spooled();
  }
  cv_.notify_all();
  return core::Ok{};
}

void ClusterCounterWriter::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

ClusterWriterStats ClusterCounterWriter::stats() const {
  auto pending = spool_->pending();
  return ClusterWriterStats{spooled_.load(),        flushed_.load(),
                            duplicates_.load(),     flush_failures_.load(),
                            pending ? *pending : -1, degraded_.load()};
}

core::Result<bool> ClusterCounterWriter::flush_once() {
  const std::size_t limit = options_.batches_per_flush;
  auto future = worker_->submit<bool>([this, limit](db::PgConnection& conn) -> core::Result<bool> {
    auto done = flush_spool(conn, *spool_, node_, limit);
    if (!done) return done.error();
    flushed_.fetch_add(done->added, std::memory_order_relaxed);
    duplicates_.fetch_add(done->duplicates, std::memory_order_relaxed);
    return done->more;
  });
  // The job's statements are bounded by the connection's timeouts, and stop() of the worker
  // fails a job it has not run, so this wait ends.
  return future.get();
}

void ClusterCounterWriter::run() {
  std::unique_lock lock(mutex_);
  bool last_attempt_done = false;
  for (;;) {
    if (stopping_) {
      // One last attempt to hand the spool over before the node stops; the rest waits in the
      // spool for the next start.
      if (last_attempt_done || !schedule_.pending() || degraded_.load()) break;
      last_attempt_done = true;
    } else {
      const core::SysTime now = clock_.now();
      const auto wake = schedule_.next_wake(now);
      if (!wake) {
        cv_.wait(lock, [this] { return stopping_ || schedule_.pending(); });
        continue;
      }
      if (*wake > now) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*wake - now);
        cv_.wait_for(lock, std::min(left, kMaxSleep));
        continue;
      }
    }
    const std::uint64_t generation = generation_;
    lock.unlock();
    auto flushed = flush_once();
    lock.lock();
    if (flushed) {
      if (schedule_.degraded()) {
        spdlog::info("cluster: the shared database takes TLS-RPT counts again");
      }
      schedule_.flushed(*flushed || generation != generation_);
      degraded_.store(false);
    } else {
      if (!schedule_.degraded()) {
        spdlog::warn("cluster: TLS-RPT counts kept in the local spool until the shared "
                     "database answers: {}",
                     flushed.error().message);
      }
      flush_failures_.fetch_add(1, std::memory_order_relaxed);
      schedule_.failed(clock_.now());
      degraded_.store(true);
    }
  }
}

}  // namespace stsrelay::tlsrpt
