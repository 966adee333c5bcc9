// The idle-session pool's bookkeeping. Sessions that never connected are not reusable, which is
// what these tests can make without a server; reuse of a live session is covered by
// tests/integration/test_delivery.py (test_connection_is_reused_for_the_next_message).
#include "src/delivery/session_pool.hpp"

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

namespace stsrelay::delivery {
namespace {

PooledSession unopened(boost::asio::io_context& io) {
  PooledSession s;
  s.session = std::make_unique<smtp::ClientSession>(io.get_executor(), smtp::ClientOptions{});
  return s;
}

TEST(SessionPool, EmptyPoolHasNothingToHandOut) {
  SessionPool pool;
  const auto now = std::chrono::steady_clock::now();
  EXPECT_EQ(pool.take("mx.example.test[192.0.2.1]", now, PoolLimits{}).session, nullptr);
  EXPECT_TRUE(pool.expire(now, PoolLimits{}).empty());
  EXPECT_TRUE(pool.drain().empty());
}

TEST(SessionPool, UnusableSessionIsGivenBackToQuit) {
  boost::asio::io_context io;
  SessionPool pool;
  const auto now = std::chrono::steady_clock::now();
  auto back = pool.put("mx.example.test[192.0.2.1]", unopened(io), now, PoolLimits{});
  ASSERT_EQ(back.size(), 1u);
  EXPECT_NE(back[0].session, nullptr);
  EXPECT_EQ(pool.size(), 0u);
  EXPECT_EQ(pool.take("mx.example.test[192.0.2.1]", now, PoolLimits{}).session, nullptr);
}

TEST(SessionPool, PutWithoutSessionKeepsNothing) {
  SessionPool pool;
  auto back = pool.put("k", PooledSession{}, std::chrono::steady_clock::now(), PoolLimits{});
  EXPECT_TRUE(back.empty());
  EXPECT_EQ(pool.size(), 0u);
}

}  // namespace
}  // namespace stsrelay::delivery
