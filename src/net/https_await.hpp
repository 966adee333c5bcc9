// Asio adapter over the callback HttpsFetcher: `co_await async_fetch(fetcher, request,
// asio::use_awaitable)`. The completion runs on the caller's associated executor (a coroutine's
// own executor or strand), not on the fetcher's.
#pragma once

#include <memory>
#include <utility>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/prefer.hpp>

#include "src/net/https_fetcher.hpp"

namespace stsrelay::net {

template <class Token>
auto async_fetch(HttpsFetcher& fetcher, HttpsRequest request, Token&& token) {
  return boost::asio::async_initiate<Token, void(HttpsResult)>(
      [&fetcher](auto handler, HttpsRequest req) {
        using Handler = decltype(handler);
        // Keeps the caller's io_context running while the request is out.
        auto work = boost::asio::prefer(boost::asio::get_associated_executor(handler),
                                        boost::asio::execution::outstanding_work.tracked);
        // std::function needs a copyable callable; Asio handlers are move-only.
        auto shared = std::make_shared<Handler>(std::move(handler));
        fetcher.fetch(std::move(req), [shared, work](HttpsResult result) mutable {
          boost::asio::dispatch(work, [shared, result = std::move(result)]() mutable {
            (*shared)(std::move(result));
          });
        });
      },
      token, std::move(request));
}

}  // namespace stsrelay::net
