// The thread that talks to the shared database, so that no Asio thread ever blocks on libpq
// (like the SQLite writer thread of queue/writer.hpp). Callers post jobs into a bounded queue
// and get their result through the job's own callback or a future; a full queue refuses at once
// (the caller keeps its data, e.g. in the local spool) instead of growing without bound.
//
// The worker owns one connection. It connects when the first job comes, runs `on_connect`
// (schema migration) after every new connection, drops a connection that broke and reconnects
// for the next job, with exponential backoff between failed attempts: while backing off, jobs
// get a temporary error at once rather than each waiting for a connect timeout.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "src/core/clock.hpp"
#include "src/core/result.hpp"
#include "src/db/pg_connection.hpp"
#include "src/db/retry_backoff.hpp"

namespace stsrelay::db {

struct PgWorkerOptions {
  std::size_t queue_capacity = 256;
  BackoffPolicy reconnect{};
  // Runs on every new connection before any job; a failure drops the connection.
  std::function<core::Status(PgConnection&)> on_connect;
};

struct PgWorkerStats {
  std::uint64_t connects = 0;
  std::uint64_t connect_failures = 0;
  std::uint64_t jobs = 0;
  std::uint64_t refused = 0;  // posts refused because the queue was full or stopping
};

class PgWorker {
 public:
  // The job gets the connection, or why there is none (the caller decides what to do).
  using Job = std::function<void(core::Result<PgConnection*>)>;

  PgWorker(PgSettings settings, const core::Clock& clock, PgWorkerOptions options = {});
  ~PgWorker();  // stop()
  PgWorker(const PgWorker&) = delete;
  PgWorker& operator=(const PgWorker&) = delete;

  // Queues `job`; false when the queue is full or the worker stopped (the job is not run).
  bool try_post(Job job);

  // Runs fn(connection) on the worker and returns its result through a future; a refused post
  // or a missing connection becomes a temporary error in the future.
  template <class T>
  std::future<core::Result<T>> submit(std::function<core::Result<T>(PgConnection&)> fn) {
    auto promise = std::make_shared<std::promise<core::Result<T>>>();
    auto future = promise->get_future();
    const bool posted = try_post([promise, fn = std::move(fn)](core::Result<PgConnection*> c) {
      if (!c) {
        promise->set_value(c.error());
        return;
      }
      promise->set_value(fn(**c));
    });
    if (!posted) {
      promise->set_value(
          core::Error::temporary("postgresql: the worker queue is full or it is stopping"));
    }
    return future;
  }

  // Finishes the job in progress, fails the queued ones (temporary: "stopping"), joins.
  void stop();

  bool connected() const { return connected_.load(); }
  PgWorkerStats stats() const;
  const std::string& target() const { return target_; }

 private:
  void run();
  core::Result<PgConnection*> connection();

  PgSettings settings_;
  const core::Clock& clock_;
  PgWorkerOptions options_;
  std::string target_;  // redacted

  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Job> jobs_;
  bool stopping_ = false;
  std::mutex join_mutex_;  // stop() from two threads joins once
  std::thread thread_;

  // Only the worker thread touches these two.
  std::optional<PgConnection> conn_;
  RetryBackoff backoff_;
  core::Error last_connect_error_ = core::Error::temporary("");

  std::atomic<bool> connected_{false};
  std::atomic<std::uint64_t> connects_{0};
  std::atomic<std::uint64_t> connect_failures_{0};
  std::atomic<std::uint64_t> jobs_run_{0};
  std::atomic<std::uint64_t> refused_{0};
};

}  // namespace stsrelay::db
