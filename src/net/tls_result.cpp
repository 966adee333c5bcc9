#include "src/net/tls_result.hpp"

#include "src/core/enum_names.hpp"

namespace stsrelay::net {

namespace {
constexpr core::EnumNameList<TlsFailureType::validation_failure> kFailureTypeNames{{
    "starttls-not-supported", "certificate-host-mismatch", "certificate-expired",
    "certificate-not-trusted", "validation-failure",
}, "validation-failure"};
}  // namespace

std::string_view to_string(TlsFailureType type) { return kFailureTypeNames.name(type); }

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
