#include "src/app/check/check_dane.hpp"

#include <utility>

#include "src/app/check/check_text.hpp"
#include "sts/mx_match.hpp"
#include "sts/tlsa_match.hpp"

namespace stsrelay::app {
namespace {

using Status = CheckStatus;

// "3 1 1 <hex>, 2 0 1 <hex>": the RRset as published, in delivery's report form.
std::string records_text(const std::vector<net::TlsaRecord>& records) {
  delivery::DaneHost published;
  published.records = records;
  return join(delivery::tlsa_policy_strings(published), ", ");
}

// Which of the three lookups RFC 7672 §2.2 needs secure was not.
std::string insecure_part(const DaneFacts& f) {
  if (!f.mx_secure) return "the MX records are not DNSSEC-signed (insecure)";
  if (!f.addresses_secure) return "the host's addresses are not DNSSEC-signed (insecure)";
  return "the TLSA records are not DNSSEC-signed (insecure zone)";
}

std::string presented(const DaneFacts& f) {
  if (f.digests.empty()) return "";
  return "; presented: " + join(f.digests, ", ");
}

// An MTA-STS enforce policy still decides which MX hosts may be tried (RFC 8461 §4.1): DANE
// authenticates a host, it does not add one.
void note_policy(CheckLine& line, std::string_view host, const DaneFacts& f) {
  if (f.policy == nullptr || f.policy->mode != sts::Mode::enforce) return;
  if (sts::mx_matches_any(host, f.policy->mx)) return;
  line.evidence += "; the MTA-STS policy (enforce) does not list " + std::string(host) +
                   ", so a relay that applies both never uses it, DANE or not";
  if (line.status == Status::pass) line.status = Status::warn;
}

}  // namespace

DnssecFinding judge_dnssec(const net::ValidationProbe& probe) {
  DnssecFinding f;
  f.line.check = "dnssec";
  switch (probe.state) {
    case net::Validation::validating:
      f.line.evidence = "the resolvers validate DNSSEC: " + probe.reason;
      return f;
    case net::Validation::not_validating:
      f.line.status = Status::warn;
      f.line.evidence = "the resolvers do not validate DNSSEC: " + probe.reason +
                        "; the relay treats every answer as insecure, so DANE never applies";
      f.not_run = "the DANE checks could not run: the resolvers in delivery.dns_servers do not "
                  "validate DNSSEC (point them at a validating resolver, [dane] "
                  "validation_probe names the test)";
      return f;
    case net::Validation::unknown:
      break;
  }
  f.line.status = Status::warn;
  f.line.evidence = probe.reason;
  f.not_run = "the DANE checks could not run: " + probe.reason;
  return f;
}

delivery::DaneHost dane_host_for_check(bool mx_secure, bool addresses_secure,
                                       const std::optional<net::DnsResult<net::TlsaRecord>>& tlsa,
                                       const std::string& base_domain) {
  const bool asked = mx_secure && addresses_secure;
  delivery::DaneHost dane = delivery::dane_for_host(true, false, mx_secure, addresses_secure,
                                                    asked ? tlsa : std::nullopt);
  dane.base_domain = base_domain;
  return dane;
}

std::vector<std::string> presented_digests(const std::vector<net::TlsaCertForms>& chain) {
  // DANE-EE SPKI SHA2-256 of the leaf, DANE-TA SPKI SHA2-256 of every certificate above it:
  // the forms RFC 7671 §5.1 and §5.2 recommend publishing.
  delivery::DaneHost digests;
  for (std::size_t i = 0; i < chain.size(); ++i) {
    const std::uint8_t usage = i == 0 ? sts::kDaneEe : sts::kDaneTa;
    if (const net::DerBytes* d = chain[i].form(1, 1)) {
      digests.records.push_back(net::TlsaRecord{usage, 1, 1, *d});
    }
  }
  std::vector<std::string> out = delivery::tlsa_policy_strings(digests);
  for (std::size_t i = 1; i < out.size(); ++i) out[i] += " (certificate " + std::to_string(i) + ")";
  return out;
}

CheckLine judge_mx_dane(std::string_view host, const DaneFacts& f) {
  CheckLine line{"dane " + std::string(host), Status::pass, {}};
  const std::string base = f.base_domain.empty() ? std::string(host) : f.base_domain;
  const delivery::DaneHost dane =
      dane_host_for_check(f.mx_secure, f.addresses_secure, f.tlsa, base);
  const std::string tlsa_name = "_25._tcp." + base;
  switch (dane.state) {
    case delivery::DaneState::off:
    case delivery::DaneState::insecure:
      if (f.tlsa && f.tlsa->ok()) {
        line.status = Status::warn;
        line.evidence = "TLSA " + records_text(f.tlsa->records) + " published at " + tlsa_name +
                        ", but " + insecure_part(f) +
                        ": the records have no effect (RFC 7672 §2.2)";
      } else {
        line.evidence = "DANE does not apply: " + insecure_part(f);
      }
      return line;
    case delivery::DaneState::no_tlsa:
      line.evidence = "no TLSA records at " + tlsa_name + " (secure denial): DANE does not apply";
      return line;
    case delivery::DaneState::bogus:
      line.status = Status::fail;
      line.evidence = "the TLSA lookup at " + tlsa_name + " failed in a signed zone (" +
                      dane.reason + "): a DANE relay does not use the host and defers the mail "
                      "(RFC 7672 §2.1.1, bogus or unreachable)";
      return line;
    case delivery::DaneState::unusable:
    case delivery::DaneState::usable:
      break;
  }
  const std::string published =
      "TLSA " + records_text(dane.records) + " at " + tlsa_name + " (DNSSEC-secure)";
  if (!f.session) {
    line.status = Status::warn;
    line.evidence = published + "; not matched: " +
                    (f.no_session.empty() ? std::string("no TLS session") : f.no_session);
    return line;
  }
  const delivery::DaneSession& s = *f.session;
  if (s.verdict.action != sts::Action::proceed) {
    line.status = Status::fail;
    line.evidence = published + ": " + s.verdict.reason + presented(f);
    return line;
  }
  if (dane.state == delivery::DaneState::unusable) {
    line.status = Status::warn;
    line.evidence = published + ": none is usable for SMTP (RFC 7672 §3.1.3: only DANE-TA(2) "
                    "and DANE-EE(3)), so TLS is required but not authenticated" + presented(f);
    return line;
  }
  line.evidence = published + ": " + (s.match ? s.match->to_string() : std::string("match")) +
                  presented(f);
  note_policy(line, host, f);
  return line;
}

CheckLine with_dane(CheckLine tls_line, const std::optional<delivery::DaneSession>& session) {
  if (tls_line.status != Status::fail || !session || !session->match ||
      session->match->outcome != sts::TlsaOutcome::match) {
    return tls_line;
  }
  tls_line.status = Status::pass;
  tls_line.evidence += "; DANE authenticates the host instead (" + session->match->to_string() +
                       "), which a DANE relay accepts in place of the WebPKI check";
  return tls_line;
}

}  // namespace stsrelay::app
