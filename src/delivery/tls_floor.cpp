#include "src/delivery/tls_floor.hpp"

#include <utility>

#include "src/core/log_quote.hpp"

namespace stsrelay::delivery {
namespace {

// What the session showed, in the words of a reply ("certificate not trusted (self-signed
// certificate)"); empty when TLS is up with a trusted chain naming the host.
std::string shown(const sts::TlsOutcome& tls) {
  std::string what;
  if (!tls.offered_starttls) return "no TLS offered";
  if (!tls.handshake_ok) {
    what = "TLS handshake failed";
  } else if (!tls.chain_verified) {
    what = tls.expired ? "certificate expired" : "certificate not trusted";
  } else if (!tls.host_matched) {
    what = "certificate does not name the host";
  } else {
    return "";
  }
  if (!tls.openssl_reason.empty()) what += " (" + core::printable(tls.openssl_reason, 120) + ")";
  return what;
}

bool secure_match(std::string_view domain, const sts::TlsOutcome& tls) {
  for (const std::string& name : tls.dns_names) {
    if (names_domain_or_subdomain(name, domain)) return true;
  }
  return false;
}

sts::Verdict abandon(std::string reason, const sts::TlsOutcome& tls) {
  sts::Verdict v;
  v.action = sts::Action::abandon_host;
  v.result = sts::tls_failure_type(tls).value_or(sts::ResultType::validation_failure);
  v.reason = std::move(reason);
  // RFC 3463 §3.8: X.7.4 when there was no TLS at all, X.7.5 when TLS was not good enough.
  v.enhanced_code = tls.handshake_ok ? "4.7.5" : "4.7.4";
  return v;
}

std::string requirement(const TlsDemand& demand) {
  return demand.source + " requires tls=" + std::string(to_string(demand.floor));
}

}  // namespace

bool attempts_tls(const TlsDemand& demand) {
  return demand.requiretls || demand.floor != TlsFloor::none;
}

bool allows_plain(const TlsDemand& demand) {
  if (demand.requiretls) return false;
  return demand.floor == TlsFloor::none || demand.floor == TlsFloor::may ||
         demand.floor == TlsFloor::dane;
}

bool names_domain_or_subdomain(std::string_view dns_id, std::string_view domain) {
  if (domain.empty() || dns_id.empty()) return false;
  if (dns_id.starts_with("*.")) {
    // "*.x" names every one-label child of x: `domain` itself when x is its parent, and
    // subdomains of `domain` when x is `domain` or below it.
    dns_id.remove_prefix(2);
    // As OpenSSL's X509_check_host: a wildcard needs two labels after it ("*.com" names nothing).
    if (dns_id.find('.') == std::string_view::npos) return false;
    const std::size_t dot = domain.find('.');
    if (dot != std::string_view::npos && dot > 0 && domain.substr(dot + 1) == dns_id) return true;
  }
  if (dns_id == domain) return true;
  return dns_id.size() > domain.size() && dns_id.ends_with(domain) &&
         dns_id[dns_id.size() - domain.size() - 1] == '.';
}

sts::Verdict judge_floor(const TlsDemand& demand, std::string_view host,
                         const sts::TlsOutcome& tls) {
  const bool tls_up = tls.offered_starttls && tls.handshake_ok;
  const std::string_view domain = demand.nexthop_domain.empty() ? host : demand.nexthop_domain;
  if (demand.requiretls) {
    // §4.2.1: TLS, a chain to a trusted root, and a certificate naming the authenticated host.
    const bool named = tls.host_matched || (demand.floor == TlsFloor::secure &&
                                            secure_match(domain, tls));
    if (!tls_up || !tls.chain_verified || !named) {
      const std::string what = shown(tls);
      sts::Verdict v = abandon(
          "REQUIRETLS needs TLS with a verified certificate: " +
              (what.empty() ? std::string("certificate does not name the host") : what),
          tls);
      v.enhanced_code = "5.7.30";
      return v;
    }
  }
  switch (demand.floor) {
    case TlsFloor::none:
    case TlsFloor::may:
    case TlsFloor::dane:  // no usable TLSA records known: `may` (RFC 7672 §2.2)
      return {};
    case TlsFloor::encrypt:
      if (tls_up) return {};
      return abandon(requirement(demand) + ": " + shown(tls), tls);
    case TlsFloor::dane_only:
      if (demand.dane_applies) return {};  // the DANE verdict judges the session
      return abandon(requirement(demand) + ": no usable DNSSEC-secure TLSA records", tls);
    case TlsFloor::verify:
      if (tls_up && tls.chain_verified && tls.host_matched) return {};
      return abandon(requirement(demand) + ": " + shown(tls), tls);
    case TlsFloor::secure:
      if (tls_up && tls.chain_verified && secure_match(domain, tls)) return {};
      if (tls_up && tls.chain_verified) {
        return abandon(requirement(demand) + ": certificate does not name " +
                           std::string(domain) + " or a subdomain",
                       tls);
      }
      return abandon(requirement(demand) + ": " + shown(tls), tls);
  }
  return {};
}

sts::Verdict stronger(const sts::Verdict& a, const sts::Verdict& b) {
  const auto rank = [](const sts::Verdict& v) {
    switch (v.action) {
      case sts::Action::abandon_host: return 2;
      case sts::Action::proceed_but_report: return 1;
      case sts::Action::proceed: break;
    }
    return 0;
  };
  return rank(b) > rank(a) ? b : a;
}

std::optional<RequireTlsRefusal> requiretls_refusal(const TlsDemand& demand, bool via_mx,
                                                    sts::Level policy_level,
                                                    bool policy_unknown, bool mx_secure) {
  if (!demand.requiretls) return std::nullopt;
  if (via_mx) {
    if (policy_level != sts::Level::opportunistic || mx_secure) return std::nullopt;
    if (policy_unknown) {
      return RequireTlsRefusal{false, "REQUIRETLS: the MTA-STS policy of " +
                                          demand.nexthop_domain +
                                          " could not be obtained now, so its MX hosts cannot "
                                          "be authenticated yet"};
    }
    return RequireTlsRefusal{true, "REQUIRETLS: the MX hosts of " + demand.nexthop_domain +
                                       " cannot be authenticated (no MTA-STS policy in enforce "
                                       "or testing mode applies, and its MX records are not "
                                       "DNSSEC-secure)"};
  }
  if (demand.floor == TlsFloor::verify || demand.floor == TlsFloor::secure) return std::nullopt;
  return RequireTlsRefusal{true, "REQUIRETLS: " + demand.source + " has tls=" +
                                     std::string(to_string(demand.floor)) +
                                     ", which does not authenticate the next hop (verify or "
                                     "secure is needed)"};
}

sts::Verdict FloorAttempt::session_done(std::string_view host, const sts::TlsOutcome& tls) {
  sts::Verdict v = judge_floor(demand_, host, tls);
  if (v.action != sts::Action::abandon_host) return v;
  // The reply names the requirement once, then each host with what it showed.
  sts::Verdict noted = v;
  const std::string prefix = requirement(demand_) + ": ";
  if (noted.reason.starts_with(prefix)) noted.reason.erase(0, prefix.size());
  abandoned_.push_back({std::string(host), std::move(noted)});
  return v;
}

void FloorAttempt::note_refused(std::string_view host, std::string reason) {
  sts::Verdict v;
  v.action = sts::Action::abandon_host;
  v.result = sts::ResultType::validation_failure;
  v.reason = std::move(reason);
  v.enhanced_code = demand_.requiretls ? "5.7.30" : "4.7.5";
  abandoned_.push_back({std::string(host), std::move(v)});
}

std::optional<sts::DeferReply> FloorAttempt::reply() const {
  if (abandoned_.empty()) return std::nullopt;
  // One SMTP reply line holds 512 octets (RFC 5321 §4.5.3.1.5); keep the text well under it.
  constexpr std::size_t kMaxText = 400;
  sts::DeferReply r;
  if (demand_.requiretls) {
    r.code = 550;
    r.enhanced_code = "5.7.30";
    r.text = "REQUIRETLS support required, and no host met it";
  } else {
    r.enhanced_code = "4.7.4";
    for (const sts::HostVerdict& h : abandoned_) {
      if (h.verdict.enhanced_code != "4.7.4") r.enhanced_code = "4.7.5";
    }
    r.text = requirement(demand_);
  }
  for (const sts::HostVerdict& h : abandoned_) {
    std::string part = "; " + h.host + ": " + h.verdict.reason;
    if (r.text.size() + part.size() > kMaxText) {
      r.text += "; ...";
      break;
    }
    r.text += part;
  }
  return r;
}

std::string FloorAttempt::floor_field() const {
  std::string out(to_string(demand_.floor));
  if (demand_.source != "default") out += "/" + demand_.source;
  if (demand_.requiretls) out += "+requiretls";
  return out;
}

}  // namespace stsrelay::delivery
