// Awaiting a callback-style operation (the Resolver, HttpsFetcher, PolicyResolver, queue Store,
// MessageSink interfaces, which stay free of Asio) from a coroutine or any other Asio
// completion token. The one place where such a callback becomes an Asio completion:
//
// - `done(T)` may be called from any thread (a resolver's strand, the queue's writer thread, a
//   thread pool), exactly once;
// - the completion is always posted to the handler's associated executor (a coroutine's own
//   executor or strand), never run inside the initiating call, even when the operation answers
//   at once (a fake, a cache hit);
// - while the operation is out it counts as outstanding work, so io_context::run() does not
//   return under it.
//
// A plain function object as token has no associated executor and so completes on Asio's system
// executor (another thread); bind it to an executor (asio::bind_executor) when that matters.
//
// Neither function here is a coroutine: GCC 12 miscompiles lambda init-captures written inside
// coroutine bodies (objects destroyed twice), so every lambda that owns data is built in these
// plain functions, and callers' coroutines pass only values.
#pragma once

#include <functional>
#include <memory>
#include <tuple>
#include <type_traits>
#include <utility>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace stsrelay::net {

// `start(done)` begins the operation; the token's handler receives the T given to `done`.
template <class T, class Start, class Token>
auto async_callback(Start start, Token&& token) {
  namespace asio = boost::asio;
  return asio::async_initiate<Token, void(T)>(
      [](auto handler, Start begin) {
        auto work = asio::prefer(asio::get_associated_executor(handler),
                                 asio::execution::outstanding_work.tracked);
        // The interfaces take std::function, which needs a copyable callable; Asio handlers are
        // move-only.
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        std::move(begin)([shared, work](T value) {
          asio::post(work, [shared, v = std::move(value)]() mutable {
            std::move(*shared)(std::move(v));
          });
        });
      },
      token, std::move(start));
}

// `co_await await_callback<T>(start)`: the same, for a coroutine.
template <class T, class Start>
boost::asio::awaitable<T> await_callback(Start start) {
  return async_callback<T>(std::move(start), boost::asio::use_awaitable);
}

namespace detail {

template <class F>
struct callback_value;
template <class T>
struct callback_value<std::function<void(T)>> {
  using type = T;
};

template <class M>
struct last_parameter;
template <class R, class C, class... P>
struct last_parameter<R (C::*)(P...)> {
  using type = std::remove_cvref_t<std::tuple_element_t<sizeof...(P) - 1, std::tuple<P...>>>;
};

}  // namespace detail

// `co_await await_call(resolver, &Resolver::resolve_mx, domain)`: calls a member whose last
// parameter is its std::function<void(T)> callback, with `args` (copied or moved in) before
// it, and resumes with the T.
template <class Object, class Member, class... Args>
auto await_call(Object& object, Member member, Args&&... args) {
  using T = typename detail::callback_value<typename detail::last_parameter<Member>::type>::type;
  return await_callback<T>(
      [&object, member, stored = std::make_tuple(std::forward<Args>(args)...)](auto done) mutable {
        std::apply(
            [&](auto&... a) { std::invoke(member, object, std::move(a)..., std::move(done)); },
            stored);
      });
}

}  // namespace stsrelay::net
