// The TLSA lookup of one host as RFC 7672 §2.2.2 orders it, shared by delivery and
// `stsrelay check` so that both ask the same names: the CNAME-expanded name first, the name as
// looked up when the first securely has none (tlsa_try_initial_name, dane_host.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "src/net/dns_resolver.hpp"
#include "src/net/mx_plan.hpp"

namespace stsrelay::delivery {

struct TlsaLookup {
  std::optional<net::DnsResult<net::TlsaRecord>> result;
  std::string base_domain;  // where `result` was asked: SNI and a DANE-TA reference name
};

// _<port>._tcp.<base> (RFC 6698 §3): MX hosts publish at port 25, a next hop at its own port.
boost::asio::awaitable<TlsaLookup> lookup_tlsa(net::Resolver& dns,
                                               const net::DeliveryTarget& target,
                                               std::uint16_t port);

}  // namespace stsrelay::delivery
