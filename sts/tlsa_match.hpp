// TLSA matching for SMTP (RFC 7672 §3, RFC 7671): given a host's TLSA RRset and the forms of the
// certificate chain its server presented, decide whether the server is authenticated, and name
// the record that did it for the log line ("3 1 1:match") or say why none did.
//
// - Usable records (RFC 7672 §3.1.3): certificate usage DANE-TA(2) or DANE-EE(3), selector
//   Cert(0) or SPKI(1), matching type Full(0), SHA2-256(1) or SHA2-512(2). PKIX-TA(0), PKIX-EE(1)
//   and values RFC 6698 does not define are unusable and never match.
// - DANE-EE(3) (§3.1.1): the leaf's certificate or public key matches; nothing else is checked,
//   not names, not expiry, not the rest of the chain.
// - DANE-TA(2) (§3.1.2, RFC 7671 §5.2): a certificate above the leaf in the presented chain
//   matches (servers must send the trust anchor, §3.1.2; the leaf is never its own anchor), and
//   then the chain from the leaf up to it verifies and the leaf names the host (§3.2.2): that
//   check needs OpenSSL and is injected (net::verify_dane_ta_chain in production).
// - Data of the wrong length for its matching type (a 31-octet SHA2-256) is a usable record that
//   never matches: it fails closed, so a typo in a signed zone defers mail instead of silently
//   turning the record set "unusable" (which would allow unauthenticated TLS, §2.2). Pinned by
//   tests/unit/sts/tlsa_match_test.cpp, "SHA2-256 data of 31 octets".
//
// What the outcome means for delivery (RFC 7672 §2.2, decided by the caller): `match`
// authenticated; `mismatch` the host must not be used (next MX, else defer 4.7.5); `all_unusable`
// TLS is still mandatory, only unauthenticated (§2.2; Postfix's "encrypt"): secure TLSA records
// remain a signed statement that the server does TLS. Pure: no I/O, no clock, no OpenSSL here.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "src/net/dane_verify.hpp"
#include "src/net/dns_types.hpp"
#include "src/net/tlsa_forms.hpp"

namespace stsrelay::sts {

// Certificate usages (RFC 6698 §2.1.1, names from RFC 7218).
inline constexpr std::uint8_t kPkixTa = 0;
inline constexpr std::uint8_t kPkixEe = 1;
inline constexpr std::uint8_t kDaneTa = 2;
inline constexpr std::uint8_t kDaneEe = 3;

// RFC 7672 §3.1.3 plus the selectors and matching types RFC 6698 §2.1.2/§2.1.3 define.
bool is_usable(const net::TlsaRecord& record);

// "3 1 1": the record's parameters as written in a zone file, without the data.
std::string parameters(const net::TlsaRecord& record);

enum class TlsaOutcome {
  match,         // a usable record authenticated the server
  mismatch,      // usable records exist, none authenticated the server
  all_unusable,  // the RRset holds no usable record (or none at all)
};
std::string_view to_string(TlsaOutcome outcome);

struct TlsaVerdict {
  TlsaOutcome outcome = TlsaOutcome::mismatch;
  std::optional<net::TlsaRecord> record;  // the record that matched (outcome == match)
  std::size_t depth = 0;                  // the certificate it matched: 0 the leaf, 1 its issuer...
  std::size_t usable = 0;                 // usable records in the RRset
  std::string reason;                     // why not, for mismatch

  // For the delivery log: "3 1 1:match", "all records unusable",
  // "mismatch: 2 1 1 matched certificate 1, but chain to the trust anchor does not verify: ...".
  std::string to_string() const;
};

// Checks the chain up to the certificate at `anchor_depth` (>= 1) and the leaf's names, once a
// DANE-TA record matched that certificate.
using DaneTaCheck = std::function<net::DaneTaVerdict(std::size_t anchor_depth)>;

// `chain`: the forms of the presented chain, leaf first (net::tlsa_forms_of_chain); empty when
// the server sent no certificate. `check_ta` runs at most once per anchor depth; records are
// tried DANE-EE first (no chain work), then DANE-TA, each in RRset order.
TlsaVerdict match_tlsa(std::span<const net::TlsaRecord> rrset,
                       std::span<const net::TlsaCertForms> chain, const DaneTaCheck& check_ta);

}  // namespace stsrelay::sts
