// Asio adapters over the callback PolicyResolver: `co_await async_resolve_policy(resolver,
// domain, asio::use_awaitable)` and `async_refresh_policy(...)`, or any other completion token.
// The completion runs on the caller's associated executor (a coroutine's own executor or
// strand), never inside the initiating call, even when the answer is at hand (a cache hit).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>

#include "sts/policy_resolver.hpp"

namespace stsrelay::sts {
namespace detail {

// Wraps an Asio handler as a PolicyResolver::Callback that posts to the handler's executor.
template <class Handler>
PolicyResolver::Callback policy_completion(Handler handler) {
  // The work guard keeps the caller's io_context running while the answer is out.
  auto work = boost::asio::prefer(boost::asio::get_associated_executor(handler),
                                  boost::asio::execution::outstanding_work.tracked);
  // std::function needs a copyable callable; Asio handlers are move-only.
  auto shared = std::make_shared<Handler>(std::move(handler));
  return [shared, work](PolicyLookup lookup) mutable {
    boost::asio::post(work, [shared, lookup = std::move(lookup)]() mutable {
      (*shared)(std::move(lookup));
    });
  };
}

}  // namespace detail

template <class Token>
auto async_resolve_policy(PolicyResolver& resolver, std::string domain, Token&& token) {
  return boost::asio::async_initiate<Token, void(PolicyLookup)>(
      [&resolver](auto handler, std::string d) {
        resolver.resolve(d, detail::policy_completion(std::move(handler)));
      },
      token, std::move(domain));
}

template <class Token>
auto async_refresh_policy(PolicyResolver& resolver, std::string domain, Token&& token,
                          bool ignore_backoff = false) {
  return boost::asio::async_initiate<Token, void(PolicyLookup)>(
      [&resolver, ignore_backoff](auto handler, std::string d) {
        resolver.refresh(d, detail::policy_completion(std::move(handler)), ignore_backoff);
      },
      token, std::move(domain));
}

}  // namespace stsrelay::sts
