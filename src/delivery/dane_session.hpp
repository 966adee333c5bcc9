// DANE (dane_host.hpp) applied to one SMTP session: the TLSA match on the chain the server
// presented, DANE's verdict, and the TLS outcome that MTA-STS and the route's floor then judge;
// the TLS-RPT record of the session under the host's `tlsa` policy (RFC 8460 §4.4); the reply
// when DANE left no host. The glue between the SMTP client's TLS stage and the pure DANE rules.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "smtp/client_outcome.hpp"
#include "src/core/clock.hpp"
#include "src/delivery/dane_host.hpp"
#include "src/delivery/sts_attempt.hpp"
#include "sts/enforcement.hpp"
#include "tlsrpt/session_record.hpp"

namespace stsrelay::delivery {

struct DaneSession {
  sts::Verdict verdict;
  std::optional<sts::TlsaVerdict> match;  // when usable records met a completed handshake
  sts::TlsOutcome outcome;                // authenticated() when DANE matched
};

// `host` is the MX host name (or the configured next hop); the TLSA base domain is
// dane.base_domain (RFC 7672 §2.2.2), and both are DANE-TA reference identifiers (§3.2.2).
DaneSession check_dane(const DaneHost& dane, const smtp::TlsStage& stage,
                       const std::string& host);

// The session's record under the host's TLSA policy, with the TLSA RRset as the policy-string;
// `facts` is null for a host that was not connected to (a bogus lookup: dnssec-invalid).
tlsrpt::SessionRecord dane_session_record(const DaneHost& dane, const std::string& domain,
                                          const std::string& host,
                                          std::optional<sts::ResultType> result,
                                          const SessionFacts* facts, const std::string& reason,
                                          core::SysTime now);

// The record of an MX host a dane-only route floor refused because it has no DNSSEC-secure
// TLSA records (RFC 8460 §4.3: dane-required), under no policy (there is no tlsa policy to name).
tlsrpt::SessionRecord dane_required_record(const std::string& domain, const std::string& host,
                                           core::SysTime now);

// The reply when every host was abandoned because of its DANE verdict: 451 4.7.5, host by host.
sts::DeferReply dane_defer_reply(const std::vector<sts::HostVerdict>& hosts);

}  // namespace stsrelay::delivery
