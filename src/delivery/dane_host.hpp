// DANE for one MX host (RFC 7672): whether it applies, from the DNSSEC facts of the MX RRset, the
// host's address records and its TLSA lookup, and what a session with the host must then show.
// Pure: the lookups and the TLSA match (sts/tlsa_match.hpp) come in as values.
//
// Applicability (RFC 7672 §2.2):
//   - the MX RRset (or the secure denial that makes the domain its own MX) and both address
//     lookups of the host are DNSSEC-secure, and the TLSA RRset at _25._tcp.<host> is secure;
//   - an insecure MX RRset, insecure addresses or an insecure TLSA answer: DANE does not apply
//     (MTA-STS or opportunistic TLS as before);
//   - a secure denial of TLSA records: DANE does not apply to this host;
//   - a TLSA lookup that failed (SERVFAIL: bogus, or no answer) where the host's zone is signed:
//     the host is not used now (§2.1.1: never treated as "no TLSA", which would downgrade);
//   - secure records of which none is usable: TLS is still required, unauthenticated (§2.2);
//   - secure usable records: TLS is required and must match one of them (§3), or the host is
//     abandoned for the next MX, and the recipients deferred with 4.7.5 once none is left.
// With `dane.enforcement = "testing"` every verdict proceeds and what enforcement would have
// done is logged ("would-defer").
//
// With MTA-STS (RFC 8461 §2): a failing DANE check is never overridden. A host that DANE
// authenticated counts as authenticated for an MTA-STS enforce policy (whose `mx` patterns
// still decide which hosts may be tried) and for a route's verify/secure floor: DANE is the
// domain's own, DNSSEC-signed statement of which certificate its host presents, stronger than
// the WebPKI check it replaces, and RFC 7672 §3.1.1 says names and expiry do not count for
// DANE-EE. The session's TLS outcome is therefore marked authenticated (authenticated()) before
// the policy and the floor judge it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "src/net/dns_types.hpp"
#include "sts/enforcement.hpp"
#include "sts/tls_outcome.hpp"
#include "sts/tlsa_match.hpp"

namespace stsrelay::delivery {

enum class DaneState {
  off,        // dane.enforcement off for the domain, or not MX delivery
  insecure,   // MX, addresses or TLSA not DNSSEC-secure: DANE does not apply
  no_tlsa,    // a secure denial: the host publishes no TLSA records
  bogus,      // the TLSA lookup failed in a signed zone: the host is not used now
  unusable,   // secure records, none usable: TLS required, not authenticated
  usable,     // secure usable records: TLS required and must match
};

struct DaneHost {
  DaneState state = DaneState::off;
  bool testing = false;                 // dane.enforcement = "testing": report only
  std::vector<net::TlsaRecord> records;  // the secure RRset as published
  std::string reason;                   // bogus: what the lookup said
  // The TLSA base domain (RFC 7672 §2.2.2): the host, or the name its CNAMEs lead to when the
  // records were found there. SNI and, with the host, the DANE-TA reference identifiers.
  std::string base_domain;
  // The value for the log line's dane= field before the session: "insecure", "bogus",
  // "secure:none", "secure:unusable", "secure"; the session adds the match (dane_field()).
  std::string state_field() const;
  bool applies() const { return state == DaneState::unusable || state == DaneState::usable; }
};

// `tlsa` is the lookup of _25._tcp.<host>, when it was made (only with a secure MX RRset and
// secure addresses); nullopt otherwise.
DaneHost dane_for_host(bool enabled, bool testing, bool mx_secure, bool addresses_secure,
                       const std::optional<net::DnsResult<net::TlsaRecord>>& tlsa);

// RFC 7672 §2.2.2: for a host whose addresses came through CNAMEs, TLSA records are asked for
// at the expanded name first; only a secure denial there (no TLSA, DNSSEC-proven) sends the
// lookup on to the initial name. A failed or insecure answer at the expanded name stands as it
// is: looking elsewhere after a failure would be the downgrade §2.1.1 forbids.
bool tlsa_try_initial_name(const net::DnsResult<net::TlsaRecord>& at_expanded);

// The names a DANE-TA certificate may carry (RFC 7672 §3.2.2): the TLSA base domain and, when
// it differs, the MX host name (or configured next hop) as first looked up.
std::vector<std::string> dane_reference_names(const DaneHost& dane, const std::string& host);

// Before connecting: a bogus TLSA lookup abandons the host (4.7.5), except in testing.
sts::Verdict dane_before_connect(const DaneHost& host);

// After TLS: `match` is the TLSA verdict on the presented chain (nullopt without a handshake).
sts::Verdict judge_dane(const DaneHost& host, const sts::TlsOutcome& tls,
                        const std::optional<sts::TlsaVerdict>& match);

// The session's outcome as the policy and the floor see it once DANE authenticated the host:
// a trusted chain that names the host.
sts::TlsOutcome authenticated(sts::TlsOutcome tls, const std::string& host);

// The RFC 8460 §4.3 result of a session under the host's TLSA policy: nullopt when it succeeded;
// tlsa-invalid when no usable record matched; starttls-not-supported or validation-failure when
// TLS did not come up; dnssec-invalid for a bogus lookup (no session).
std::optional<sts::ResultType> tlsa_result(const DaneHost& host, const sts::TlsOutcome& tls,
                                           const std::optional<sts::TlsaVerdict>& match);

// The TLSA RRset as the report's policy-string: "3 1 1 <hex data>" per record.
std::vector<std::string> tlsa_policy_strings(const DaneHost& host);

// What a pooled session's DANE verdict rests on, for the pool key: the state, the mode, the TLSA
// base domain and the records. A session that passed DANE for one job passes it for another job
// with the same tag (the same records judged the same chain); "" where DANE does not apply.
std::string dane_pool_tag(const DaneHost& host);

// "secure:3 1 1:match", "secure:mismatch: ...", "insecure", "bogus", ...
std::string dane_field(const DaneHost& host, const std::optional<sts::TlsaVerdict>& match);

}  // namespace stsrelay::delivery
