#include "src/delivery/tlsa_lookup.hpp"

#include "src/delivery/dane_host.hpp"
#include "src/net/await_callback.hpp"

namespace stsrelay::delivery {

boost::asio::awaitable<TlsaLookup> lookup_tlsa(net::Resolver& dns,
                                               const net::DeliveryTarget& target,
                                               std::uint16_t port) {
  const std::string prefix = "_" + std::to_string(port) + "._tcp.";
  TlsaLookup out;
  out.base_domain = target.expanded_name.empty() ? target.host : target.expanded_name;
  out.result =
      co_await net::await_call(dns, &net::Resolver::resolve_tlsa, prefix + out.base_domain);
  if (!target.expanded_name.empty() && tlsa_try_initial_name(*out.result)) {
    out.base_domain = target.host;
    out.result = co_await net::await_call(dns, &net::Resolver::resolve_tlsa, prefix + target.host);
  }
  co_return out;
}

}  // namespace stsrelay::delivery
