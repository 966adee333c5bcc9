#include "src/db/retry_backoff.hpp"

#include <algorithm>

namespace stsrelay::db {

std::chrono::milliseconds backoff_delay(const BackoffPolicy& policy, std::uint32_t failures) {
  if (failures == 0) return std::chrono::milliseconds{0};
  auto delay = policy.first;
  // Doubling stops at max, so the loop is short and the value never overflows.
  for (std::uint32_t i = 1; i < failures && delay < policy.max; ++i) delay *= 2;
  return std::min(delay, policy.max);
}

RetryBackoff::TimePoint RetryBackoff::failed(TimePoint now) {
  ++failures_;
  next_attempt_ = now + backoff_delay(policy_, failures_);
  return next_attempt_;
}

}  // namespace stsrelay::db
