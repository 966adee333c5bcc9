#include "src/app/config/reload_plan.hpp"

namespace stsrelay::app {
namespace {

// A key bound to something made once at start-up: a change is noted, and the running value
// stays in force until the restart.
template <class T>
void keep_running(ReloadPlan& plan, const char* key, T& loaded, const T& running) {
  if (loaded == running) return;
  plan.restart_required.push_back(key);
  loaded = running;
}

}  // namespace

ReloadPlan plan_reload(const Config& running, Config loaded) {
  ReloadPlan plan;
  // queue.db and the other state files stay open for the life of the process.
  keep_running(plan, "queue.state_dir", loaded.queue.state_dir, running.queue.state_dir);
  // Re-creating the loggers would pull them from under threads that are writing a line.
  keep_running(plan, "log.format", loaded.log.format, running.log.format);
  // The resolver is made once, with its servers and limits; the delivery agent keeps using it.
  keep_running(plan, "delivery.dns_servers", loaded.delivery.dns_servers,
               running.delivery.dns_servers);
  keep_running(plan, "delivery.dns_timeout", loaded.delivery.dns_timeout,
               running.delivery.dns_timeout);
  keep_running(plan, "delivery.dns_tries", loaded.delivery.dns_tries, running.delivery.dns_tries);
  // The policy fetcher is made once too (its HTTPS client trusts the ca_file of the start).
  keep_running(plan, "sts.fetch_timeout", loaded.sts.fetch_timeout, running.sts.fetch_timeout);
  keep_running(plan, "sts.max_policy_size", loaded.sts.max_policy_size,
               running.sts.max_policy_size);
  // The shared database's worker and the node's spool are made once, at start-up.
  keep_running(plan, "cluster", loaded.cluster, running.cluster);
  plan.next = std::move(loaded);
  return plan;
}

}  // namespace stsrelay::app
