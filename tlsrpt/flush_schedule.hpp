// When a fleet node sends its spooled TLS-RPT batches to the shared database: at once when a
// batch is spooled and the database answered last time; after a failed flush, not before the
// backoff delay (doubling up to a cap, so an outage costs one cheap attempt every few seconds,
// not a busy loop); never while the spool is known to be empty. Pure: the flusher thread
// (ClusterCounterWriter) tells it what happened and the time, and sleeps until next_wake().
#pragma once

#include <cstdint>
#include <optional>

#include "src/core/clock.hpp"
#include "src/db/retry_backoff.hpp"

namespace stsrelay::tlsrpt {

class FlushSchedule {
 public:
  explicit FlushSchedule(db::BackoffPolicy backoff = {}) : backoff_(backoff) {}

  // A batch was spooled (or the node started: the spool may hold batches of its last run).
  void spooled() { pending_ = true; }
  // A flush reached the database and sent everything it read; `more` when the spool held more
  // batches than one flush takes.
  void flushed(bool more) {
    backoff_.succeeded();
    pending_ = more;
    degraded_ = false;
  }
  // A flush failed at `now` (database unreachable, slow or refusing): retry after the backoff.
  void failed(core::SysTime now) {
    backoff_.failed(now);
    degraded_ = true;
  }

  // Should a flush start at `now`?
  bool due(core::SysTime now) const { return pending_ && backoff_.ready(now); }
  // When to look again: `now` if due, the end of the backoff if pending, nullopt (wait for
  // spooled()) if nothing is pending.
  std::optional<core::SysTime> next_wake(core::SysTime now) const;

  // The last flush failed: the database is degraded for this node (it keeps spooling).
  bool degraded() const { return degraded_; }
  bool pending() const { return pending_; }
  std::uint32_t failures() const { return backoff_.failures(); }

 private:
  db::RetryBackoff backoff_;
  bool pending_ = true;  // until a flush says otherwise: the spool may hold a previous run's
  bool degraded_ = false;
};

}  // namespace stsrelay::tlsrpt
