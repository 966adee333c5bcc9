#include "src/delivery/fate.hpp"

#include "smtp/reply.hpp"

namespace stsrelay::delivery {

Stage stage_of(smtp::ClientPhase phase) {
  using P = smtp::ClientPhase;
  switch (phase) {
    case P::connect: return Stage::connect;
    case P::greeting: return Stage::greeting;
    case P::ehlo: return Stage::ehlo;
    case P::starttls:
    case P::tls: return Stage::tls;
    // A reused connection that the server closed while idle says nothing about the message.
    case P::rset: return Stage::connect;
    case P::mail: return Stage::mail;
    case P::rcpt: return Stage::rcpt;
    case P::data:
    case P::message:
    case P::quit: return Stage::data;
    case P::local: return Stage::local;
  }
  return Stage::data;
}

Failure failure_of(const smtp::StepFailure& step) {
  Failure f;
  f.stage = stage_of(step.phase);
  if (step.reply) {
    f.reply_code = step.reply->code;
    f.dsn = step.reply->enhanced;
    f.text = smtp::summary(*step.reply);
  } else {
    f.text = step.describe();
  }
  return f;
}

Failure failure_of(const smtp::RecipientResult& result) {
  Failure f;
  f.stage = stage_of(result.phase);
  if (result.reply) {
    f.reply_code = result.reply->code;
    f.dsn = result.reply->enhanced;
    f.text = smtp::summary(*result.reply);
  } else {
    f.text = std::string(smtp::to_string(result.phase)) + ": " + result.reason;
  }
  return f;
}

std::string_view status_word(Fate fate) {
  switch (fate) {
    case Fate::delivered: return "sent";
    case Fate::next_host: return "next-host";
    case Fate::deferred: return "deferred";
    case Fate::bounced: return "bounced";
    case Fate::dry_run: return "dry-run";
  }
  return "deferred";
}

RecipientFate fate_of(const Failure& failure, bool last_host) {
  RecipientFate out;
  switch (classify(failure, last_host)) {
    case Action::next_host: out.fate = Fate::next_host; break;
    case Action::defer: out.fate = Fate::deferred; break;
    case Action::bounce: out.fate = Fate::bounced; break;
  }
  out.dsn = status_code(failure);
  out.reply = failure.text;
  return out;
}

std::vector<RecipientFate> transaction_fates(const smtp::TransactionOutcome& outcome,
                                             std::size_t count, bool last_host) {
  std::vector<RecipientFate> fates;
  fates.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    if (i < outcome.recipients.size()) {
      const auto& r = outcome.recipients[i];
      if (r.delivered()) {
        const std::string dsn = r.reply->enhanced.empty() ? "2.0.0" : r.reply->enhanced;
        fates.push_back({Fate::delivered, dsn, smtp::summary(*r.reply)});
      } else {
        fates.push_back(fate_of(failure_of(r), last_host));
      }
    } else if (outcome.failure) {
      fates.push_back(fate_of(failure_of(*outcome.failure), last_host));
    } else {
      // The client reports every recipient; a missing one is treated as an I/O failure after
      // the transaction started, which is never a reason to bounce.
      fates.push_back(fate_of({Stage::data, 0, "", "no result for this recipient"}, last_host));
    }
  }
  return fates;
}

RecipientFate expire(RecipientFate fate, core::SysTime received_at,
                     std::chrono::seconds max_lifetime, core::SysTime now) {
  if (fate.fate != Fate::deferred) return fate;
  if (!queue::expired(received_at, max_lifetime, now)) return fate;
  fate.fate = Fate::bounced;
  fate.dsn = "5.4.7";
  fate.reply = "delivery time expired; last reason: " + fate.reply;
  return fate;
}

queue::RecipientResult to_queue_result(std::int64_t recipient_id, const RecipientFate& fate,
                                       int attempts, const queue::RetrySchedule& schedule,
                                       core::SysTime now, double random_unit) {
  queue::RecipientResult r;
  r.recipient_id = recipient_id;
  r.last_reply = fate.reply;
  switch (fate.fate) {
    case Fate::delivered: r.state = queue::RecipientState::delivered; break;
    case Fate::bounced: r.state = queue::RecipientState::bounced; break;
    case Fate::dry_run: r.state = queue::RecipientState::dry_run; break;
    case Fate::next_host:  // no host left to try: a deferral
    case Fate::deferred:
      r.state = queue::RecipientState::deferred;
      r.next_attempt_at =
          core::to_unix(queue::next_attempt(schedule, attempts + 1, now, random_unit));
      break;
  }
  return r;
}

}  // namespace stsrelay::delivery
