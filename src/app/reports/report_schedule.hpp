// When the daemon runs TLS-RPT reports (RFC 8460 §4.1): once per UTC day, for the day that
// ended, at tlsrpt.send_at plus a random delay of up to tlsrpt.max_send_delay (an hour unless
// set, so that report receivers do not get every sender's report at 00:00:00), and whenever a
// report delivery is due. Pure.
#pragma once

#include <chrono>
#include <optional>

#include "src/core/clock.hpp"
#include "tlsrpt/report_day.hpp"

namespace stsrelay::app {

// Nothing waits longer than this, so that a clock step or a missed wake-up costs little.
inline constexpr std::chrono::seconds kMaxReportSleep{600};

// The run for `ended` (its reports): the next day at `send_at` + `delay`.
core::SysTime report_run_time(tlsrpt::Day ended, std::chrono::minutes send_at,
                              std::chrono::seconds delay);

struct ReportPlan {
  std::optional<tlsrpt::Day> build;  // build this day's reports now
  core::SysTime wake{};              // when to look again
};

// `last_built`: the last day whose run happened in this process. `next_delivery`: the earliest
// pending report delivery. `delay` is the random delay of the coming run.
ReportPlan plan_reports(core::SysTime now, std::optional<tlsrpt::Day> last_built,
                        std::chrono::minutes send_at, std::chrono::seconds delay,
                        std::optional<core::SysTime> next_delivery);

}  // namespace stsrelay::app
