#include "src/delivery/trouble.hpp"

#include <optional>
#include <utility>

#include "smtp/reply.hpp"
#include "src/core/enum_names.hpp"

namespace stsrelay::delivery {

namespace {

constexpr core::EnumNameList<Stage::local> kStageNames{{
    "dns", "connect", "greeting", "ehlo", "tls", "policy", "mail", "rcpt", "data", "local",
}, "unknown"};
constexpr core::EnumNameList<Action::bounce> kActionNames{{"next-host", "defer", "bounce"},
                                                          "unknown"};
constexpr core::EnumNameList<Fate::dry_run> kStatusWords{
    {"sent", "next-host", "deferred", "bounced", "dry-run"}, "deferred"};

}  // namespace

std::string_view to_string(Stage stage) { return kStageNames.name(stage); }

std::string_view to_string(Action action) { return kActionNames.name(action); }

Action classify(const Failure& failure, bool last_host) {
  const bool permanent = failure.reply_code >= 500 && failure.reply_code < 600;
  switch (failure.stage) {
    case Stage::dns:
      // NXDOMAIN and null MX are permanent (RFC 7505 §3, RFC 5321 §5.1); everything else a
      // resolver can say is temporary. There is no other host to try.
      return permanent ? Action::bounce : Action::defer;
    case Stage::connect:
    case Stage::tls:
    case Stage::policy:
      // A host we cannot reach, or may not use under MTA-STS, says nothing about the mail:
      // RFC 5321 §5.1 asks to try the next address/MX; policy and TLS failures stay temporary
      // (RFC 8461 §5: defer, bounce only when the queue lifetime ends).
      return last_host ? Action::defer : Action::next_host;
    case Stage::greeting:
    case Stage::ehlo:
      // A 4xx or 5xx greeting is about this server, not this message (Postfix's
      // smtp_skip_5xx_greeting): next MX, and defer once none is left.
      return last_host ? Action::defer : Action::next_host;
    case Stage::mail:
    case Stage::rcpt:
    case Stage::data:
      // The server took the session and answered about this message: RFC 5321 §4.2.1, 5yz is
      // a permanent negative reply for it, 4yz a transient one. Other MX hosts of the domain
      // are expected to answer the same, so a 4yz is deferred rather than retried elsewhere.
      if (permanent) return Action::bounce;
      if (failure.reply_code == 0) return last_host ? Action::defer : Action::next_host;
      return Action::defer;
    case Stage::local:
      // RFC 8689 §4.2.1: a host that does not offer REQUIRETLS is skipped for the next MX; the
      // message bounces (5.7.30) only when no host is left.
      if (failure.dsn == "5.7.30") return last_host ? Action::bounce : Action::next_host;
      return permanent ? Action::bounce : Action::defer;
  }
  return Action::defer;
}

std::string status_code(const Failure& failure) {
  if (!failure.dsn.empty()) return failure.dsn;
  const bool permanent = failure.reply_code >= 500 && failure.reply_code < 600;
  const char cls = permanent ? '5' : '4';
  std::string detail;
  switch (failure.stage) {
    case Stage::dns: detail = permanent ? ".1.2" : ".4.3"; break;
    case Stage::connect: detail = ".4.1"; break;
    case Stage::greeting:
    case Stage::ehlo: detail = ".4.0"; break;
    case Stage::tls: detail = ".7.0"; break;
    case Stage::policy: detail = ".7.5"; break;
    case Stage::mail: detail = ".1.0"; break;
    case Stage::rcpt: detail = ".1.1"; break;
    case Stage::data: detail = ".0.0"; break;
    case Stage::local: detail = ".0.0"; break;
  }
  // A 5yz reply to RCPT without an enhanced code is "bad destination mailbox" (RFC 3463 X.1.1),
  // a 4yz one says only that the transaction failed for now (X.0.0).
  if (failure.stage == Stage::rcpt && !permanent) detail = ".0.0";
  return std::string(1, cls) + detail;
}

Stage stage_of(smtp::ClientPhase phase) {
  using P = smtp::ClientPhase;
  switch (phase) {
    case P::connect: return Stage::connect;
    case P::greeting: return Stage::greeting;
    case P::ehlo: return Stage::ehlo;
    case P::starttls:
    case P::tls: return Stage::tls;
    // AUTH at a configured next hop: the reply decides, as for a local refusal: 5xx (535 5.7.8
    // bad credentials) bounces with the server's reply, anything else (454 4.7.0, no TLS, no
    // mechanism in common) defers until the configuration or the server is mended. Another
    // host would be asked with the same credentials, so none is tried.
    case P::auth: return Stage::local;
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

namespace {

// A reply decides the failure; without one, `reason` says what happened instead.
Failure failure_from(smtp::ClientPhase phase, const std::optional<smtp::Reply>& reply,
                     std::string reason) {
  Failure f;
  f.stage = stage_of(phase);
  if (reply) {
    f.reply_code = reply->code;
    f.dsn = reply->enhanced;
    f.text = smtp::summary(*reply);
  } else {
    f.text = std::move(reason);
  }
  if (phase == smtp::ClientPhase::auth && f.dsn.empty()) {
    // RFC 3463 §3.8 X.7.0 "other or undefined security status" (RFC 4954 §6 uses 4.7.0 and
    // 5.7.x for AUTH), rather than local's X.0.0.
    f.dsn = f.reply_code / 100 == 5 ? "5.7.0" : "4.7.0";
  }
  return f;
}

}  // namespace

Failure failure_of(const smtp::StepFailure& step) {
  return failure_from(step.phase, step.reply, step.reply ? std::string() : step.describe());
}

Failure failure_of(const smtp::RecipientResult& result) {
  return failure_from(result.phase, result.reply,
                      std::string(smtp::to_string(result.phase)) + ": " + result.reason);
}

std::string_view status_word(Fate fate) { return kStatusWords.name(fate); }

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

RecipientFate open_fate(const smtp::StepFailure& failure, bool connected, std::string_view host,
                        std::string_view ip, std::uint16_t port, bool last_host) {
  RecipientFate fate = fate_of(failure_of(failure), last_host);
  if (!connected) {
    fate.reply = std::string(host) + "[" + std::string(ip) + "]:" + std::to_string(port) + ": " +
                 fate.reply;
  }
  return fate;
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
