// What to do with a delivery failure: try the next address or MX, defer, or bounce. All of the
// "failure -> action" policy lives here (as Postfix keeps it in smtp_trouble.c), as pure
// functions over plain values; the delivery agent only reports what happened.
//
// Policy, TLS and MTA-STS failures are always temporary: only the queue lifetime turns a
// deferral into a bounce, so an administrator can mend a broken set-up without losing mail.
#pragma once

#include <string>

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

// When all hosts were tried and the recipient is deferred, whether the queue lifetime has
// ended, which turns the deferral into a bounce with 5.4.7 ("delivery time expired") and the
// last reason kept as the diagnostic.
bool lifetime_exceeded(long long received_at_unix, long long max_lifetime_seconds,
                       long long now_unix);

}  // namespace stsrelay::delivery
