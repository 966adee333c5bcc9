// The recipients of one delivery job (one message, one recipient domain) and where each stands:
// which are still pending for the next host, the fate decided for each and on which relay. Each
// step of the job's sessions hands its outcome in (apply); recipients that no host took because
// the MTA-STS policy abandoned every host are settled with the policy's 4.7.x reply; at the end
// the queue lifetime turns deferrals into bounces (expire) and every recipient gets its queue
// record. Pure: no sockets, no clock (`now` is an argument), no logging.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "queue/retry_schedule.hpp"
#include "queue/store.hpp"
#include "src/core/clock.hpp"
#include "src/core/envelope.hpp"
#include "src/delivery/tls_log_field.hpp"
#include "src/delivery/trouble.hpp"
#include "sts/enforcement.hpp"

namespace stsrelay::delivery {

// Where a recipient's fate was decided, for its log line and DSN.
struct Relay {
  std::string host;
  std::string ip;
  TlsLogFields tls;
  bool connected = false;  // false: relay=none
  std::uint16_t port = 0;  // 0: the job's default port (25)
};

struct JobState {
  queue::DeliveryJob job;
  std::vector<RecipientFate> fates;  // per recipient of the job
  std::vector<Relay> relays;         // per recipient of the job
  std::vector<std::size_t> pending;  // recipients still to decide (next host), in job order
  Relay last_abandoned;              // the last host the policy abandoned, for the log line
};

// Every recipient pending, each deferred with "no delivery target was tried" until a step
// decides it.
JobState start_job(queue::DeliveryJob job);

// The queue ids of the job's recipients (to release them unchanged).
std::vector<std::int64_t> recipient_ids(const queue::DeliveryJob& job);

// The message's envelope with only the pending recipients, in job order.
core::Envelope pending_envelope(const JobState& st);

// Stores the fates decided on `relay`, one per pending recipient in order; those with
// Fate::next_host stay pending for the next host.
void apply(JobState& st, const std::vector<RecipientFate>& fates, const Relay& relay);
// The same fate for every pending recipient.
void apply_all(JobState& st, const RecipientFate& fate, const Relay& relay);

// Recipients still pending after every host, when the policy or the route's floor abandoned
// hosts (`reply` names each host and why): deferred with a 4xx reply, bounced with a 5xx one
// (REQUIRETLS, 5.7.30), or in a dry run recorded as what would have happened. Nothing changes
// without a reply.
void settle_abandoned(JobState& st, const std::optional<sts::DeferReply>& reply, bool dry_run);

// Whether a deferral now would be a bounce, the queue lifetime having ended.
bool would_bounce(const JobState& st, std::chrono::seconds max_lifetime, core::SysTime now);

// The final fate of each recipient at `now` (expire() applied), in job order.
std::vector<RecipientFate> final_fates(const JobState& st, std::chrono::seconds max_lifetime,
                                       core::SysTime now);

// The queue's records of `finals` (final_fates()); `random_unit` gives each deferral's jitter.
std::vector<queue::RecipientResult> queue_results(const JobState& st,
                                                  const std::vector<RecipientFate>& finals,
                                                  const queue::RetrySchedule& schedule,
                                                  core::SysTime now,
                                                  const std::function<double()>& random_unit);

}  // namespace stsrelay::delivery
