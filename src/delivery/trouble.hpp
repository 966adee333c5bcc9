// What becomes of a recipient after a delivery failure: try the next address or MX, defer (with
// the next attempt from the retry schedule), or bounce. All of the "failure -> action" policy
// lives here, as Postfix keeps it in smtp_trouble.c: mapping what the SMTP client reports
// (phases, replies) onto failures, classifying them, deriving RFC 3463 codes, turning a
// deferral into a bounce once the queue lifetime ended, and the queue's record of the result.
// Pure functions over plain values; the delivery job only reports what happened.
//
// Policy, TLS and MTA-STS failures are always temporary: only the queue lifetime turns a
// deferral into a bounce, so an administrator can mend a broken set-up without losing mail
// (RFC 8461 §5).
//
// Not here: which hosts may be tried and what TLS each requires (sts_attempt.hpp), and the
// bookkeeping of which recipient is still pending in a job (job_state.hpp).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "queue/retry_schedule.hpp"
#include "queue/store.hpp"
#include "smtp/client_outcome.hpp"
#include "src/core/clock.hpp"

namespace stsrelay::delivery {

// Where in a session something went wrong.
enum class Stage {
  dns,       // resolving the recipient domain's MX / addresses
  connect,   // TCP connect (refused, unreachable, timeout)
  greeting,  // the server's 220 (or a 4xx/5xx greeting)
  ehlo,      // EHLO/HELO
  tls,       // STARTTLS, handshake, or an MTA-STS verdict on the TLS result
  policy,    // MTA-STS: the MX is not listed by an enforce policy
  mail,      // MAIL FROM
  rcpt,      // RCPT TO (per recipient)
  data,      // DATA, the content, the final reply
  local,     // a local limit (message too big for the server, SMTPUTF8/8BITMIME mismatch)
};
std::string_view to_string(Stage stage);

// The effect of one failure on the recipients it concerns.
enum class Action {
  next_host,  // this address/MX cannot take the message; try the next one
  defer,      // keep the recipient queued until the next attempt
  bounce,     // the failure is permanent: DSN to the sender
};
std::string_view to_string(Action action);

struct Failure {
  Stage stage = Stage::connect;
  int reply_code = 0;       // SMTP reply code, 0 when there was no reply
  std::string dsn;          // enhanced status code ("4.7.5"), derived when the reply had none
  std::string text;         // the remote reply or a local reason, for logs and DSNs
};

// Decides the action for a failure. `last_host` says whether any further address or MX is
// left to try in this attempt.
Action classify(const Failure& failure, bool last_host);

// The enhanced status code for a failure: the one in the reply, else derived from the reply
// code and the stage (RFC 3463), e.g. connect → 4.4.1, dns temporary → 4.4.3.
std::string status_code(const Failure& failure);

// ---- From the SMTP client's report to a failure --------------------------------------------

Stage stage_of(smtp::ClientPhase phase);

// A failed step of a session (open, or a whole transaction) as the failure policy sees it.
Failure failure_of(const smtp::StepFailure& step);
// One recipient that was not delivered: its deciding reply, or the reason without a reply.
Failure failure_of(const smtp::RecipientResult& result);

// ---- The fate of a recipient ---------------------------------------------------------------

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

// The fate of a session that could not be opened. One that did not get as far as a greeting
// names the address in its reason ("mx.example.com[192.0.2.25]:25: connect: refused"), as its
// log line says relay=none.
RecipientFate open_fate(const smtp::StepFailure& failure, bool connected, std::string_view host,
                        std::string_view ip, std::uint16_t port, bool last_host);

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
