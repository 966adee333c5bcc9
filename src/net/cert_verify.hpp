// Judges a TLS peer's certificate chain without aborting anything: PKIX path validation
// (RFC 5280) against a trust store, and the RFC 6125 DNS-ID check against the MX host name.
// Every chain error is recorded and validation continues, so one verdict says at once whether
// the chain is trusted, expired, self-signed, and whether the name matches; the caller (MTA-STS,
// or nobody for opportunistic TLS) decides what is required.
//
// The same function serves the live handshake (peer chain from the SSL object, store from its
// SSL_CTX) and the unit tests (an in-memory chain and store), so the tests exercise the code that
// runs in production.
#pragma once

#include <ctime>
#include <optional>
#include <string_view>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "src/net/tls_result.hpp"

namespace stsrelay::net {

// `leaf` may be null (no certificate was presented); `untrusted` holds the intermediates the
// peer sent (it may include the leaf, as SSL_get_peer_cert_chain does on a client) and may be
// null. `at` fixes the verification time (tests); nullopt means now.
//
// Name check: RFC 6125 §6.4.3 / RFC 8461 §4.2: only subjectAltName dNSName entries count (no
// fallback to the subject CN), a wildcard matches only as the whole left-most label
// ("*.example.test" matches "mx.example.test", never "a.mx.example.test", "example.test" or a
// partial label such as "m*.example.test"), and an IP address never matches a host name check.
// The host is compared case-insensitively and without a trailing dot.
CertVerdict judge_certificate(X509* leaf, STACK_OF(X509) * untrusted, X509_STORE* store,
                              std::string_view host, std::optional<std::time_t> at = {});

// The verdict for an established client connection: its peer chain against the trust store of
// the SSL_CTX it was made from.
CertVerdict judge_peer(SSL* ssl, std::string_view host);

// True when `host` is an IPv4 or IPv6 literal (optionally in brackets).
bool is_ip_literal(std::string_view host);

}  // namespace stsrelay::net
