// From the configuration to the delivery agent's settings and the resolver's. Pure; the daemon
// applies them at start-up and (the agent's) on SIGHUP.
#pragma once

#include "src/app/config/config.hpp"
#include "src/core/result.hpp"
#include "src/delivery/settings.hpp"
#include "src/net/dns_cares_resolver.hpp"

namespace stsrelay::app {

delivery::DeliverySettings to_delivery_settings(const Config& config);

// delivery.dns_servers, dns_timeout and dns_tries (validated already; an entry that does not
// parse is reported by name).
core::Result<net::ResolverSettings> to_resolver_settings(const Config& config);

}  // namespace stsrelay::app
