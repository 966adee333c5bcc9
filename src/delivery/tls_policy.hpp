// The one place that decides, per MX host and per TLS result, whether a session may carry mail:
// the seam where MTA-STS (RFC 8461 §5) plugs in. Without a policy this is opportunistic TLS
// (RFC 7435 §4.2, RFC 3207): STARTTLS when offered, and the message goes out whether or not the
// certificate verified and even without TLS. "Verified" is logged, "required" is decided here.
// Pure.
#pragma once

#include <string>
#include <string_view>

#include "smtp/client_outcome.hpp"

namespace stsrelay::delivery {

// Called by the SMTP client after the TLS stage, before MAIL FROM (ClientOptions::tls_gate).
// `domain` is the recipient domain, `mx_host` the MX name the session is for.
smtp::TlsVerdict judge_tls(std::string_view domain, std::string_view mx_host,
                           const smtp::TlsStage& tls);

// After a failed handshake, whether the same address may be tried again in plain text
// (RFC 7435 §4.2 lets opportunistic TLS fall back; an MTA-STS enforce policy will not).
bool plaintext_retry_allowed(std::string_view domain, std::string_view mx_host);

// The log line's tls= part of a session: version ("TLSv1.3", empty without TLS) and verdict
// ("verified", or "unverified:<reason>").
struct TlsLogFields {
  std::string version;
  std::string verdict;
  friend bool operator==(const TlsLogFields&, const TlsLogFields&) = default;
};
TlsLogFields tls_log_fields(const smtp::TlsStage& tls);

}  // namespace stsrelay::delivery
