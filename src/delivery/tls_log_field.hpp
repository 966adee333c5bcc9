// The delivery log line's tls= field of a session (attempt_log.hpp): the TLS version and
// whether the certificate verified. Only what TLS showed is formatted here; whether it was
// required is decided by the MTA-STS policy (sts_attempt.hpp). Pure.
#pragma once

#include <string>

#include "smtp/client_outcome.hpp"

namespace stsrelay::delivery {

// The log line's tls= part of a session: version ("TLSv1.3", empty without TLS) and verdict
// ("verified", or "unverified:<reason>").
struct TlsLogFields {
  std::string version;
  std::string verdict;
  friend bool operator==(const TlsLogFields&, const TlsLogFields&) = default;
};
TlsLogFields tls_log_fields(const smtp::TlsStage& tls);

}  // namespace stsrelay::delivery
