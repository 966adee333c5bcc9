// From what the SMTP client reports to what becomes of each recipient: delivered, try the next
// address/MX, deferred (with the next attempt from the retry schedule) or bounced. Pure: the
// failure policy itself is trouble.hpp's classify(); this file maps client phases and replies
// onto it, and turns a deferral into a bounce once the queue lifetime ended.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "queue/retry_schedule.hpp"
#include "queue/store.hpp"
#include "smtp/client_outcome.hpp"
#include "src/core/clock.hpp"
#include "src/delivery/trouble.hpp"

namespace stsrelay::delivery {

Stage stage_of(smtp::ClientPhase phase);

// A failed step of a session (open, or a whole transaction) as the failure policy sees it.
Failure failure_of(const smtp::StepFailure& step);
// One recipient that was not delivered: its deciding reply, or the reason without a reply.
Failure failure_of(const smtp::RecipientResult& result);

enum class Fate { delivered, next_host, deferred, bounced, dry_run };
// The log line's status= word: sent, deferred, bounced, dry-run ("next-host" never reaches a
// log line: the recipient is decided on a later host).
std::string_view status_word(Fate fate);

struct RecipientFate {
  Fate fate = Fate::deferred;
  std::string dsn;    // RFC 3463 code, e.g. "2.0.0", "5.1.1", "4.4.1"
  std::string reply;  // the remote reply ("550 5.1.1 no such user") or the local reason
  friend bool operator==(const RecipientFate&, const RecipientFate&) = default;
};

// classify() and status_code() of one failure.
RecipientFate fate_of(const Failure& failure, bool last_host);

// The fate of each of `count` recipients of one transaction, in envelope order. A recipient
// the outcome says nothing about shares the transaction's failure.
std::vector<RecipientFate> transaction_fates(const smtp::TransactionOutcome& outcome,
                                             std::size_t count, bool last_host);

// A deferral of a message queued for max_lifetime or longer becomes a bounce with 5.4.7
// ("delivery time expired", RFC 3463 §3.5), keeping the last reason as the diagnostic. Other
// fates pass unchanged.
RecipientFate expire(RecipientFate fate, core::SysTime received_at,
                     std::chrono::seconds max_lifetime, core::SysTime now);

// The queue's record of a final fate. `attempts` counts the attempts before this one; a
// deferral's next attempt comes from the schedule with `random_unit` as the jitter.
queue::RecipientResult to_queue_result(std::int64_t recipient_id, const RecipientFate& fate,
                                       int attempts, const queue::RetrySchedule& schedule,
                                       core::SysTime now, double random_unit);

}  // namespace stsrelay::delivery
