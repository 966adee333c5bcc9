#include "src/app/reports/report_schedule.hpp"

#include <gtest/gtest.h>

namespace stsrelay::app {
namespace {

using namespace std::chrono;
using namespace std::chrono_literals;

core::SysTime at(int y, unsigned m, unsigned d, int hh, int mm) {
  return tlsrpt::day_begin(sys_days(year(y) / month(m) / day(d))) + hours(hh) + minutes(mm);
}
tlsrpt::Day day_of(int y, unsigned m, unsigned d) { return sys_days(year(y) / month(m) / day(d)); }

TEST(ReportSchedule, RunTimeIsTheNextDayAtSendAtPlusTheDelay) {
  EXPECT_EQ(report_run_time(day_of(2026, 11, 27), 30min, 900s), at(2026, 11, 28, 0, 45));
  EXPECT_EQ(report_run_time(day_of(2026, 12, 31), 0min, 0s), at(2027, 1, 1, 0, 0));
}

TEST(ReportSchedule, Table) {
  struct Row {
    const char* name;
    core::SysTime now;
    std::optional<tlsrpt::Day> last_built;
    std::optional<core::SysTime> next_delivery;
    std::optional<tlsrpt::Day> build;
    core::SysTime wake;
  };
  const seconds delay = 600s;  // runs at 00:40
  const Row rows[] = {
      {"before the run time: wait for it", at(2026, 11, 28, 0, 35), std::nullopt, std::nullopt,
       std::nullopt, at(2026, 11, 28, 0, 40)},
      {"at the run time: build yesterday", at(2026, 11, 28, 0, 40), std::nullopt, std::nullopt,
       day_of(2026, 11, 27), at(2026, 11, 28, 0, 50)},
      {"started late in the day: build at once", at(2026, 11, 28, 17, 0), std::nullopt,
       std::nullopt, day_of(2026, 11, 27), at(2026, 11, 28, 17, 10)},
      {"already built: sleep at most the bound", at(2026, 11, 28, 17, 0), day_of(2026, 11, 27),
       std::nullopt, std::nullopt, at(2026, 11, 28, 17, 10)},
      {"already built, late evening: tomorrow's run", at(2026, 11, 28, 23, 59),
       day_of(2026, 11, 27), std::nullopt, std::nullopt, at(2026, 11, 29, 0, 9)},
      {"a delivery due first wakes first", at(2026, 11, 28, 17, 0), day_of(2026, 11, 27),
       at(2026, 11, 28, 17, 3), std::nullopt, at(2026, 11, 28, 17, 3)},
      {"an overdue delivery wakes now", at(2026, 11, 28, 17, 0), day_of(2026, 11, 27),
       at(2026, 11, 28, 16, 0), std::nullopt, at(2026, 11, 28, 17, 0)},
      {"the day before yesterday built: build yesterday", at(2026, 11, 28, 1, 0),
       day_of(2026, 11, 26), std::nullopt, day_of(2026, 11, 27), at(2026, 11, 28, 1, 10)},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    const ReportPlan plan = plan_reports(row.now, row.last_built, 30min, delay, row.next_delivery);
    EXPECT_EQ(plan.build, row.build);
    EXPECT_EQ(plan.wake, row.wake);
  }
}

}  // namespace
}  // namespace stsrelay::app
