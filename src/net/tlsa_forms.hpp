// The forms of a certificate that a TLSA record can name (RFC 6698 §2.1.2 selector, §2.1.3
// matching type): the DER certificate and its DER SubjectPublicKeyInfo, each in full and as its
// SHA2-256 and SHA2-512 digest. OpenSSL parses and hashes here, once per presented certificate,
// so that TLSA matching (sts/tlsa_match) stays pure: it compares bytes and nothing else.
//
// Not done here: deciding which records are usable or which certificate of a chain a record may
// match (sts/tlsa_match), chain and name checks (dane_verify).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "src/core/result.hpp"

// OpenSSL's connection type, declared rather than included: sts/tlsa_match.hpp includes this
// header, and OpenSSL's headers stay out of headers that much of the tree includes.
struct ssl_st;

namespace stsrelay::net {

using DerBytes = std::vector<std::uint8_t>;

struct TlsaCertForms {
  // data[selector][matching type]: selector 0 Cert, 1 SPKI (RFC 6698 §2.1.2); matching type
  // 0 Full, 1 SHA2-256, 2 SHA2-512 (RFC 6698 §2.1.3; names from RFC 7218).
  std::array<std::array<DerBytes, 3>, 2> data;

  // The bytes a record with this selector and matching type is compared with; null for values
  // RFC 6698 does not define (such records are unusable, RFC 6698 §4.1).
  const DerBytes* form(std::uint8_t selector, std::uint8_t matching_type) const;
};

// The forms of one DER certificate. Errors (ErrorKind::invalid): bytes that are not exactly one
// DER certificate, or a digest OpenSSL could not compute.
core::Result<TlsaCertForms> tlsa_forms(std::span<const std::uint8_t> cert_der);

// The forms of every certificate of a chain, in the same order (leaf first).
core::Result<std::vector<TlsaCertForms>> tlsa_forms_of_chain(std::span<const DerBytes> chain_der);

// The chain an established TLS client connection was presented, as DER, leaf first; empty when
// the peer sent no certificate. On a client, SSL_get_peer_cert_chain holds the leaf too.
std::vector<DerBytes> peer_chain_der(ssl_st* ssl);

}  // namespace stsrelay::net
