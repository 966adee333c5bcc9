#include "src/db/pg_worker.hpp"

#include <spdlog/spdlog.h>

namespace stsrelay::db {

PgWorker::PgWorker(PgSettings settings, const core::Clock& clock, PgWorkerOptions options)
    : settings_(std::move(settings)),
      clock_(clock),
      options_(std::move(options)),
      target_(redact_conninfo(settings_.conninfo)),
      backoff_(options_.reconnect) {
  thread_ = std::thread([this] { run(); });
}

PgWorker::~PgWorker() { stop(); }

bool PgWorker::try_post(Job job) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || jobs_.size() >= options_.queue_capacity) {
      refused_.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    jobs_.push_back(std::move(job));
  }
  cv_.notify_one();
  return true;
}

void PgWorker::stop() {
  std::deque<Job> left;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  {
    std::lock_guard lock(join_mutex_);
    if (thread_.joinable()) thread_.join();
  }
  {
    std::lock_guard lock(mutex_);
    left.swap(jobs_);
  }
  for (Job& job : left) job(core::Error::temporary("postgresql: the worker is stopping"));
}

PgWorkerStats PgWorker::stats() const {
  return PgWorkerStats{connects_.load(), connect_failures_.load(), jobs_run_.load(),
                       refused_.load()};
}

core::Result<PgConnection*> PgWorker::connection() {
  if (conn_ && !conn_->broken()) return &*conn_;
  if (conn_) {
    spdlog::warn("cluster: the connection to postgresql {} broke; reconnecting", target_);
    conn_.reset();
    connected_.store(false);
  }
  const core::SysTime now = clock_.now();
  if (!backoff_.ready(now)) {
    // Backing off: say why without waiting for another connect timeout.
    return core::Error{last_connect_error_.kind,
                       last_connect_error_.message + " (next attempt in " +
                           std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                              backoff_.next_attempt() - now)
                                              .count()) +
                           " ms)"};
  }
  auto conn = PgConnection::connect(settings_);
  core::Status ready = conn ? core::Status(core::Ok{}) : core::Status(conn.error());
  if (conn && options_.on_connect) ready = options_.on_connect(*conn);
  if (!ready) {
    connect_failures_.fetch_add(1, std::memory_order_relaxed);
    last_connect_error_ = ready.error();
    backoff_.failed(now);
    if (backoff_.failures() == 1) {
      spdlog::warn("cluster: postgresql {} unavailable: {}", target_, ready.error().message);
    }
    return ready.error();
  }
  if (backoff_.failures() > 0) {
    spdlog::info("cluster: postgresql {} reachable again after {} failed attempts", target_,
                 backoff_.failures());
  }
  backoff_.succeeded();
  conn_.emplace(std::move(*conn));
  connects_.fetch_add(1, std::memory_order_relaxed);
  connected_.store(true);
  return &*conn_;
}

void PgWorker::run() {
  for (;;) {
    Job job;
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (stopping_) break;  // stop() fails what is left
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    job(connection());
    jobs_run_.fetch_add(1, std::memory_order_relaxed);
    if (conn_ && conn_->broken()) connected_.store(false);
  }
  conn_.reset();
  connected_.store(false);
}

}  // namespace stsrelay::db
