#include "src/app/config/reload_plan.hpp"

namespace stsrelay::app {

ReloadPlan plan_reload(const Config& running, Config loaded) {
  ReloadPlan plan;
  // queue.db and the other state files stay open for the life of the process.
  if (loaded.queue.state_dir != running.queue.state_dir) {
    plan.restart_required.push_back("queue.state_dir");
    loaded.queue.state_dir = running.queue.state_dir;
  }
  // Re-creating the loggers would pull them from under threads that are writing a line.
  if (loaded.log.format != running.log.format) {
    plan.restart_required.push_back("log.format");
    loaded.log.format = running.log.format;
  }
  // The resolver is made once, with its servers; the delivery agent keeps using it.
  if (loaded.delivery.dns_servers != running.delivery.dns_servers) {
    plan.restart_required.push_back("delivery.dns_servers");
    loaded.delivery.dns_servers = running.delivery.dns_servers;
  }
  if (loaded.delivery.dns_timeout != running.delivery.dns_timeout ||
      loaded.delivery.dns_tries != running.delivery.dns_tries) {
    plan.restart_required.push_back("delivery.dns_timeout/dns_tries");
    loaded.delivery.dns_timeout = running.delivery.dns_timeout;
    loaded.delivery.dns_tries = running.delivery.dns_tries;
  }
  // The policy fetcher is made once too (its HTTPS client trusts the ca_file of the start).
  if (loaded.sts.fetch_timeout != running.sts.fetch_timeout) {
    plan.restart_required.push_back("sts.fetch_timeout");
    loaded.sts.fetch_timeout = running.sts.fetch_timeout;
  }
  if (loaded.sts.max_policy_size != running.sts.max_policy_size) {
    plan.restart_required.push_back("sts.max_policy_size");
    loaded.sts.max_policy_size = running.sts.max_policy_size;
  }
  plan.next = std::move(loaded);
  return plan;
}

}  // namespace stsrelay::app
