// Awaiting a callback-style operation from a coroutine (internal to the smtp module). The
// callback may run on any thread (the queue's writer thread, the auth thread pool); the
// coroutine always resumes on its own executor, i.e. on the session's strand. The pending
// operation counts as outstanding work, so io_context::run() does not return under it.
#pragma once

#include <boost/asio/async_result.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <memory>
#include <string>
#include <utility>

#include "smtp/auth_users.hpp"
#include "smtp/message_sink.hpp"
#include "smtp/server_protocol.hpp"

namespace stsrelay::smtp {

// `start(done)` begins the operation; `done(T)` must be called exactly once, from any thread.
// Not a coroutine itself (GCC 12 mishandles lambda parameters of coroutine templates): it
// returns the awaitable of the initiation.
template <class T, class Start>
boost::asio::awaitable<T> await_callback(Start start) {
  namespace asio = boost::asio;
  return asio::async_initiate<const asio::use_awaitable_t<>&, void(T)>(
      [start = std::move(start)](auto handler) mutable {
        auto h = std::make_shared<decltype(handler)>(std::move(handler));
        auto ex = asio::prefer(asio::get_associated_executor(*h),
                               asio::execution::outstanding_work.tracked);
        start([h, ex](T value) {
          asio::post(ex, [h, v = std::move(value)]() mutable { std::move (*h)(std::move(v)); });
        });
      },
      asio::use_awaitable);
}

// The two callback operations of a session. Plain functions on purpose: GCC 12 miscompiles
// lambda init-captures written inside coroutine bodies (objects destroyed twice), so every
// lambda that owns data is built here, outside any coroutine.

// MessageSink::store, resumed on the caller's strand with the queue id or the failure.
inline boost::asio::awaitable<core::Result<std::string>> store_in(MessageSink& sink,
                                                                  core::Envelope envelope,
                                                                  std::string content) {
  auto job = std::make_shared<std::pair<core::Envelope, std::string>>(std::move(envelope),
                                                                      std::move(content));
  return await_callback<core::Result<std::string>>([&sink, job](auto done) {
    sink.store(std::move(job->first), std::move(job->second), std::move(done));
  });
}

// AuthUsers::verify on `pool` (PBKDF2 is CPU-heavy), resumed on the caller's strand.
template <class PoolExecutor>
boost::asio::awaitable<bool> verify_password(PoolExecutor pool,
                                             std::shared_ptr<const AuthUsers> users,
                                             AuthAttempt attempt) {
  auto job = std::make_shared<AuthAttempt>(std::move(attempt));
  return await_callback<bool>([pool, users, job](auto done) {
    boost::asio::post(pool, [users, job, done]() mutable {
      done(users && users->verify(job->user, job->password));
    });
  });
}

}  // namespace stsrelay::smtp
