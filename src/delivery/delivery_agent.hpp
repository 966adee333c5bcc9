// The delivery agent: takes due work from the queue and hands it to the recipient domains' MX
// hosts. It only glues the tested parts together: queue::Store (claim, content, record,
// wake-ups), net::resolve_delivery_targets (MX → addresses), sts::PolicyResolver and
// sts_attempt.hpp (the MTA-STS policy and its verdicts), smtp::ClientSession (one connection,
// STARTTLS, the transaction), trouble.hpp (what a failure means), job_state.hpp (where each
// recipient stands) and job_report.hpp (log lines, queue::build_dsn bounces, the record).
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
#include <map>
#include <memory>
#include <vector>
#include <utility>
#include <string>

#include "src/core/clock.hpp"
#include "src/core/result.hpp"
#include "src/core/duration_histogram.hpp"
#include "src/delivery/delivery_counters.hpp"
#include "src/delivery/settings.hpp"

namespace boost::asio { class io_context; }
namespace boost::asio::ssl { class context; }
namespace stsrelay::queue { class Store; }
namespace stsrelay::net { class Resolver; }
namespace stsrelay::sts { class PolicyResolver; }
namespace stsrelay::tlsrpt { class OutcomeSink; }

namespace stsrelay::delivery {

// MTA-STS (RFC 8461) and TLS-RPT (RFC 8460) for the agent; either may be null: without a
// policy resolver every domain gets opportunistic TLS, without a sink nothing is recorded.
struct PolicyServices {
  sts::PolicyResolver* policies = nullptr;
  tlsrpt::OutcomeSink* outcomes = nullptr;
};

class DeliveryAgent {
 public:
  // The io_context, store, resolver, clock and services must outlive the agent.
  DeliveryAgent(boost::asio::io_context& io, queue::Store& store, net::Resolver& resolver,
                core::Clock& clock, DeliverySettings settings, PolicyServices services = {});
  ~DeliveryAgent();
  DeliveryAgent(const DeliveryAgent&) = delete;
  DeliveryAgent& operator=(const DeliveryAgent&) = delete;

  // Builds the client TLS context (delivery.ca_file; the error names the file) and starts the
  // scheduler.
  core::Status start();

  // New settings for the following jobs (SIGHUP). Refused, with the old settings kept, when
  // the TLS context cannot be built.
  core::Status reconfigure(DeliverySettings settings);

  // The same in two steps, so that a reload that another part refuses changes nothing here:
  // prepare() builds what can fail (the client TLS context) and applies nothing; commit()
  // applies what prepare() built and cannot fail.
  struct Prepared {
    DeliverySettings settings;
    std::shared_ptr<boost::asio::ssl::context> tls;
  };
  core::Result<Prepared> prepare(DeliverySettings settings) const;
  void commit(Prepared prepared);

  // Attempts so far by status, TLS and policy mode (the metrics endpoint). Any thread.
  std::map<AttemptKey, std::uint64_t> attempt_counts() const;
  // How long each stage of the jobs took (stage_times.hpp), by stage name.
  std::vector<std::pair<std::string, core::DurationHistogram::Snapshot>> stage_times() const;

  // Health: `done` runs on the agent's strand once that strand is free to run it, which a
  // stuck scheduler never is (the caller bounds the wait), with whether the scheduler's loop is
  // still running (false once it ended: stopped, or ended by an error).
  void async_check(std::function<void(bool scheduling)> done);

  // See above. `done` runs once, on the agent's strand, when no job is left or grace passed.
  // `abandoned` counts the jobs still running when grace passed.
  void async_stop(std::chrono::milliseconds grace,
                  std::function<void(std::size_t abandoned)> done);

  class Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace stsrelay::delivery
