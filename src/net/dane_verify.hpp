// The OpenSSL half of DANE-TA(2) authentication (RFC 7672 §3.1.2, RFC 7671 §5.2): once a TLSA
// record has matched a certificate of the presented chain (sts/tlsa_match decides that), the
// chain from the leaf up to that certificate must verify with it as the only trust anchor, and
// the leaf must carry one of the reference identifiers of RFC 7672 §3.2.2.
//
// What it deliberately does not do: the system trust store plays no part (DANE-TA replaces it,
// RFC 7671 §5.2); DANE-EE(3) needs none of this (RFC 7672 §3.1.1: no names, no expiry).
#pragma once

#include <cstddef>
#include <ctime>
#include <span>
#include <string>

#include "src/net/tlsa_forms.hpp"

namespace stsrelay::net {

struct DaneTaVerdict {
  bool chain_verified = false;  // leaf .. anchor verifies as a path to that anchor (RFC 5280 §6)
  bool name_matched = false;    // the leaf names one of the reference identifiers
  std::string reason;           // what failed, in words for logs; empty when both hold

  bool ok() const { return chain_verified && name_matched; }
};

// `chain_der`: the presented chain, leaf first; `anchor_depth`: the index in it of the
// certificate a DANE-TA record matched, at least 1 (a trust anchor issues the leaf, directly or
// through the certificates between: RFC 7671 §5.2). `reference_names`: RFC 7672 §3.2.2 — the
// TLSA base domain and, when it differs, the MX host name (callers build the list; normalised
// or not, a trailing dot is ignored). `now` fixes the validation time.
//
// Path validation: the anchor is trusted as given, whether or not it is self-signed (RFC 7671
// §5.2: an intermediate may be the trust anchor, X509_V_FLAG_PARTIAL_CHAIN); the certificates
// below it must chain to it, be within their validity at `now`, and the leaf must be fit for a
// TLS server, as OpenSSL's own DANE-TA support checks in a handshake.
//
// Name check (RFC 7672 §3.2.3): subjectAltName dNSName entries; a wildcard only as the whole
// left-most label; the subject CN only when the certificate has no dNSName at all (RFC 6125
// §6.4.4, OpenSSL's default).
DaneTaVerdict verify_dane_ta_chain(std::span<const DerBytes> chain_der, std::size_t anchor_depth,
                                   std::span<const std::string> reference_names,
                                   std::time_t now);

}  // namespace stsrelay::net
