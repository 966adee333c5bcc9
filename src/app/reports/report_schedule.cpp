#include "src/app/reports/report_schedule.hpp"

#include <algorithm>

namespace stsrelay::app {

core::SysTime report_run_time(tlsrpt::Day ended, std::chrono::minutes send_at,
                              std::chrono::seconds delay) {
  return tlsrpt::day_begin(ended + std::chrono::days(1)) + send_at + delay;
}

ReportPlan plan_reports(core::SysTime now, std::optional<tlsrpt::Day> last_built,
                        std::chrono::minutes send_at, std::chrono::seconds delay,
                        std::optional<core::SysTime> next_delivery) {
  ReportPlan plan;
  const tlsrpt::Day yesterday = tlsrpt::utc_day(now) - std::chrono::days(1);
  const core::SysTime yesterdays_run = report_run_time(yesterday, send_at, delay);
  core::SysTime next_run;
  if (last_built == yesterday) {
    next_run = report_run_time(yesterday + std::chrono::days(1), send_at, delay);
  } else if (now >= yesterdays_run) {
    // Also after a restart past the run time: building is idempotent (a domain whose report
    // exists is skipped), so a run is never lost to a restart.
    plan.build = yesterday;
    next_run = report_run_time(yesterday + std::chrono::days(1), send_at, delay);
  } else {
    next_run = yesterdays_run;
  }
  core::SysTime wake = std::min(next_run, now + kMaxReportSleep);
  if (next_delivery) wake = std::min(wake, std::max(*next_delivery, now));
  plan.wake = wake;
  return plan;
}

}  // namespace stsrelay::app
