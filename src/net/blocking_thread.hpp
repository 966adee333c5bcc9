// One thread for calls that may block (a database that answers slowly, within its bounded wait),
// so that a coroutine awaits them instead of holding an Asio thread that serves SMTP:
//
//   co_await net::await_on_thread(thread, fn)   runs fn() on the thread, resumes with its result
//                                               on the coroutine's own executor
//
// The jobs run one at a time, in order. While one is out it counts as outstanding work of the
// awaiting coroutine's executor (await_callback.hpp), so an io_context does not end under it.
// The destructor runs what is queued, then joins: everything a job uses must outlive the thread.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include <boost/asio/awaitable.hpp>

#include "src/net/await_callback.hpp"

namespace stsrelay::net {

class BlockingThread {
 public:
  BlockingThread();
  ~BlockingThread();
  BlockingThread(const BlockingThread&) = delete;
  BlockingThread& operator=(const BlockingThread&) = delete;

  void post(std::function<void()> job);

 private:
  void run();

  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::thread thread_;  // last: started once the queue exists
};

// Not a coroutine itself: the lambdas that own `fn` are made here (await_callback.hpp says why).
template <class T>
boost::asio::awaitable<T> await_on_thread(BlockingThread& thread, std::function<T()> fn) {
  return await_callback<T>(
      [&thread, fn = std::move(fn)](std::function<void(T)> done) mutable {
        thread.post([fn = std::move(fn), done = std::move(done)] { done(fn()); });
      });
}

}  // namespace stsrelay::net
