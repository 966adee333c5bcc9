// Exponential backoff for reconnecting to the database and retrying a spool flush: the delay
// doubles with each failure in a row, from `first` up to `max`, and one success resets it. Pure:
// callers pass the time (from core::Clock) in and get the next attempt's time out.
#pragma once

#include <chrono>
#include <cstdint>

#include "src/core/clock.hpp"

namespace stsrelay::db {

struct BackoffPolicy {
  std::chrono::milliseconds first{500};
  std::chrono::milliseconds max{30'000};
};

// The delay after `failures` failures in a row (1: first, 2: 2×first, ...; 0: none).
std::chrono::milliseconds backoff_delay(const BackoffPolicy& policy, std::uint32_t failures);

class RetryBackoff {
 public:
  using TimePoint = core::SysTime;  // from core::Clock, so tests drive it with a FakeClock
  explicit RetryBackoff(BackoffPolicy policy = {}) : policy_(policy) {}

  // May an attempt start at `now`? True until a failure, then again once its delay has passed.
  bool ready(TimePoint now) const { return failures_ == 0 || now >= next_attempt_; }
  void succeeded() { failures_ = 0; }
  // Counts a failure at `now` and returns when the next attempt may start.
  TimePoint failed(TimePoint now);

  std::uint32_t failures() const { return failures_; }
  TimePoint next_attempt() const { return next_attempt_; }

 private:
  BackoffPolicy policy_;
  std::uint32_t failures_ = 0;
  TimePoint next_attempt_{};
};

}  // namespace stsrelay::db
