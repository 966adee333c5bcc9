#include "src/delivery/dane_host.hpp"

#include <utility>

namespace stsrelay::delivery {
namespace {

sts::Verdict refuse(const DaneHost& host, std::string reason) {
  sts::Verdict v;
  v.result = sts::ResultType::validation_failure;
  v.reason = "DANE: " + std::move(reason);
  v.enhanced_code = "4.7.5";
  v.action = host.testing ? sts::Action::proceed_but_report : sts::Action::abandon_host;
  return v;
}

}  // namespace

std::string DaneHost::state_field() const {
  switch (state) {
    case DaneState::off: return "";
    case DaneState::insecure: return "insecure";
    case DaneState::no_tlsa: return "secure:none";
    case DaneState::bogus: return "bogus";
    case DaneState::unusable: return "secure:unusable";
    case DaneState::usable: return "secure";
  }
  return "";
}

DaneHost dane_for_host(bool enabled, bool testing, bool mx_secure, bool addresses_secure,
                       const std::optional<net::DnsResult<net::TlsaRecord>>& tlsa) {
  DaneHost host;
  host.testing = testing;
  if (!enabled) return host;
  host.state = DaneState::insecure;
  if (!mx_secure || !addresses_secure || !tlsa) return host;
  switch (tlsa->dnssec()) {
    case net::DnssecStatus::insecure: return host;
    case net::DnssecStatus::indeterminate:
      // §2.1.1: in a signed zone, a failed lookup is not "no TLSA".
      host.state = DaneState::bogus;
      host.reason = tlsa->reason.empty() ? std::string("TLSA lookup failed") : tlsa->reason;
      return host;
    case net::DnssecStatus::secure: break;
  }
  if (!tlsa->ok()) {
    host.state = DaneState::no_tlsa;
    return host;
  }
  host.records = tlsa->records;
  host.state = DaneState::unusable;
  for (const net::TlsaRecord& r : host.records) {
    if (sts::is_usable(r)) host.state = DaneState::usable;
  }
  return host;
}

bool tlsa_try_initial_name(const net::DnsResult<net::TlsaRecord>& at_expanded) {
  return at_expanded.dnssec() == net::DnssecStatus::secure && !at_expanded.ok();
}

std::vector<std::string> dane_reference_names(const DaneHost& dane, const std::string& host) {
  std::vector<std::string> names;
  if (!dane.base_domain.empty()) names.push_back(dane.base_domain);
  if (names.empty() || net::normalize_dns_name(names.front()) != net::normalize_dns_name(host)) {
    names.push_back(host);
  }
  return names;
}

sts::Verdict dane_before_connect(const DaneHost& host) {
  if (host.state != DaneState::bogus) return {};
  return refuse(host, "the TLSA lookup failed (" + host.reason + "); not treated as no TLSA");
}

sts::Verdict judge_dane(const DaneHost& host, const sts::TlsOutcome& tls,
                        const std::optional<sts::TlsaVerdict>& match) {
  if (!host.applies()) return {};
  if (!tls.offered_starttls || !tls.handshake_ok) {
    // §2.2: secure TLSA records are a signed statement that the host does TLS.
    return refuse(host, "TLS is required by the host's TLSA records, and " +
                            std::string(tls.offered_starttls ? "the handshake failed"
                                                             : "STARTTLS was not offered"));
  }
  if (host.state == DaneState::unusable) return {};  // TLS without authentication (§2.2)
  if (match && match->outcome == sts::TlsaOutcome::match) return {};
  return refuse(host, match ? match->to_string() : std::string("no certificate to match"));
}

sts::TlsOutcome authenticated(sts::TlsOutcome tls, const std::string& host) {
  tls.chain_verified = true;
  tls.host_matched = true;
  tls.expired = false;
  tls.other_chain_error = false;
  tls.openssl_reason.clear();
  tls.dns_names.push_back(host);
  return tls;
}

std::optional<sts::ResultType> tlsa_result(const DaneHost& host, const sts::TlsOutcome& tls,
                                           const std::optional<sts::TlsaVerdict>& match) {
  if (host.state == DaneState::bogus) return sts::ResultType::dnssec_invalid;
  if (!tls.offered_starttls) return sts::ResultType::starttls_not_supported;
  if (!tls.handshake_ok) return sts::ResultType::validation_failure;
  if (host.state == DaneState::unusable) return std::nullopt;
  if (match && match->outcome == sts::TlsaOutcome::match) return std::nullopt;
  return sts::ResultType::tlsa_invalid;
}

std::vector<std::string> tlsa_policy_strings(const DaneHost& host) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::vector<std::string> out;
  for (const net::TlsaRecord& r : host.records) {
    std::string line = sts::parameters(r) + " ";
    for (const std::uint8_t b : r.data) {
      line += kHex[b >> 4];
      line += kHex[b & 0x0f];
    }
    out.push_back(std::move(line));
  }
  return out;
}

std::string dane_pool_tag(const DaneHost& host) {
  if (!host.applies()) return {};
  std::string tag = "dane:" + host.state_field() + (host.testing ? "/testing" : "") + "@" +
                    net::normalize_dns_name(host.base_domain);
  for (const std::string& record : tlsa_policy_strings(host)) tag += "|" + record;
  return tag;
}

std::string dane_field(const DaneHost& host, const std::optional<sts::TlsaVerdict>& match) {
  std::string out = host.state_field();
  if (host.state == DaneState::usable && match) out += ":" + match->to_string();
  return out;
}

}  // namespace stsrelay::delivery
