// A caller that needs an answer from the shared database now (a report run, a CLI command):
// runs `fn` on the PgWorker's thread and waits for it at most `wait`, so that a database that
// is away or slow costs the caller a bounded wait and a temporary error, never a hang. The job
// may still finish on the worker after the caller gave up: `fn` owns what it uses.
#pragma once

#include <chrono>
#include <functional>
#include <future>
#include <string>

#include "src/db/pg_worker.hpp"

namespace stsrelay::db {

template <class T>
core::Result<T> ask_within(PgWorker& worker, std::chrono::milliseconds wait,
                           std::function<core::Result<T>(PgConnection&)> fn) {
  auto future = worker.submit<T>(std::move(fn));
  if (future.wait_for(wait) != std::future_status::ready) {
    return core::Error::temporary("postgresql " + worker.target() + ": no answer within " +
                                  std::to_string(wait.count()) + " ms");
  }
  return future.get();
}

}  // namespace stsrelay::db
