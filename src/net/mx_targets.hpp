// resolve_delivery_targets: the MX lookup and the address lookups of every MX host of a
// recipient domain, as one coroutine for the delivery engine. The ordering and failure rules
// are the pure ones of mx_plan.hpp; this file only asks the Resolver (address lookups of all
// hosts run at once).
#pragma once

#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "src/net/dns_resolver.hpp"
#include "src/net/mx_plan.hpp"

namespace stsrelay::net {

// The hosts and addresses to try for `domain` in order, or the classified failure: permanent
// (5.1.2 NXDOMAIN, 5.1.10 null MX, 5.4.4 no usable host) or temporary (4.4.3). `pick` orders
// equal MX preferences (random_pick() in production).
boost::asio::awaitable<DeliveryRoute> resolve_delivery_targets(Resolver& resolver,
                                                               std::string domain,
                                                               PickIndex pick = random_pick());

// The addresses of configured next hops (a route's `next_hop`): A and AAAA of each named host at
// once, no MX lookup; literals as they are. Failures as assemble_next_hops() says.
boost::asio::awaitable<DeliveryRoute> resolve_next_hops(Resolver& resolver,
                                                        std::vector<NextHopName> hops);

}  // namespace stsrelay::net
