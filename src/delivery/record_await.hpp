// Awaiting Store::record() from a coroutine: the `done` callback runs on the queue's writer
// thread; the coroutine resumes on its own executor (the agent's strand). The pending record
// counts as outstanding work, so io_context::run() does not return under it.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "queue/store.hpp"

namespace stsrelay::delivery {

using RecordAnswer = core::Result<std::vector<std::string>>;

// Not a coroutine itself (GCC 12 mishandles lambda init-captures inside coroutine bodies): it
// returns the awaitable of the initiation.
inline boost::asio::awaitable<RecordAnswer> await_record(
    queue::Store& store, std::vector<queue::RecipientResult> results,
    std::vector<queue::NewMessage> notices) {
  namespace asio = boost::asio;
  auto args = std::make_shared<
      std::pair<std::vector<queue::RecipientResult>, std::vector<queue::NewMessage>>>(
      std::move(results), std::move(notices));
  return asio::async_initiate<const asio::use_awaitable_t<>&, void(RecordAnswer)>(
      [&store, args](auto handler) {
        auto h = std::make_shared<decltype(handler)>(std::move(handler));
        auto ex = asio::prefer(asio::get_associated_executor(*h),
                               asio::execution::outstanding_work.tracked);
        store.record(std::move(args->first), std::move(args->second),
                     [h, ex](RecordAnswer answer) {
                       asio::post(ex, [h, a = std::move(answer)]() mutable {
                         std::move(*h)(std::move(a));
                       });
                     });
      },
      asio::use_awaitable);
}

}  // namespace stsrelay::delivery
