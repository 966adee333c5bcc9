#include "sts/refresh_schedule.hpp"

namespace stsrelay::sts {

bool is_refresh_due(const CacheState& state, core::SysTime now, const CacheTuning& tuning) {
  if (!state.cached || !is_unexpired(*state.cached, now)) return false;
  if (now < refresh_due_at(*state.cached, tuning)) return false;
  // §3.3: "limit further attempts to a period of five minutes or longer per version ID".
  const bool backing_off = state.last_failure && state.last_failure->id == state.cached->id &&
                           now >= state.last_failure->at &&
                           now - state.last_failure->at < tuning.fetch_retry_delay;
  return !backing_off;
}

bool is_refresh_alert(Mode mode, unsigned consecutive_failures, unsigned threshold) {
  return mode != Mode::none && consecutive_failures >= threshold;
}

}  // namespace stsrelay::sts
