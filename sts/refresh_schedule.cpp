#include "sts/refresh_schedule.hpp"

namespace stsrelay::sts {

bool is_refresh_due(const CacheState& state, core::SysTime now, const CacheTuning& tuning) {
  if (!state.cached || !is_unexpired(*state.cached, now)) return false;
  if (now < refresh_due_at(*state.cached, tuning)) return false;
  return !is_backing_off(state, state.cached->id, now, tuning);
}

bool is_refresh_alert(Mode mode, unsigned consecutive_failures, unsigned threshold) {
  return mode != Mode::none && consecutive_failures >= threshold;
}

}  // namespace stsrelay::sts
