// The delivery log line: one per recipient per attempt, on the "mail" logger. Mail
// administrators grep these lines every day, so the keys are stable and in a fixed order:
//
//   01HQZ3K9ABCD: to=<user@example.com> relay=mx1.example.com[192.0.2.10]:25 delay=1.23
//       tls=TLSv1.3/verified floor=may sts=enforce/20240101 mx=mx1.example.com:ok dsn=2.0.0
//       status=sent reply="250 2.0.0 Ok: queued as 4F1"
//
// that is the queue id, then key=value pairs on one line in this order, values quoted by
// core::log_value where they need it; status= is sent, deferred, bounced or dry-run.
// relay=none without a connection (then no ip, port or tls=); tls=none for a connection without
// TLS; sts= only when a policy applied, mx= only for a domain with a policy; empty fields are
// left out.
#pragma once

#include <string>

#include "src/core/log_quote.hpp"

namespace stsrelay::delivery {

struct AttemptLogLine {
  std::string queue_id;
  std::string recipient;
  std::string relay_host;   // MX host name; "none" when no connection was made
  std::string relay_ip;     // empty when no connection was made
  int relay_port = 25;
  double delay_seconds = 0;  // since the message was received
  std::string tls_version;   // "TLSv1.3"; empty: no TLS
  std::string tls_verdict;   // "verified", "unverified:<reason>", or empty
  // The TLS floor that applied and where it came from (FloorAttempt::floor_field()), e.g.
  // "may", "verify/route[2]", "may+requiretls"; printed after tls=.
  std::string floor;
  std::string sts_mode;      // "enforce", "testing", "none"; empty: no policy applied
  std::string sts_id;        // policy id, when a policy applied
  // MTA-STS verdict per MX host tried (StsAttempt::mx_field()), e.g.
  // "mx1.example.com:ok,mx2.example.com:abandoned:not-listed"
  std::string mx_verdict;
  // DANE verdict per MX host tried (RFC 7672), e.g. "mx1.example.com:secure:3 1 1:match",
  // "mx.example.net:insecure", "mx.example.org:bogus"; empty when DANE is off.
  std::string dane;
  std::string dsn;           // enhanced status code, e.g. "2.0.0"
  std::string status;        // sent | deferred | bounced | dry-run
  std::string reply;         // remote reply or local reason
};

std::string format_attempt(const AttemptLogLine& line);

}  // namespace stsrelay::delivery
