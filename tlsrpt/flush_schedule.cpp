#include "tlsrpt/flush_schedule.hpp"

namespace stsrelay::tlsrpt {

std::optional<core::SysTime> FlushSchedule::next_wake(core::SysTime now) const {
  if (!pending_) return std::nullopt;
  if (backoff_.ready(now)) return now;
  return backoff_.next_attempt();
}

}  // namespace stsrelay::tlsrpt
