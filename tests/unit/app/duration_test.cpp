// Table tests of configuration durations ("30s", "10m", "1h", "5d").
#include "src/app/config/duration.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <vector>

#include "table_test.hpp"

namespace stsrelay::app {
namespace {

using namespace std::chrono_literals;

TEST(ParseDuration, Table) {
  // nullopt: refused
  const std::vector<testing::Row<std::string_view, std::optional<std::chrono::seconds>>> rows = {
      {"seconds", "30s", 30s},
      {"minutes", "10m", 600s},
      {"hours", "1h", 3600s},
      {"days", "5d", 432000s},
      {"zero is a duration", "0s", 0s},
      {"leading zeros", "007m", 420s},
      {"large but in range", "36500d", 36500LL * 86400s},
      {"empty", "", std::nullopt},
      {"no unit", "30", std::nullopt},
      {"unit only", "s", std::nullopt},
      {"unknown unit", "3w", std::nullopt},
      {"upper-case unit", "30S", std::nullopt},
      {"milliseconds are not a unit", "30ms", std::nullopt},
      {"space before unit", "30 s", std::nullopt},
      {"leading space", " 30s", std::nullopt},
      {"negative", "-5m", std::nullopt},
      {"plus sign", "+5m", std::nullopt},
      {"fraction", "1.5h", std::nullopt},
      {"combined form", "1h30m", std::nullopt},
      {"word", "ten minutes", std::nullopt},
      {"over 100 years", "40000d", std::nullopt},
      {"overflowing digits", "99999999999999999999999s", std::nullopt},
  };
  testing::expect_result_rows(rows, [](std::string_view text) { return parse_duration(text); });
}

TEST(FormatDuration, ShortestExactForm) {
  const std::vector<std::pair<std::int64_t, std::string_view>> rows = {
      {0, "0s"}, {45, "45s"}, {90, "90s"}, {600, "10m"}, {3600, "1h"},
      {5400, "90m"}, {86400, "1d"}, {90000, "25h"}, {432000, "5d"},
  };
  for (const auto& [seconds, text] : rows) {
    SCOPED_TRACE(text);
    EXPECT_EQ(format_duration(std::chrono::seconds{seconds}), text);
    // Round trip: what is printed parses back to the same value.
    EXPECT_EQ(parse_duration(text)->count(), seconds);
  }
}

}  // namespace
}  // namespace stsrelay::app
