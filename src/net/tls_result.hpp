// What the SMTP client learned from one STARTTLS handshake, as a plain value that the caller
// judges: "verified" and "required" are separate questions (without an MTA-STS policy an
// unverified certificate still gets the message, RFC 8461 §5 / RFC 7435 opportunistic TLS).
//
// `failure_type()` maps a result to the RFC 8460 §4.3.1 negotiation result types, so that the
// MTA-STS decision and the TLS-RPT recorder share one reading of a session. This header is pure
// (no OpenSSL): cert_verify.hpp fills the certificate part, tls_client_session glue the rest.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace stsrelay::net {

// The certificate judgement of one peer chain against a trust store and the MX host name.
struct CertVerdict {
  bool chain_verified = false;   // PKIX path to a trusted root, no error anywhere in the chain
  int verify_error = 0;          // the first OpenSSL X509_V_ERR_* seen, 0 when none
  std::string verify_error_string;  // X509_verify_cert_error_string of it ("ok" when none)
  bool host_matched = false;     // a DNS-ID names the host (RFC 6125 §6.4, no CN fallback)
  bool expired = false;          // some certificate of the chain is past its notAfter
  bool not_yet_valid = false;    // some certificate of the chain is before its notBefore
  bool self_signed = false;      // the leaf signs itself (and is not a trusted anchor)
  bool untrusted = false;        // the chain does not end in a trusted root
  std::string subject;           // leaf subject, one line (RFC 2253), for logs
  std::vector<std::string> dns_names;  // leaf subjectAltName dNSName entries
  std::string not_after;         // leaf notAfter, "2026-11-28T13:50:59Z"

  bool verified() const { return chain_verified && host_matched; }
};

struct TlsResult {
  std::string host;              // the MX host name used for SNI and the name check
  bool handshake_ok = false;
  std::string handshake_error;   // OpenSSL's reason when the handshake failed
  std::string protocol;          // "TLSv1.3"
  std::string cipher;            // "TLS_AES_256_GCM_SHA384"
  CertVerdict cert;              // meaningful when handshake_ok
  // The presented chain as DER, leaf first, kept only when the caller asked for it (DANE
  // matches TLSA records against it, RFC 7672 §3).
  std::vector<std::vector<std::uint8_t>> chain_der;

  bool verified() const { return handshake_ok && cert.verified(); }
};

// RFC 8460 §4.3.1 negotiation failure result types.
enum class TlsFailureType {
  starttls_not_supported,
  certificate_host_mismatch,
  certificate_expired,
  certificate_not_trusted,
  validation_failure,
};
std::string_view to_string(TlsFailureType type);  // the RFC token, "certificate-expired"

// The result type of a handshake that happened, or nullopt when it verified. Order (the first
// that applies): the handshake failed → validation-failure; a certificate is expired →
// certificate-expired (more specific than "not trusted", and OpenSSL may report either first);
// the chain does not reach a trusted root (including self-signed) → certificate-not-trusted; any
// other chain error (not yet valid, bad signature, wrong purpose) → validation-failure; no
// DNS-ID names the host → certificate-host-mismatch.
std::optional<TlsFailureType> failure_type(const TlsResult& result);

// The same for a whole STARTTLS stage: no handshake (STARTTLS absent or refused, e.g. 454) is
// starttls-not-supported.
std::optional<TlsFailureType> failure_type(const std::optional<TlsResult>& result);

// "TLSv1.3 TLS_AES_256_GCM_SHA384 verified" / "... unverified (certificate has expired)" /
// "handshake failed (...)": for the one log line per attempt.
std::string describe(const TlsResult& result);

}  // namespace stsrelay::net
