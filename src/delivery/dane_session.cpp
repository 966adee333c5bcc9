#include "src/delivery/dane_session.hpp"

#include <ctime>
#include <utility>

#include "src/core/domain_name.hpp"
#include "src/net/dane_verify.hpp"
#include "src/net/tlsa_forms.hpp"

namespace stsrelay::delivery {

DaneSession check_dane(const DaneHost& dane, const smtp::TlsStage& stage,
                       const std::string& host) {
  DaneSession out;
  out.outcome = tls_outcome_of(stage);
  if (!dane.applies()) return out;
  if (dane.state == DaneState::usable && stage.result && stage.result->handshake_ok) {
    const std::vector<net::DerBytes>& chain = stage.result->chain_der;
    auto forms = net::tlsa_forms_of_chain(chain);
    if (!forms) {
      sts::TlsaVerdict v;
      v.reason = "the presented chain could not be read: " + forms.error().message;
      out.match = std::move(v);
    } else {
      const std::vector<std::string> names = dane_reference_names(dane, host);
      out.match = sts::match_tlsa(dane.records, *forms, [&chain, &names](std::size_t depth) {
        return net::verify_dane_ta_chain(chain, depth, names, std::time(nullptr));
      });
    }
  }
  out.verdict = judge_dane(dane, out.outcome, out.match);
  if (out.match && out.match->outcome == sts::TlsaOutcome::match) {
    out.outcome = authenticated(std::move(out.outcome), host);
  }
  return out;
}

namespace {

// What every DANE record of a host says first: when, the policy domain (an A-label when it can
// be), the host.
tlsrpt::SessionRecord host_record(const std::string& domain, const std::string& host,
                                  core::SysTime now) {
  tlsrpt::SessionRecord r;
  r.when = now;
  auto normalised = core::normalize_domain(domain);
  r.policy_domain = normalised ? *normalised : domain;
  r.receiving_mx_hostname = host;
  return r;
}

}  // namespace

tlsrpt::SessionRecord dane_session_record(const DaneHost& dane, const std::string& domain,
                                          const std::string& host,
                                          std::optional<sts::ResultType> result,
                                          const SessionFacts* facts, const std::string& reason,
                                          core::SysTime now) {
  tlsrpt::SessionRecord r = host_record(domain, host, now);
  r.policy_type = tlsrpt::PolicyType::tlsa;
  r.policy_string = tlsa_policy_strings(dane);
  r.mx_host = {host};
  r.result_type = result;
  if (facts != nullptr) {
    r.receiving_ip = facts->ip;
    r.sending_mta_ip = facts->local_address;
    r.receiving_mx_helo = facts->server_name;
  }
  if (result) r.failure_reason_code = reason;
  return r;
}

tlsrpt::SessionRecord dane_required_record(const std::string& domain, const std::string& host,
                                           core::SysTime now) {
  tlsrpt::SessionRecord r = host_record(domain, host, now);
  r.policy_type = tlsrpt::PolicyType::no_policy_found;
  r.result_type = sts::ResultType::dane_required;
  r.failure_reason_code = "the route requires DANE and the host has no DNSSEC-secure TLSA records";
  return r;
}

sts::DeferReply dane_defer_reply(const std::vector<sts::HostVerdict>& hosts) {
  constexpr std::size_t kMaxText = 400;  // RFC 5321 §4.5.3.1.5: one line holds 512 octets
  sts::DeferReply r;
  r.enhanced_code = "4.7.5";
  r.text = "DANE (RFC 7672) allows no delivery now";
  for (const sts::HostVerdict& h : hosts) {
    std::string why = h.verdict.reason;
    if (why.starts_with("DANE: ")) why.erase(0, 6);  // the reply says DANE once
    std::string part = "; " + h.host + ": " + why;
    if (r.text.size() + part.size() > kMaxText) {
      r.text += "; ...";
      break;
    }
    r.text += part;
  }
  return r;
}

}  // namespace stsrelay::delivery
