// What one outbound SMTP session reports: every step that failed with its phase and the
// server's reply (or the local reason when there was no reply: timeout, closed connection,
// protocol error), the TLS stage as a value, and one result per recipient. The delivery engine
// maps these to delivered / deferred / bounced (src/delivery/trouble.hpp) and logs them; nothing
// here decides what a failure means for the queue.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "smtp/client_capabilities.hpp"
#include "smtp/reply.hpp"
#include "src/net/tls_result.hpp"

namespace stsrelay::smtp {

enum class ClientPhase {
  connect,   // TCP connect
  greeting,  // the server's 220
  ehlo,      // EHLO, or HELO after a refused EHLO
  starttls,  // the STARTTLS command and its reply
  tls,       // the TLS handshake (after STARTTLS, or implicit TLS), or the caller's verdict
  auth,      // SMTP AUTH at the next hop (RFC 4954), or its local refusal without TLS
  rset,      // RSET before a further transaction on a reused connection
  mail,      // MAIL FROM
  rcpt,      // RCPT TO
  data,      // DATA (the 354)
  message,   // the content and the reply after the final "."
  quit,      // QUIT
  local,     // refused before sending: SIZE, SMTPUTF8, 8BITMIME (client_envelope.hpp)
};
std::string_view to_string(ClientPhase phase);

struct StepFailure {
  ClientPhase phase = ClientPhase::connect;
  std::optional<Reply> reply;  // the server's (or the local refusal's) reply, if any
  std::string reason;          // when there was no reply: what went wrong, with context
  bool timed_out = false;

  // 5xx replies are permanent; everything else (4xx, I/O, timeouts, TLS) is temporary.
  bool permanent() const { return reply && reply->code / 100 == 5; }
  // "rcpt: 450 4.2.0 mailbox busy" or "greeting: timed out after 300s".
  std::string describe() const;
};

// The STARTTLS stage as the caller (MTA-STS, TLS-RPT, the log line) sees it.
struct TlsStage {
  bool offered = false;                  // the EHLO reply listed STARTTLS, or implicit TLS
  std::optional<Reply> starttls_reply;   // the reply to STARTTLS, when it was sent
  std::optional<net::TlsResult> result;  // when a handshake was attempted

  bool active() const { return result && result->handshake_ok; }
  // RFC 8460 §4.3.1: nullopt when TLS is up and verified; starttls-not-supported when there
  // was no handshake (not offered, not attempted, or refused, e.g. 454).
  std::optional<net::TlsFailureType> failure_type() const { return net::failure_type(result); }
};

// The caller's verdict after the TLS stage, before MAIL FROM ("abandon before MAIL FROM",
// RFC 8461 §5). Called on every session that reached that point, with or without TLS.
struct TlsVerdict {
  bool proceed = true;
  std::string reason;  // why the host is abandoned, for the outcome and the log
};

struct OpenOutcome {
  std::optional<StepFailure> failure;  // nothing: ready for transactions
  std::optional<Reply> greeting;
  std::string local_address;           // our end of the connection ("192.0.2.1"), once connected
  Capabilities capabilities;           // after STARTTLS, the second EHLO's
  bool helo_fallback = false;          // EHLO was refused and HELO accepted
  TlsStage tls;
  bool abandoned = false;              // the TLS verdict said no: QUIT before MAIL FROM
  std::string auth_mechanism;          // "PLAIN" or "LOGIN" once AUTH succeeded; empty without

  bool ok() const { return !failure; }
};

struct RecipientResult {
  std::string address;
  ClientPhase phase = ClientPhase::rcpt;  // where this recipient's fate was decided
  std::optional<Reply> reply;             // the reply that decided it
  std::string reason;                     // when no reply decided it (I/O failure)

  bool delivered() const {
    return phase == ClientPhase::message && reply && reply->code / 100 == 2;
  }
};

struct TransactionOutcome {
  std::vector<RecipientResult> recipients;  // in envelope order
  std::optional<StepFailure> failure;       // what ended the transaction early, if anything
  std::optional<Reply> mail_reply;
  std::optional<Reply> data_reply;
  std::optional<Reply> final_reply;
  bool pipelined = false;
};

}  // namespace stsrelay::smtp
