// One delivery session as TLS-RPT counts it (RFC 8460 §4.4): which policy applied to which
// policy domain, and whether TLS was negotiated as that policy requires or, if not, the result
// type and the details of the failure. The delivery agent makes one per session it opens (or
// abandons before connecting) and hands it to an OutcomeSink; the recorder aggregates the
// records into per-day counters in tlsrpt.db that the daily report is built from.
//
// Plain values only, so that the hot path pays for a few strings and nothing else.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "src/core/clock.hpp"
#include "sts/result_type.hpp"

namespace stsrelay::tlsrpt {

// RFC 8460 §4.4 "policy-type". `tlsa` is kept for DANE.
enum class PolicyType { sts, tlsa, no_policy_found };

struct SessionRecord {
  core::SysTime when{};        // the session's time; its UTC day is the report day
  std::string policy_domain;   // the recipient domain, normalised (A-labels, lower case)
  PolicyType policy_type = PolicyType::no_policy_found;
  std::vector<std::string> policy_string;  // the policy's lines (sts), empty otherwise
  std::vector<std::string> mx_host;        // the policy's mx patterns (sts), empty otherwise

  // nullopt: a successful session (TLS negotiated as the policy requires, or, without a
  // policy, the session went ahead). Set: a failure counted in total-failure-session-count.
  std::optional<sts::ResultType> result_type;
  std::string sending_mta_ip;         // our source address, when a connection was made
  std::string receiving_mx_hostname;  // the MX host name
  std::string receiving_mx_helo;      // the name in the server's greeting/EHLO, when known
  std::string receiving_ip;           // the MX address, when one was chosen
  std::string failure_reason_code;    // OpenSSL's (or the fetch's) reason, free text
  std::string additional_information; // a URI or text for the receiver, optional
};

// Where delivery sends its records. record() is called on delivery's threads and must be cheap
// and non-blocking (an in-memory append; the writing happens elsewhere).
class OutcomeSink {
 public:
  virtual ~OutcomeSink() = default;
  virtual void record(SessionRecord record) = 0;
};

}  // namespace stsrelay::tlsrpt
