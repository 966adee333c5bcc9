// What a route's TLS floor and a message's REQUIRETLS (RFC 8689) demand of one session, beside
// what the recipient domain's MTA-STS policy demands (sts/enforcement.hpp). Pure.
//
// The requirements do not form one line (PKIX names the host, `secure` names the domain, an
// MTA-STS policy lists hosts), so each source is judged on its own and the verdicts combine by
// `stronger()`: a session goes on only when every source lets it. The combination is therefore
// never weaker than any one source. Two explicit local settings lower what a domain published:
// `sts.override` (enforcement.hpp) and a route to a next hop of its own (MTA-STS applies to MX
// delivery only, RFC 8461 §4.1); a route's floor `none` means plain text, so with it MTA-STS is
// not applied either (the administrator wrote it for that destination).
//
// Floors (Postfix's names):
//   none      plain text, STARTTLS is not even tried
//   may       STARTTLS when offered, any certificate; a failed handshake falls back to plain
//   encrypt   TLS required, any certificate
//   dane      DANE where usable TLSA records are DNSSEC-secure, else may (RFC 7672)
//   dane-only DANE required
//   verify    a chain to the trust store and a DNS-ID naming the next-hop host
//   secure    a chain to the trust store and a DNS-ID naming the next-hop domain or a subdomain
// A floor that is not met abandons the host with 4.7.4 (no TLS) or 4.7.5 (TLS not good enough);
// when every host was abandoned the recipients are deferred with a reply that names the floor,
// its source and what each host showed.
//
// REQUIRETLS (RFC 8689 §4.2.1): the next hop must be authenticated — an MX named by an MTA-STS
// policy in enforce or testing mode or by DNSSEC-secure MX records, or a
// configured next hop with floor verify or secure — and its certificate must verify for its
// name; it must offer REQUIRETLS in turn (checked by the SMTP client before MAIL FROM). Mail
// that cannot be sent so bounces with 5.7.30.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "src/delivery/route_table.hpp"
#include "sts/enforcement.hpp"
#include "sts/tls_outcome.hpp"

namespace stsrelay::delivery {

struct TlsDemand {
  TlsFloor floor = TlsFloor::may;
  std::string source = "default";  // "route[2]" or "default", for replies and the log line
  // `secure`: the domain a certificate must name (or a subdomain): the recipient domain for MX
  // delivery; empty for a configured next hop, whose own host name is then that domain (as
  // Postfix's "nexthop:dot-nexthop").
  std::string nexthop_domain;
  bool requiretls = false;         // the message was sent with REQUIRETLS
  // DANE applies to the host being tried (dane_host.hpp): `dane-only` is then met, and the DANE
  // verdict judges the session; without it `dane-only` abandons the host.
  bool dane_applies = false;
};

// Whether STARTTLS (or implicit TLS) is attempted at all: every floor but `none`, and always
// for REQUIRETLS.
bool attempts_tls(const TlsDemand& demand);
// Whether a failed handshake may be retried in plain text (RFC 7435 §4.2): only where plain
// text is acceptable (none, may, dane without usable TLSA) and the message is not REQUIRETLS.
bool allows_plain(const TlsDemand& demand);

// The floor's (and REQUIRETLS's) verdict on one session's TLS with `host`.
sts::Verdict judge_floor(const TlsDemand& demand, std::string_view host,
                         const sts::TlsOutcome& tls);

// A certificate DNS-ID (RFC 6125 §6.4: a name, or "*." and a name for exactly one more label)
// that names `domain` itself or a subdomain of it. Both in lower case, A-labels.
bool names_domain_or_subdomain(std::string_view dns_id, std::string_view domain);

// The stronger of two verdicts: abandon over report over proceed; the first wins a tie.
sts::Verdict stronger(const sts::Verdict& a, const sts::Verdict& b);

// Why a REQUIRETLS message cannot be sent on this route now (no hop could be authenticated), or
// nullopt. `via_mx`: delivery to the domain's MX hosts under `policy_level` (the MTA-STS
// decision; a policy in testing mode counts, RFC 8689 §4.2.1). Otherwise the floor decides.
// `policy_unknown`: the policy lookup failed (TXT lookup or fetch), so whether the domain has one
// is not known: temporary (4.7.30), where a domain known to have none bounces (5.7.30).
struct RequireTlsRefusal {
  bool permanent = true;
  std::string reason;
};
// `mx_secure`: the MX records were DNSSEC-secure, which authenticates the MX host names too.
std::optional<RequireTlsRefusal> requiretls_refusal(const TlsDemand& demand, bool via_mx,
                                                    sts::Level policy_level,
                                                    bool policy_unknown = false,
                                                    bool mx_secure = false);

// The host-by-host record of one job's floor verdicts and the reply when they left recipients
// undelivered: 451 4.7.x naming the floor ("route[2] requires tls=verify: relay.example:
// certificate not trusted"), or for REQUIRETLS mail 550 5.7.30.
class FloorAttempt {
 public:
  explicit FloorAttempt(TlsDemand demand) : demand_(std::move(demand)) {}
  const TlsDemand& demand() const { return demand_; }

  // The session's floor verdict; an abandoned host is noted for the reply.
  sts::Verdict session_done(std::string_view host, const sts::TlsOutcome& tls);
  // A host REQUIRETLS or `dane-only` cannot use, before connecting.
  void note_refused(std::string_view host, std::string reason);
  // Whether DANE applies to the host tried next (TlsDemand::dane_applies).
  void set_dane_applies(bool applies) { demand_.dane_applies = applies; }

  bool any_abandoned() const { return !abandoned_.empty(); }
  std::optional<sts::DeferReply> reply() const;
  // The log line's floor= value: "verify" or "verify/route[2]"; REQUIRETLS adds "+requiretls".
  std::string floor_field() const;

 private:
  TlsDemand demand_;
  std::vector<sts::HostVerdict> abandoned_;
};

}  // namespace stsrelay::delivery
