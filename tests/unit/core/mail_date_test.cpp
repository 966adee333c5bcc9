#include "src/core/mail_date.hpp"

#include <gtest/gtest.h>

#include "table_test.hpp"

namespace stsrelay::core {
namespace {

TEST(MailDate, Rfc5322DateTimeInUtc) {
  const testing::Example<std::int64_t, std::string_view> rows[] = {
      {1'800'000'000, "Fri, 15 Jan 2027 08:00:00 +0000"},
      {1'799'823'539, "Wed, 13 Jan 2027 06:58:59 +0000"},
      {0, "Thu, 01 Jan 1970 00:00:00 +0000"},
      {951'782'400, "Tue, 29 Feb 2000 00:00:00 +0000"},
      {1'709'164'799, "Wed, 28 Feb 2024 23:59:59 +0000"},
      {1'735'689'599, "Tue, 31 Dec 2024 23:59:59 +0000"},
      {4'102'444'800, "Fri, 01 Jan 2100 00:00:00 +0000"},
  };
  testing::expect_rows(rows, [](std::int64_t t) { return format_rfc5322_date(from_unix(t)); });
  // Sub-second parts are dropped, not rounded.
  EXPECT_EQ(format_rfc5322_date(from_unix(0) + std::chrono::milliseconds(999)),
            "Thu, 01 Jan 1970 00:00:00 +0000");
}

TEST(MailDate, UtcForPeople) {
  const testing::Example<std::int64_t, std::string_view> rows[] = {
      {1'764'337'859, "2025-11-28 13:50:59"},
      {1, "1970-01-01 00:00:01"},
      {0, "-"},
  };
  testing::expect_rows(rows, [](std::int64_t t) { return format_utc(t); });
}

}  // namespace
}  // namespace stsrelay::core
