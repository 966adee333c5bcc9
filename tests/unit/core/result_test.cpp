#include "src/core/result.hpp"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace stsrelay::core
