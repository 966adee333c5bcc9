#include "src/delivery/trouble.hpp"

namespace stsrelay::delivery {

std::string_view to_string(Stage stage) {
  switch (stage) {
    case Stage::dns: return "dns";
    case Stage::connect: return "connect";
    case Stage::greeting: return "greeting";
    case Stage::ehlo: return "ehlo";
    case Stage::tls: return "tls";
    case Stage::policy: return "policy";
    case Stage::mail: return "mail";
    case Stage::rcpt: return "rcpt";
    case Stage::data: return "data";
    case Stage::local: return "local";
  }
  return "unknown";
}

std::string_view to_string(Action action) {
  switch (action) {
    case Action::next_host: return "next-host";
    case Action::defer: return "defer";
    case Action::bounce: return "bounce";
  }
  return "unknown";
}

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

bool lifetime_exceeded(long long received_at_unix, long long max_lifetime_seconds,
                       long long now_unix) {
  return now_unix - received_at_unix >= max_lifetime_seconds;
}

}  // namespace stsrelay::delivery
