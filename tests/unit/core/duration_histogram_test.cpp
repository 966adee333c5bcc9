#include "src/core/duration_histogram.hpp"

#include <gtest/gtest.h>

namespace stsrelay::core {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(DurationHistogram, CountsEachObservationInItsBucketAndAbove) {
  DurationHistogram h;
  h.observe(microseconds(500));  // <= 1 ms
  h.observe(milliseconds(1));    // <= 1 ms: the bound is inclusive ("le")
  h.observe(milliseconds(3));    // <= 5 ms
  h.observe(seconds(90));        // only +Inf
  h.observe(-milliseconds(1));   // a clock step backwards counts as 0
  const DurationHistogram::Snapshot s = h.snapshot();
  ASSERT_EQ(s.bounds.size(), s.cumulative.size());
  EXPECT_EQ(s.cumulative[0], 3u);  // 0, 0.5 ms, 1 ms
  EXPECT_EQ(s.cumulative[1], 3u);  // <= 2 ms
  EXPECT_EQ(s.cumulative[2], 4u);  // <= 5 ms
  EXPECT_EQ(s.cumulative.back(), 4u);
  EXPECT_EQ(s.count, 5u);
  EXPECT_DOUBLE_EQ(s.sum_seconds, 0.0005 + 0.001 + 0.003 + 90);
}

TEST(DurationHistogram, EmptyIsAllZero) {
  const DurationHistogram::Snapshot s = DurationHistogram().snapshot();
  EXPECT_EQ(s.count, 0u);
  for (std::uint64_t c : s.cumulative) EXPECT_EQ(c, 0u);
}

}  // namespace
}  // namespace stsrelay::core
