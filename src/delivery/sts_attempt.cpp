#include "src/delivery/sts_attempt.hpp"

#include <utility>

namespace stsrelay::delivery {

sts::TlsOutcome tls_outcome_of(const smtp::TlsStage& stage) {
  sts::TlsOutcome out;
  // RFC 8460 starttls-not-supported covers "offered but refused" (e.g. 454) too: there was no
  // handshake to judge.
  out.offered_starttls = stage.offered && stage.result.has_value();
  if (!stage.result) return out;
  const net::TlsResult& r = *stage.result;
  out.handshake_ok = r.handshake_ok;
  if (!r.handshake_ok) {
    out.openssl_reason = r.handshake_error;
    return out;
  }
  const net::CertVerdict& c = r.cert;
  out.chain_verified = c.chain_verified;
  out.host_matched = c.host_matched;
  out.expired = c.expired;
  out.other_chain_error = !c.chain_verified && !c.expired && !c.untrusted && !c.self_signed;
  out.dns_names = c.dns_names;
  if (!c.chain_verified) {
    out.openssl_reason = c.verify_error_string;
  } else if (!c.host_matched) {
    out.openssl_reason = "no subjectAltName names " + r.host;
  }
  return out;
}

std::string verdict_token(const sts::Decision& decision, const sts::Verdict& verdict,
                          bool not_listed) {
  if (!verdict.result) return "ok";
  const std::string why =
      not_listed ? std::string("not-listed") : std::string(sts::to_string(*verdict.result));
  switch (verdict.action) {
    case sts::Action::abandon_host: return "abandoned:" + why;
    case sts::Action::proceed_but_report:
      return (decision.lowered_locally() ? "would-defer:" : "report:") + why;
    case sts::Action::proceed: break;
  }
  // Opportunistic TLS: nothing is a violation; the tls= field already says what TLS showed.
  return "ok";
}

StsAttempt::StsAttempt(sts::PolicyLookup lookup, sts::Decision decision, bool applies)
    : lookup_(std::move(lookup)), decision_(std::move(decision)), applies_(applies) {}

sts::Verdict StsAttempt::before_connect(std::string_view mx_host, core::SysTime now) {
  if (!applies_) return sts::Verdict{};
  sts::Verdict v = decision_.permits_mx(mx_host);
  if (v.action == sts::Action::abandon_host) {
    note(mx_host, v, true);
    // No session took place, but RFC 8460 §4.3 counts the attempt the policy prevented.
    tlsrpt::SessionRecord record = base_record(now);
    record.result_type = v.result;
    record.receiving_mx_hostname = std::string(mx_host);
    record.failure_reason_code = "MX host not listed in the MTA-STS policy";
    records_.push_back(std::move(record));
  }
  return v;
}

sts::Verdict StsAttempt::session_done(const sts::Verdict& before_connect,
                                      const sts::TlsOutcome& tls, const SessionFacts& facts,
                                      core::SysTime now) {
  if (!applies_) return sts::Verdict{};
  const sts::Verdict verdict = sts::session_verdict(before_connect, decision_.judge(tls));
  note(facts.mx_host, verdict, before_connect.result.has_value());

  tlsrpt::SessionRecord record = base_record(now);
  record.receiving_mx_hostname = facts.mx_host;
  record.receiving_ip = facts.ip;
  record.sending_mta_ip = facts.local_address;
  record.receiving_mx_helo = facts.server_name;
  if (decision_.level() != sts::Level::opportunistic) {
    record.result_type = verdict.result;
  } else if (!tls.offered_starttls || !tls.handshake_ok) {
    // Without a policy nothing requires PKIX: only a negotiation that did not happen is a
    // failure; an unverified certificate still carried the session (RFC 7435).
    record.result_type = sts::tls_failure_type(tls);
  }
  // A policy that could not be fetched, with nothing cached, is what the report must say about
  // every session to the domain (RFC 8460 §4.3.2.2), whatever TLS then showed.
  if (!lookup_.has_policy() && lookup_.fetch_failure) {
    record.result_type = lookup_.fetch_failure->result_type;
    record.failure_reason_code = lookup_.fetch_failure->detail;
  } else if (record.result_type) {
    record.failure_reason_code = tls.openssl_reason;
  }
  records_.push_back(std::move(record));
  return verdict;
}

std::optional<sts::DeferReply> StsAttempt::defer_reply() const {
  if (abandoned_.empty()) return std::nullopt;
  return sts::defer_reply(lookup_.domain, abandoned_);
}

std::string StsAttempt::mode_field() const {
  if (!applies_ || !lookup_.has_policy()) return "";
  return std::string(sts::to_string(lookup_.entry->policy.mode));
}

std::string StsAttempt::id_field() const {
  if (!applies_ || !lookup_.has_policy()) return "";
  return lookup_.entry->id;
}

std::string StsAttempt::mx_field() const {
  std::string out;
  for (const std::string& entry : mx_log_) {
    if (!out.empty()) out += ',';
    out += entry;
  }
  return out;
}

std::vector<tlsrpt::SessionRecord> StsAttempt::take_records() {
  return std::exchange(records_, {});
}

tlsrpt::SessionRecord StsAttempt::base_record(core::SysTime now) const {
  tlsrpt::SessionRecord r;
  r.when = now;
  r.policy_domain = lookup_.domain;
  if (lookup_.has_policy()) {
    r.policy_type = tlsrpt::PolicyType::sts;
    r.policy_string = lookup_.entry->policy.lines;
    r.mx_host = lookup_.entry->policy.mx;
  } else {
    r.policy_type = tlsrpt::PolicyType::no_policy_found;
  }
  return r;
}

void StsAttempt::note(std::string_view host, const sts::Verdict& verdict, bool not_listed) {
  // Only domains with a policy get an mx= field: without one it would say "ok" everywhere.
  if (lookup_.has_policy()) {
    mx_log_.push_back(std::string(host) + ":" + verdict_token(decision_, verdict, not_listed));
  }
  if (verdict.action == sts::Action::abandon_host) {
    abandoned_.push_back(sts::HostVerdict{std::string(host), verdict});
  }
}

}  // namespace stsrelay::delivery
