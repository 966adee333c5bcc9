#include "src/core/result.hpp"

#include <gtest/gtest.h>

#include "src/core/logging.hpp"

namespace stsrelay::core {
namespace {

TEST(Result, HoldsValueOrError) {
  Result<int> good = 42;
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 42);

  Result<int> bad = Error::no_space("disk full writing queue.db");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind, ErrorKind::no_space);
  EXPECT_EQ(to_string(bad.error().kind), "no-space");
}

TEST(LogValue, QuotesOnlyWhatNeedsIt) {
  struct Row {
    const char* in;
    const char* out;
  } rows[] = {
      {"plain", "plain"},
      {"", "\"\""},
      {"two words", "\"two words\""},
      {"say \"hi\"", "\"say \\\"hi\\\"\""},
      {"a=b", "\"a=b\""},
      {"tab\there", "\"tab\\x09here\""},
      {"250 2.0.0 Ok", "\"250 2.0.0 Ok\""},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.in);
    EXPECT_EQ(log_value(row.in), row.out);
  }
}

}  // namespace
}  // namespace stsrelay::core
