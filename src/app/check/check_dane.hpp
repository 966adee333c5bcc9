// The DANE part of `stsrelay check DOMAIN` (RFC 7672), judged with delivery's own rules so that
// check and delivery cannot drift: dane_for_host decides whether DANE applies to an MX host and
// check_dane (delivery/dane_session.hpp) matches the chain the host presents, exactly as an
// attempt does; this file only turns their verdicts into report lines. Pure: the runner brings
// the validation probe, the lookups, the probe session and the digests of its chain.
//
// Lines: "dnssec" (do the resolvers validate? if not, the DANE part could not run: exit 2),
// then per MX host "dane <host>": its TLSA records and their DNSSEC status, whether they match
// the certificate presented now (with the presented chain's 3 1 1 and 2 1 1 digests), unusable
// records, TLSA in an insecure zone (no effect), a bogus lookup (a DANE relay defers), and where
// MTA-STS and DANE meet (a host the MTA-STS policy does not list, even though DANE covers it).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "smtp/client_outcome.hpp"
#include "src/app/check/check_report.hpp"
#include "src/delivery/dane_host.hpp"
#include "src/delivery/dane_session.hpp"
#include "src/net/dns_types.hpp"
#include "src/net/dnssec_probe.hpp"
#include "src/net/tlsa_forms.hpp"
#include "sts/policy.hpp"

namespace stsrelay::app {

// The "dnssec" line, and why the DANE part cannot run (empty when it can: the resolvers
// validate). Resolvers that do not validate, or a probe without an answer, leave nothing to
// conclude about DANE: "could not run", never "pass".
struct DnssecFinding {
  CheckLine line;
  std::string not_run;
};
DnssecFinding judge_dnssec(const net::ValidationProbe& probe);

// What delivery would make of the host: the TLSA lookup counts only under a secure MX RRset and
// secure addresses (RFC 7672 §2.2), as in deliver_job. `base_domain`: where the records were
// asked for (the CNAME-expanded host or the host, §2.2.2).
delivery::DaneHost dane_host_for_check(bool mx_secure, bool addresses_secure,
                                       const std::optional<net::DnsResult<net::TlsaRecord>>& tlsa,
                                       const std::string& base_domain);

// The digests a TLSA record would need to match the presented chain: "3 1 1 <hex>" of the leaf
// and "2 1 1 <hex>" of each certificate above it (leaf first, as presented).
std::vector<std::string> presented_digests(const std::vector<net::TlsaCertForms>& chain);

struct DaneFacts {
  bool mx_secure = false;
  bool addresses_secure = false;
  // The TLSA lookup of _25._tcp.<base_domain>; the check asks even where DANE does not apply,
  // to say that records in an insecure zone have no effect. nullopt: not asked.
  std::optional<net::DnsResult<net::TlsaRecord>> tlsa;
  std::string base_domain;  // the TLSA base domain (RFC 7672 §2.2.2); empty: the host
  // check_dane's verdict on the probe session; nullopt when no session reached STARTTLS.
  std::optional<delivery::DaneSession> session;
  std::string no_session;               // why there was none (the tls line says more)
  std::vector<std::string> digests;     // presented_digests of the session's chain
  const sts::Policy* policy = nullptr;  // the domain's MTA-STS policy, when it has one
};

// The "dane <host>" line. Fail: a bogus lookup, usable records that the presented certificate
// does not match, TLS missing where TLSA requires it. Warn: TLSA records without effect
// (insecure zone) or all unusable, a host DANE covers that an MTA-STS enforce policy does not
// list. Pass: DANE matched, or does not apply.
CheckLine judge_mx_dane(std::string_view host, const DaneFacts& facts);

// The "tls <host>" line once DANE authenticated the host: a certificate the WebPKI does not
// accept is no failure for a relay that applies DANE (RFC 7672 §3.1.1; the relay counts such a
// host as authenticated for MTA-STS too). Other lines come back unchanged.
CheckLine with_dane(CheckLine tls_line, const std::optional<delivery::DaneSession>& session);

}  // namespace stsrelay::app
