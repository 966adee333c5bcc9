#include "src/delivery/tls_policy.hpp"

namespace stsrelay::delivery {

smtp::TlsVerdict judge_tls(std::string_view /*domain*/, std::string_view /*mx_host*/,
                           const smtp::TlsStage& /*tls*/) {
  // No policy source exists yet: RFC 8461 §5 without a policy means opportunistic delivery,
  // so every TLS outcome (none, unverified, verified) proceeds.
  return smtp::TlsVerdict{true, ""};
}

bool plaintext_retry_allowed(std::string_view /*domain*/, std::string_view /*mx_host*/) {
  return true;
}

TlsLogFields tls_log_fields(const smtp::TlsStage& tls) {
  TlsLogFields out;
  if (!tls.active()) return out;
  const net::TlsResult& r = *tls.result;
  out.version = r.protocol;
  if (r.verified()) {
    out.verdict = "verified";
  } else if (!r.cert.chain_verified) {
    out.verdict = "unverified:" + r.cert.verify_error_string;
  } else {
    out.verdict = "unverified:name does not match " + r.host;
  }
  return out;
}

}  // namespace stsrelay::delivery
