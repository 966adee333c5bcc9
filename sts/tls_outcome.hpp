// What happened to TLS on one SMTP connection, as MTA-STS judges it (RFC 8461 §4). The SMTP
// client's own TlsResult (src/net) is mapped to this plain struct by the delivery glue, so that
// sts/ stays free of OpenSSL and of the client's types.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "sts/result_type.hpp"

namespace stsrelay::sts {

struct TlsOutcome {
  bool offered_starttls = false;  // EHLO listed STARTTLS and it was accepted with 220
  bool handshake_ok = false;      // the TLS handshake completed
  bool chain_verified = false;    // PKIX chain to a trusted root (RFC 8461 §4.2)
  bool host_matched = false;      // a SAN names the MX host (RFC 8461 §4.2, RFC 6125)
  bool expired = false;           // the leaf (or a chain certificate) is past its notAfter
  // The chain reached a trusted root but failed otherwise (not yet valid, a bad signature, a
  // wrong purpose): RFC 8460 "validation-failure" rather than "certificate-not-trusted".
  bool other_chain_error = false;
  std::string openssl_reason;     // e.g. "certificate has expired", for logs and TLS-RPT
  // The leaf's subjectAltName dNSName entries: a route's `secure` floor matches them against
  // the next-hop domain (MTA-STS itself only needs host_matched).
  std::vector<std::string> dns_names;
};

// The RFC 8460 §4.3.1 result type of a failed negotiation, or nullopt when TLS is fully
// verified: net::failure_type() (src/net/tls_result.hpp) decides, the one classifier that
// `stsrelay check` uses as well; this only restates the outcome in its terms.
std::optional<ResultType> tls_failure_type(const TlsOutcome& outcome);

}  // namespace stsrelay::sts
