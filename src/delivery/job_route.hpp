// Which [[route]] a delivery job follows and what TLS it demands: the recipient domain and the
// envelope sender's domain matched against the route table (route_table.hpp), and the floor,
// its source and REQUIRETLS as a TlsDemand (tls_floor.hpp). Pure.
#pragma once

#include <string>

#include "queue/store.hpp"
#include "src/delivery/route_table.hpp"
#include "src/delivery/tls_floor.hpp"

namespace stsrelay::delivery {

struct JobRoute {
  const Route* route = nullptr;  // in `table`, or its default route; never null
  std::string name;              // "route[2]", or "default" when no table matched
  TlsDemand demand;
};

// The domain part of an address, normalised (lower case, A-labels); empty without one.
std::string address_domain(const std::string& address);

JobRoute route_for_job(const RouteTable& table, const queue::DeliveryJob& job);

}  // namespace stsrelay::delivery
