// The callback PolicyResolver as Asio operations: `co_await async_resolve_policy(resolver,
// domain, asio::use_awaitable)` and `async_refresh_policy(...)`, or any other completion token.
// The completion runs on the caller's associated executor, never inside the initiating call,
// even when the answer is at hand (a cache hit): net::async_callback (await_callback.hpp).
#pragma once

#include <string>
#include <utility>

#include "src/net/await_callback.hpp"
#include "sts/policy_resolver.hpp"

namespace stsrelay::sts {

template <class Token>
auto async_resolve_policy(PolicyResolver& resolver, std::string domain, Token&& token) {
  return net::async_callback<PolicyLookup>(
      [&resolver, d = std::move(domain)](auto done) { resolver.resolve(d, std::move(done)); },
      std::forward<Token>(token));
}

template <class Token>
auto async_refresh_policy(PolicyResolver& resolver, std::string domain, Token&& token,
                          bool ignore_backoff = false) {
  return net::async_callback<PolicyLookup>(
      [&resolver, d = std::move(domain), ignore_backoff](auto done) {
        resolver.refresh(d, std::move(done), ignore_backoff);
      },
      std::forward<Token>(token));
}

}  // namespace stsrelay::sts
