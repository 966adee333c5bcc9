#include "src/app/config/delivery_settings_map.hpp"

namespace stsrelay::app {

delivery::DeliverySettings to_delivery_settings(const Config& config) {
  delivery::DeliverySettings s;
  s.helo_name = config.delivery.helo_name.empty() ? config.server.hostname
                                                  : config.delivery.helo_name;
  s.reporting_mta = config.server.hostname;
  s.ca_file = config.delivery.ca_file;
  s.source_address = config.delivery.source_address;
  s.concurrency = static_cast<std::size_t>(config.delivery.concurrency);
  s.per_domain_concurrency = static_cast<std::size_t>(config.delivery.per_domain_concurrency);
  s.dry_run = config.delivery.dry_run;
  s.connect_timeout = config.delivery.connect_timeout;
  s.command_timeout = config.delivery.command_timeout;
  s.data_timeout = config.delivery.data_timeout;
  s.retry_schedule.steps = config.queue.retry_schedule;
  s.max_lifetime = config.queue.max_lifetime;
  s.sts_enforcement = config.sts.enforcement;
  s.sts_overrides = config.sts.overrides;
  s.dane_enforcement = config.dane.enforcement;
  s.dane_overrides = config.dane.overrides;
  return s;
}

core::Result<net::ResolverSettings> to_resolver_settings(const Config& config) {
  net::ResolverSettings s;
  for (const std::string& text : config.delivery.dns_servers) {
    auto server = net::parse_dns_server(text);
    if (!server) {
      return core::Error::invalid("delivery.dns_servers: " + server.error().message);
    }
    s.servers.push_back(*server);
  }
  s.timeout = config.delivery.dns_timeout;
  s.tries = static_cast<int>(config.delivery.dns_tries);
  return s;
}

}  // namespace stsrelay::app
