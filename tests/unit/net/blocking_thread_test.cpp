// The thread for blocking calls: a coroutine awaits the call, which runs on that thread and not
// on the io_context's, resumes with its result on its own executor, and the io_context does not
// end while the call is out; calls run in order, and what is queued still runs at destruction.
#include "src/net/blocking_thread.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <thread>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

namespace stsrelay::net {
namespace {

namespace asio = boost::asio;

std::thread::id id_of_this_thread() { return std::this_thread::get_id(); }

TEST(BlockingThread, TheCallRunsThereAndTheCoroutineResumesOnItsExecutor) {
  asio::io_context io;
  BlockingThread thread;
  std::optional<std::thread::id> ran_on;
  std::optional<std::thread::id> resumed_on;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        ran_on = co_await await_on_thread<std::thread::id>(thread, &id_of_this_thread);
        resumed_on = std::this_thread::get_id();
      },
      asio::detached);
  io.run();  // returns only after the call came back: it counted as work
  ASSERT_TRUE(ran_on && resumed_on);
  EXPECT_NE(*ran_on, std::this_thread::get_id());
  EXPECT_EQ(*resumed_on, std::this_thread::get_id());
}

TEST(BlockingThread, CallsRunInOrderAndQueuedOnesRunBeforeItJoins) {
  std::vector<int> order;
  {
    BlockingThread thread;
    for (int i = 0; i < 5; ++i) thread.post([&order, i] { order.push_back(i); });
  }
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4}));
}

}  // namespace
}  // namespace stsrelay::net
