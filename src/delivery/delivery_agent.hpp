// The delivery agent: takes due work from the queue and hands it to the recipient domains' MX
// hosts (issue 3). It only glues the tested parts together: queue::Store (claim, content,
// record, wake-ups), net::resolve_delivery_targets (MX → addresses), smtp::ClientSession (one
// connection, STARTTLS, the transaction), trouble.hpp/fate.hpp (what a failure means),
// queue::build_dsn (bounces) and attempt_log.hpp (one log line per recipient per attempt).
//
// Scheduling: one coroutine waits for work — the queue's wake-up (new mail, results, CLI retry
// and flush) or the next due time, whichever comes first — claims due jobs (one message, one
// domain each) within `concurrency` and `per_domain_concurrency`, and runs one coroutine per
// job. Everything runs on one strand of the given io_context, so the agent's state needs no
// locks; the SMTP sessions' timers run there too.
//
// Stopping (SIGTERM): no new jobs; jobs in flight get `grace` to finish and record. Whatever is
// still running then is abandoned unrecorded: its recipients are still pending on disk (leases
// live only in memory), so they are due again at the next start — delivered at most twice,
// never lost.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>

#include "src/core/clock.hpp"
#include "src/core/result.hpp"
#include "src/delivery/settings.hpp"

namespace boost::asio { class io_context; }
namespace stsrelay::queue { class Store; }
namespace stsrelay::net { class Resolver; }

namespace stsrelay::delivery {

class DeliveryAgent {
 public:
  // The io_context, store, resolver and clock must outlive the agent.
  DeliveryAgent(boost::asio::io_context& io, queue::Store& store, net::Resolver& resolver,
                core::Clock& clock, DeliverySettings settings);
  ~DeliveryAgent();
  DeliveryAgent(const DeliveryAgent&) = delete;
  DeliveryAgent& operator=(const DeliveryAgent&) = delete;

  // Builds the client TLS context (delivery.ca_file; the error names the file) and starts the
  // scheduler.
  core::Status start();

  // New settings for the following jobs (SIGHUP). Refused, with the old settings kept, when
  // the TLS context cannot be built.
  core::Status reconfigure(DeliverySettings settings);

  // See above. `done` runs once, on the agent's strand, when no job is left or grace passed.
  // `abandoned` counts the jobs still running when grace passed.
  void async_stop(std::chrono::milliseconds grace,
                  std::function<void(std::size_t abandoned)> done);

  class Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace stsrelay::delivery
