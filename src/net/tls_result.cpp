#include "src/net/tls_result.hpp"

namespace stsrelay::net {

std::string_view to_string(TlsFailureType type) {
  switch (type) {
    case TlsFailureType::starttls_not_supported: return "starttls-not-supported";
    case TlsFailureType::certificate_host_mismatch: return "certificate-host-mismatch";
    case TlsFailureType::certificate_expired: return "certificate-expired";
    case TlsFailureType::certificate_not_trusted: return "certificate-not-trusted";
    case TlsFailureType::validation_failure: return "validation-failure";
  }
  return "validation-failure";
}

std::optional<TlsFailureType> failure_type(const TlsResult& result) {
  if (!result.handshake_ok) return TlsFailureType::validation_failure;
  const CertVerdict& c = result.cert;
  if (c.expired) return TlsFailureType::certificate_expired;
  if (c.untrusted || c.self_signed) return TlsFailureType::certificate_not_trusted;
  if (!c.chain_verified) return TlsFailureType::validation_failure;
  if (!c.host_matched) return TlsFailureType::certificate_host_mismatch;
  return std::nullopt;
}

std::optional<TlsFailureType> failure_type(const std::optional<TlsResult>& result) {
  if (!result) return TlsFailureType::starttls_not_supported;
  return failure_type(*result);
}

std::string describe(const TlsResult& result) {
  if (!result.handshake_ok) return "handshake failed (" + result.handshake_error + ")";
  std::string out = result.protocol + " " + result.cipher;
  if (result.verified()) return out + " verified";
  out += " unverified (";
  if (!result.cert.chain_verified) {
    out += result.cert.verify_error_string;
    if (!result.cert.host_matched) out += ", ";
  }
  if (!result.cert.host_matched) out += "name does not match " + result.host;
  return out + ")";
}

}  // namespace stsrelay::net
