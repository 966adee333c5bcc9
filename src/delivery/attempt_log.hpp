// The delivery log line: one per recipient per attempt, on the "mail" logger. Mail
// administrators grep these lines every day, so the keys are stable and in a fixed order:
//
//   <queue id>: to=<rcpt> relay=<mx>[<ip>]:<port> delay=<s> tls=<version>/<verdict>
//       sts=<mode>/<policy id> dsn=<x.y.z> status=<sent|deferred|bounced|dry-run> (<reply>)
//
// written as key=value pairs (values quoted by core::log_value where they need it).
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
  std::string sts_mode;      // "enforce", "testing", "none", "off"; empty: no policy
  std::string sts_id;        // policy id, when a policy applied
  std::string mx_verdict;    // MTA-STS verdict for this MX, e.g. "listed", "not-listed"
  std::string dsn;           // enhanced status code, e.g. "2.0.0"
  std::string status;        // sent | deferred | bounced | dry-run
  std::string reply;         // remote reply or local reason
};

std::string format_attempt(const AttemptLogLine& line);

}  // namespace stsrelay::delivery
