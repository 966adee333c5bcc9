// When to try a deferred recipient again, and when to give up. Pure: `now` and the random value
// for the jitter are parameters.
//
// The schedule is `queue.retry_schedule` (e.g. 5m, 10m, 20m, 40m, 1h): the delay after the
// n-th failed attempt is step n, and the last step repeats for every later attempt. Each delay
// is spread by ±jitter (10% by default) so that recipients deferred together (a whole domain
// down) do not come back at the same second. `queue.max_lifetime` after arrival, a message that
// still cannot be delivered is bounced (RFC 5321 §4.5.4.1 suggests at least 4-5 days).
#pragma once

#include <chrono>
#include <vector>

#include "src/core/clock.hpp"

namespace stsrelay::queue {

struct RetrySchedule {
  std::vector<std::chrono::seconds> steps;
  double jitter = 0.1;  // fraction of the delay, each way
};

// The time of the next attempt after `attempts` attempts have failed (1 after the first).
// `random_unit` in [0, 1] picks the point in the jitter range (0.5: no jitter); values outside
// are clamped. An empty schedule waits kFallbackDelay; attempts < 1 count as 1. The delay is
// never below one second.
core::SysTime next_attempt(const RetrySchedule& schedule, int attempts, core::SysTime now,
                           double random_unit);

inline constexpr std::chrono::seconds kFallbackDelay{300};

// True once the message has been queued for max_lifetime or longer.
bool expired(core::SysTime received_at, std::chrono::seconds max_lifetime, core::SysTime now);

}  // namespace stsrelay::queue
