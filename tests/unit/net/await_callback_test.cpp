// The one callback-to-Asio adapter: the completion is posted to the caller's executor (never
// run inside the initiating call), a `done` from another thread resumes the coroutine on its
// own strand, and the pending operation keeps io_context::run() from returning.
#include "src/net/await_callback.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <optional>
#include <string>
#include <thread>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>

namespace stsrelay::net {
namespace {

namespace asio = boost::asio;

// A callback interface of the kind the adapter serves, answering at once on the caller's
// thread (as a fake or a cache hit does).
class Echo {
 public:
  void ask(std::string question, std::function<void(std::string)> done) {
    done("answer to " + question);
  }
};

TEST(AwaitCallback, AnswerAtOnceIsPostedNotRunInline) {
  asio::io_context io;
  Echo echo;
  std::optional<std::string> got;
  bool initiation_returned = false;
  async_callback<std::string>(
      [&](auto done) {
        echo.ask("q", std::move(done));
        initiation_returned = true;
      },
      asio::bind_executor(io.get_executor(), [&](std::string answer) {
        EXPECT_TRUE(initiation_returned);
        got = std::move(answer);
      }));
  EXPECT_FALSE(got.has_value());  // not before the io_context runs it
  io.run();
  EXPECT_EQ(got, "answer to q");
}

TEST(AwaitCallback, AwaitCallOfAMemberResumesTheCoroutine) {
  asio::io_context io;
  Echo echo;
  std::optional<std::string> got;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> { got = co_await await_call(echo, &Echo::ask, "q"); },
      asio::detached);
  io.run();
  EXPECT_EQ(got, "answer to q");
}

TEST(AwaitCallback, DoneFromAnotherThreadResumesOnTheStrandAndKeepsRunGoing) {
  asio::io_context io;
  auto strand = asio::make_strand(io);
  std::thread worker;
  std::optional<bool> on_strand;
  // Built outside the coroutine body (GCC 12, see await_callback.hpp).
  const auto start = [&worker](auto done) {
    worker = std::thread([done]() mutable { done(7); });
  };
  asio::co_spawn(
      strand,
      [&]() -> asio::awaitable<void> {
        const int answer = co_await await_callback<int>(start);
        EXPECT_EQ(answer, 7);
        on_strand = strand.running_in_this_thread();
      },
      asio::detached);
  io.run();  // returns only after the coroutine finished: the operation was outstanding work
  worker.join();
  EXPECT_EQ(on_strand, true);
}

}  // namespace
}  // namespace stsrelay::net
