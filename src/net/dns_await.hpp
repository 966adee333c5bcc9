// Asio adapters over the callback Resolver: `co_await async_resolve_mx(resolver, name,
// asio::use_awaitable)`, or any other completion token. The completion runs on the caller's
// associated executor (for a coroutine: its own executor or strand), not on the resolver's. It
// is always posted, never run inside the initiating call, even when a Resolver (a fake, a cache
// hit) answers at once. A plain function object has no associated executor and so completes
// on Asio's system executor (another thread); pass a token bound to an executor instead
// (asio::bind_executor) when that matters.
#pragma once

#include <memory>
#include <string>
#include <utility>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/prefer.hpp>

#include "src/net/dns_resolver.hpp"

namespace stsrelay::net {
namespace detail {

// Starts `(resolver.*start)(name, callback)` and completes the Asio handler with its result.
template <class T, class Token>
auto async_resolve(Resolver& resolver, void (Resolver::*start)(std::string, Resolver::Callback<T>),
                   std::string name, Token&& token) {
  return boost::asio::async_initiate<Token, void(DnsResult<T>)>(
      [&resolver, start](auto handler, std::string n) {
        using Handler = decltype(handler);
        // The work guard keeps the caller's io_context running while the answer is out.
        auto work = boost::asio::prefer(boost::asio::get_associated_executor(handler),
                                        boost::asio::execution::outstanding_work.tracked);
        // std::function needs a copyable callable; Asio handlers are move-only.
        auto shared = std::make_shared<Handler>(std::move(handler));
        (resolver.*start)(std::move(n), [shared, work](DnsResult<T> result) mutable {
          boost::asio::post(work, [shared, result = std::move(result)]() mutable {
            (*shared)(std::move(result));
          });
        });
      },
      token, std::move(name));
}

}  // namespace detail

template <class Token>
auto async_resolve_a(Resolver& r, std::string name, Token&& token) {
  return detail::async_resolve<IpAddress>(r, &Resolver::resolve_a, std::move(name),
                                          std::forward<Token>(token));
}
template <class Token>
auto async_resolve_aaaa(Resolver& r, std::string name, Token&& token) {
  return detail::async_resolve<IpAddress>(r, &Resolver::resolve_aaaa, std::move(name),
                                          std::forward<Token>(token));
}
template <class Token>
auto async_resolve_mx(Resolver& r, std::string name, Token&& token) {
  return detail::async_resolve<MxRecord>(r, &Resolver::resolve_mx, std::move(name),
                                         std::forward<Token>(token));
}
template <class Token>
auto async_resolve_txt(Resolver& r, std::string name, Token&& token) {
  return detail::async_resolve<TxtRecord>(r, &Resolver::resolve_txt, std::move(name),
                                          std::forward<Token>(token));
}
template <class Token>
auto async_resolve_tlsa(Resolver& r, std::string name, Token&& token) {
  return detail::async_resolve<TlsaRecord>(r, &Resolver::resolve_tlsa, std::move(name),
                                           std::forward<Token>(token));
}

}  // namespace stsrelay::net
