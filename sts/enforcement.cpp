#include "sts/enforcement.hpp"

#include "src/core/enum_names.hpp"
#include "src/core/log_quote.hpp"
#include "src/net/tls_result.hpp"
#include "sts/mx_match.hpp"

namespace stsrelay::sts {
namespace {

constexpr core::EnumNameList<LocalEnforcement::off> kLocalEnforcementNames{
    {"policy", "testing", "off"}, "policy"};
constexpr core::EnumNameList<Level::enforce> kLevelNames{
    {"opportunistic", "report-only", "enforce"}, "opportunistic"};
constexpr core::EnumNameList<Action::proceed_but_report> kActionNames{
    {"proceed", "abandon-host", "proceed-but-report"}, "proceed"};

}  // namespace

std::string_view to_string(LocalEnforcement e) { return kLocalEnforcementNames.name(e); }

std::optional<LocalEnforcement> parse_local_enforcement(std::string_view token) {
  return kLocalEnforcementNames.parse(token);
}

std::string_view to_string(Level level) { return kLevelNames.name(level); }

std::string_view to_string(Action action) { return kActionNames.name(action); }

std::optional<ResultType> tls_failure_type(const TlsOutcome& t) {
  // The facts of the outcome in the client's terms, so that net::failure_type() alone holds the
  // RFC 8460 §4.3.1 order.
  std::optional<net::TlsResult> session;
  if (t.offered_starttls) {
    net::TlsResult& r = session.emplace();
    r.handshake_ok = t.handshake_ok;
    r.cert.chain_verified = t.chain_verified;
    r.cert.host_matched = t.host_matched;
    r.cert.expired = t.expired;
    r.cert.untrusted = !t.chain_verified && !t.other_chain_error;
  }
  const std::optional<net::TlsFailureType> type = net::failure_type(session);
  if (!type) return std::nullopt;
  // net names the §4.3.1 result types by their RFC 8460 tokens, which are ResultType's too.
  return parse_result_type(net::to_string(*type)).value_or(ResultType::validation_failure);
}

Decision::Decision(Level level, std::shared_ptr<const Policy> policy, bool lowered_locally)
    : level_(level), policy_(std::move(policy)), lowered_locally_(lowered_locally) {}

Verdict Decision::apply(std::optional<ResultType> failure, std::string reason,
                        std::string enhanced_code) const {
  Verdict v;
  v.result = failure;
  v.reason = std::move(reason);
  if (!failure) return v;
  switch (level_) {
    case Level::enforce:
      v.action = Action::abandon_host;
      v.enhanced_code = std::move(enhanced_code);
      break;
    case Level::report_only: v.action = Action::proceed_but_report; break;
    case Level::opportunistic: v.action = Action::proceed; break;
  }
  return v;
}

Verdict Decision::permits_mx(std::string_view mx_host) const {
  // Opportunistic: no policy applies, so no MX can be "unlisted".
  if (level_ == Level::opportunistic || !policy_) return Verdict{};
  if (mx_matches_any(mx_host, policy_->mx)) return Verdict{};
  // §4.1: an MX that matches no pattern is not a valid candidate. RFC 8460 has no result type
  // of its own for it; §4.3.1 "validation-failure" is the general one.
  return apply(ResultType::validation_failure, "not listed in the policy", "4.7.5");
}

Verdict Decision::judge(const TlsOutcome& tls) const {
  std::optional<ResultType> failure = tls_failure_type(tls);
  if (!failure) return Verdict{};
  std::string reason;
  switch (*failure) {
    case ResultType::starttls_not_supported: reason = "STARTTLS not offered"; break;
    case ResultType::certificate_expired: reason = "certificate expired"; break;
    case ResultType::certificate_not_trusted: reason = "certificate not trusted"; break;
    case ResultType::certificate_host_mismatch:
      reason = "certificate does not name the MX host";
      break;
    default: reason = "TLS handshake failed"; break;
  }
  if (!tls.openssl_reason.empty() && *failure != ResultType::starttls_not_supported) {
    reason += " (" + core::printable(tls.openssl_reason, 120) + ")";
  }
  // RFC 3463 §3.8: X.7.4 "security features not supported" for a missing STARTTLS, X.7.5
  // "cryptographic failure" for everything the certificate or handshake got wrong.
  std::string code = *failure == ResultType::starttls_not_supported ? "4.7.4" : "4.7.5";
  return apply(failure, std::move(reason), std::move(code));
}

Verdict session_verdict(const Verdict& before_connect, const Verdict& after_starttls) {
  if (before_connect.action == Action::abandon_host || before_connect.result) {
    return before_connect;
  }
  return after_starttls;
}

Decision decide(std::shared_ptr<const Policy> policy, LocalEnforcement global,
                std::optional<LocalEnforcement> domain_override) {
  // Local control is applied last; a per-domain override replaces the global setting.
  const LocalEnforcement local = domain_override.value_or(global);
  if (local == LocalEnforcement::off || !policy) {
    return Decision(Level::opportunistic, nullptr, false);
  }
  switch (policy->mode) {
    case Mode::none: return Decision(Level::opportunistic, std::move(policy), false);
    case Mode::testing: return Decision(Level::report_only, std::move(policy), false);
    case Mode::enforce:
      if (local == LocalEnforcement::testing) {
        return Decision(Level::report_only, std::move(policy), true);
      }
      return Decision(Level::enforce, std::move(policy), false);
  }
  return Decision(Level::opportunistic, nullptr, false);
}

std::string DeferReply::to_string() const {
  return std::to_string(code) + " " + enhanced_code + " " + text;
}

DeferReply defer_reply(std::string_view domain, std::span<const HostVerdict> hosts) {
  // One SMTP reply line holds 512 octets (RFC 5321 §4.5.3.1.5); keep the text well under it.
  constexpr std::size_t kMaxText = 400;
  DeferReply reply;
  std::string common;
  bool mixed = false;
  std::string text = "MTA-STS policy of " + core::printable(domain, 253) +
                     " (enforce) allows no delivery now";
  std::string detail;
  for (const HostVerdict& h : hosts) {
    if (h.verdict.action != Action::abandon_host) continue;
    if (common.empty()) {
      common = h.verdict.enhanced_code;
    } else if (common != h.verdict.enhanced_code) {
      mixed = true;
    }
    detail +=
        (detail.empty() ? ": " : "; ") + core::printable(h.host, 253) + ": " + h.verdict.reason;
  }
  if (detail.empty()) detail = ": no MX host to try";
  reply.enhanced_code = (mixed || common.empty()) ? "4.7.5" : common;
  text += detail;
  if (text.size() > kMaxText) text = text.substr(0, kMaxText - 3) + "...";
  reply.text = std::move(text);
  return reply;
}

}  // namespace stsrelay::sts
