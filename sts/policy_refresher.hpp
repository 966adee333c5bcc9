// The background refresher of cached MTA-STS policies (RFC 8461 §10.2: "senders SHOULD ...
// refresh cached policies before they expire"), so that enforcement never lapses for a domain
// that still gets mail, even while its TXT record is hidden or its policy host is down.
//
// Every `interval` on a timer of the given executor it sweeps sts.db: each cached, unexpired
// policy past its refresh point (is_refresh_due, refresh_schedule.hpp) is refreshed through
// PolicyResolver::refresh(), which shares a fetch already in flight and honours the 5-minute
// rule of §3.3. A refresh of a non-`none` policy that keeps failing is logged as an alert
// (spdlog warn, "mta-sts alert"), with the time left before the policy expires.
//
// What it deliberately does not do: fetch itself, or refresh expired policies (the next
// delivery fetches those under the TXT id, §5.1).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "src/core/clock.hpp"
#include "sts/cache_decision.hpp"
#include "sts/policy_cache.hpp"
#include "sts/policy_resolver.hpp"

namespace stsrelay::sts {

// Which of the due domains this node refreshes: in a fleet, those whose refresh lease it holds
// (shared_policy_sync.hpp), so that one node per domain fetches. It calls `go` exactly once, on
// any thread, with the chosen domains. Empty: every due domain (a node alone).
using RefreshGate = std::function<void(std::vector<std::string> due,
                                       std::function<void(std::vector<std::string>)> go)>;

struct PolicyRefresherSettings {
  std::chrono::milliseconds interval{std::chrono::minutes(5)};  // between sweeps
  CacheTuning tuning;  // the refresh point and the 5-minute rule, as the resolver's
  RefreshGate gate;
};

class PolicyRefresher {
 public:
  // Every reference must outlive the refresher and every refresh it started.
  PolicyRefresher(boost::asio::any_io_executor ex, PolicyResolver& resolver, PolicyCache& cache,
                  const core::Clock& clock, PolicyRefresherSettings settings = {});
  // Stops the timer; refreshes in flight finish. Destroy it while the executor's io_context
  // still exists (the cancellation is posted to it).
  ~PolicyRefresher();
  PolicyRefresher(const PolicyRefresher&) = delete;
  PolicyRefresher& operator=(const PolicyRefresher&) = delete;

  // Replaces settings.gate (a node that joins a fleet after start-up). Any thread.
  void set_gate(RefreshGate gate);

  // Sweeps every `interval`, the first one after one interval. Any thread.
  void start();
  // Cancels the timer; no sweep starts afterwards. Any thread.
  void stop();

  // One sweep now, on the calling thread: returns how many due domains it found (a sts.db
  // failure is logged and ends the sweep); with a gate, the refreshes start when it answers.
  std::size_t sweep();

  // Failed refreshes of `domain` in a row since its last successful one (tests, metrics).
  unsigned consecutive_failures(std::string_view domain) const;

  class Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace stsrelay::sts
