// The MTA-STS enforcement decision (RFC 8461 §4, §5): for one recipient domain, which MX hosts
// may be tried and what TLS each must show. Pure; security as ordered levels:
//
//   opportunistic < report_only < enforce
//
// `decide()` turns the published policy into a level and then applies local control last: the
// relay-wide `sts.enforcement` and the per-domain `[sts.override]` (the override, when present,
// replaces the global setting for its domain). `testing` locally lowers enforce to report_only
// ("would defer" in the log); `off` ignores MTA-STS; `policy` follows what the domain publishes.
//
// The attempt loop asks `permits_mx(host)` before connecting and `judge(tls)` after STARTTLS:
//   enforce:       an unlisted MX is not tried; no STARTTLS, a failed handshake, an expired or
//                  untrusted certificate, or one that does not name the MX host abandons the host
//                  before MAIL FROM, and the next MX is tried (§4.1, §4.2, §5).
//   report_only:   (policy mode testing, or enforce lowered locally) proceed exactly as without a
//                  policy, and report each violation (§5: "testing").
//   opportunistic: (mode none, no policy, or local off) proceed; nothing is a violation.
// Whatever the action, `Verdict::result` carries the RFC 8460 result type of a failure, so that
// the TLS-RPT recorder sees every failed session.
//
// When every MX was abandoned, `defer_reply()` gives the temporary 4.7.x reply (see there).
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "sts/policy.hpp"
#include "sts/result_type.hpp"
#include "sts/tls_outcome.hpp"

namespace stsrelay::sts {

// `sts.enforcement` and the values of `[sts.override]`.
enum class LocalEnforcement { policy, testing, off };
std::string_view to_string(LocalEnforcement e);
std::optional<LocalEnforcement> parse_local_enforcement(std::string_view token);

enum class Level { opportunistic, report_only, enforce };
std::string_view to_string(Level level);

enum class Action {
  proceed,             // go on with this host
  abandon_host,        // do not connect / quit before MAIL FROM; try the next MX
  proceed_but_report,  // an enforce policy would abandon this host; go on and report it
};
std::string_view to_string(Action action);

struct Verdict {
  Action action = Action::proceed;
  std::optional<ResultType> result;  // the failure for TLS-RPT; nullopt: nothing failed
  std::string reason;                // short public reason, e.g. "certificate expired"
  std::string enhanced_code;         // RFC 3463 code when a host is abandoned: 4.7.4 or 4.7.5
};

class Decision {
 public:
  Decision(Level level, std::shared_ptr<const Policy> policy, bool lowered_locally);

  Level level() const { return level_; }
  // True when a local `testing` lowered an enforce policy to report_only: log "would defer".
  bool lowered_locally() const { return lowered_locally_; }
  // Enforce never falls back to plain text after a failed STARTTLS.
  bool requires_tls() const { return level_ == Level::enforce; }

  // Before connecting (§4.1): does the MX host match a policy `mx` pattern?
  Verdict permits_mx(std::string_view mx_host) const;
  // After STARTTLS (§4.2), before MAIL FROM.
  Verdict judge(const TlsOutcome& tls) const;

 private:
  Verdict apply(std::optional<ResultType> failure, std::string reason,
                std::string enhanced_code) const;

  Level level_;
  std::shared_ptr<const Policy> policy_;
  bool lowered_locally_;
};

// The verdict of one session for logs and TLS-RPT: the first failure wins, so an MX that a
// report-only policy does not list is reported as such even when its TLS then fails too (a
// TLS-RPT session carries one result type, RFC 8460 §4.4). `before_connect` abandoning the
// host means there was no session: it is returned as is.
Verdict session_verdict(const Verdict& before_connect, const Verdict& after_starttls);

// `policy` is null when the domain has no (usable) policy. `domain_override` comes from
// `[sts.override]` and wins over `global`.
Decision decide(std::shared_ptr<const Policy> policy, LocalEnforcement global,
                std::optional<LocalEnforcement> domain_override = std::nullopt);

struct HostVerdict {
  std::string host;
  Verdict verdict;
};

// The reply when every MX was abandoned under enforce: always temporary (451), so the queue
// retries and a later policy may let the message through (§5.1); only the queue lifetime
// bounces. The enhanced code is the hosts' common one (4.7.4 "security features not supported"
// when no host offered STARTTLS, RFC 3463 §3.8), else 4.7.5 ("cryptographic failure": a
// certificate or a listed-host requirement of the policy failed). The text says why, host by
// host, e.g. "451 4.7.5 MTA-STS policy of example.com requires ...: mx1.example.com:
// certificate expired; mx2.example.com: not listed in the policy".
struct DeferReply {
  int code = 451;
  std::string enhanced_code;
  std::string text;
  std::string to_string() const;  // "451 4.7.5 <text>"
};
DeferReply defer_reply(std::string_view domain, std::span<const HostVerdict> hosts);

}  // namespace stsrelay::sts
