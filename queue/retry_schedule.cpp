#include "queue/retry_schedule.hpp"

#include <algorithm>
#include <cmath>

namespace stsrelay::queue {

core::SysTime next_attempt(const RetrySchedule& schedule, int attempts, core::SysTime now,
                           double random_unit) {
  std::chrono::seconds base = kFallbackDelay;
  if (!schedule.steps.empty()) {
    const std::size_t index = static_cast<std::size_t>(std::max(attempts, 1) - 1);
    base = schedule.steps[std::min(index, schedule.steps.size() - 1)];
  }
  // NaN compares false everywhere; treat it as "no jitter" rather than let it through.
  const double unit = std::isnan(random_unit) ? 0.5 : std::clamp(random_unit, 0.0, 1.0);
  const double jitter = std::clamp(schedule.jitter, 0.0, 1.0);
  const double factor = 1.0 + jitter * (2.0 * unit - 1.0);
  const auto delay =
      std::max<std::int64_t>(1, std::llround(static_cast<double>(base.count()) * factor));
  return now + std::chrono::seconds(delay);
}

bool expired(core::SysTime received_at, std::chrono::seconds max_lifetime, core::SysTime now) {
  return now - received_at >= max_lifetime;
}

}  // namespace stsrelay::queue
