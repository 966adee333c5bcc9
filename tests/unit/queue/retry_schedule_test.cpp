#include "queue/retry_schedule.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace stsrelay::queue {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

TEST(RetrySchedule, NextAttemptFollowsTheStepsAndRepeatsTheLast) {
  const RetrySchedule design{{minutes(5), minutes(10), minutes(20), minutes(40), hours(1)}, 0.1};
  const RetrySchedule single{{minutes(15)}, 0.1};
  const RetrySchedule no_jitter{{minutes(5), minutes(10)}, 0.0};
  struct Row {
    const char* name;
    const RetrySchedule& schedule;
    int attempts;
    double random;
    seconds delay;
  };
  const Row rows[] = {
      {"first failure, middle of the jitter", design, 1, 0.5, minutes(5)},
      {"second failure", design, 2, 0.5, minutes(10)},
      {"fifth failure: last step", design, 5, 0.5, hours(1)},
      {"sixth failure: last step repeats", design, 6, 0.5, hours(1)},
      {"hundredth failure", design, 100, 0.5, hours(1)},
      {"zero attempts count as one", design, 0, 0.5, minutes(5)},
      {"negative attempts count as one", design, -3, 0.5, minutes(5)},
      {"jitter low end: -10%", design, 1, 0.0, seconds(270)},
      {"jitter high end: +10%", design, 1, 1.0, seconds(330)},
      {"jitter quarter: -5%", design, 5, 0.25, seconds(3420)},
      {"random below 0 clamps", design, 1, -7.0, seconds(270)},
      {"random above 1 clamps", design, 1, 7.0, seconds(330)},
      {"NaN random: no jitter", design, 1, std::nan(""), minutes(5)},
      {"one-step schedule", single, 3, 0.5, minutes(15)},
      {"no jitter ignores random", no_jitter, 2, 0.0, minutes(10)},
  };
  const core::SysTime now = core::from_unix(1'800'000'000);
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    EXPECT_EQ(next_attempt(row.schedule, row.attempts, now, row.random) - now, row.delay);
  }
}

TEST(RetrySchedule, EmptyOrTinyScheduleStillWaits) {
  const core::SysTime now = core::from_unix(1'800'000'000);
  EXPECT_EQ(next_attempt(RetrySchedule{{}, 0.1}, 1, now, 0.5) - now, kFallbackDelay);
  // A zero step with jitter would mean "now": at least one second keeps a failing destination
  // from spinning.
  EXPECT_EQ(next_attempt(RetrySchedule{{seconds(0)}, 0.1}, 1, now, 0.0) - now, seconds(1));
}

TEST(RetrySchedule, ExpiredAtTheLifetimeNotBefore) {
  const core::SysTime received = core::from_unix(1'800'000'000);
  const seconds lifetime = hours(24 * 5);
  struct Row {
    const char* name;
    seconds age;
    bool expired;
  };
  const Row rows[] = {
      {"just arrived", seconds(0), false},
      {"one second short", lifetime - seconds(1), false},
      {"exactly the lifetime", lifetime, true},
      {"long past", lifetime * 2, true},
      {"clock went backwards", seconds(-60), false},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    EXPECT_EQ(expired(received, lifetime, received + row.age), row.expired);
  }
}

}  // namespace
}  // namespace stsrelay::queue
