// MTA-STS within one delivery attempt (RFC 8461 §4, §5): the policy decision for the recipient
// domain, asked before each MX is connected to and after each STARTTLS, and what the attempt
// learned from it — the verdict per MX host for the log line, the hosts abandoned under
// `enforce` for the deferral reply, and one TLS-RPT session record per session (RFC 8460).
// Pure: the caller does the I/O and hands the results in.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "smtp/client_outcome.hpp"
#include "src/core/clock.hpp"
#include "sts/enforcement.hpp"
#include "sts/policy_resolver.hpp"
#include "sts/tls_outcome.hpp"
#include "tlsrpt/session_record.hpp"

namespace stsrelay::delivery {

// The client's view of a STARTTLS stage as MTA-STS judges it.
sts::TlsOutcome tls_outcome_of(const smtp::TlsStage& stage);

// The mx= token of one host's verdict: "ok", "abandoned:<why>" (enforce), "would-defer:<why>"
// (enforce lowered by a local `testing`), "report:<why>" (a testing policy), where <why> is
// "not-listed" or the RFC 8460 result type.
std::string verdict_token(const sts::Decision& decision, const sts::Verdict& verdict,
                          bool not_listed);

// Where a session ended, as the TLS-RPT record needs it.
struct SessionFacts {
  std::string mx_host;
  std::string ip;             // the MX address
  std::string local_address;  // ours
  std::string server_name;    // EHLO's first word
};

class StsAttempt {
 public:
  // `applies` is false when MTA-STS is switched off locally for the domain: nothing is judged,
  // logged or recorded (the administrator chose not to apply it, so there is nothing to report).
  StsAttempt(sts::PolicyLookup lookup, sts::Decision decision, bool applies);

  const sts::Decision& decision() const { return decision_; }
  const sts::PolicyLookup& lookup() const { return lookup_; }
  bool applies() const { return applies_; }

  // Before connecting (§4.1). An abandoned host is noted (log, deferral reply, TLS-RPT).
  sts::Verdict before_connect(std::string_view mx_host, core::SysTime now);
  // Once per session that reached the TLS stage: the session's verdict (session_verdict() of
  // `before_connect` and the TLS judgement), logged under the host and recorded for TLS-RPT.
  sts::Verdict session_done(const sts::Verdict& before_connect, const sts::TlsOutcome& tls,
                            const SessionFacts& facts, core::SysTime now);

  // When every host was abandoned under enforce: the 451 4.7.x reply.
  std::optional<sts::DeferReply> defer_reply() const;
  bool any_abandoned() const { return !abandoned_.empty(); }

  // The log line's sts= and mx= values.
  std::string mode_field() const;  // "enforce", "testing", "none"; empty: no policy applied
  std::string id_field() const;    // the policy's id, when one applied
  std::string mx_field() const;    // "mx1.example.com:ok,mx2.example.com:abandoned:not-listed"

  // The records made so far (moved out: each is handed to the sink once).
  std::vector<tlsrpt::SessionRecord> take_records();

 private:
  tlsrpt::SessionRecord base_record(core::SysTime now) const;
  void note(std::string_view host, const sts::Verdict& verdict, bool not_listed);

  sts::PolicyLookup lookup_;
  sts::Decision decision_;
  bool applies_;
  std::vector<std::string> mx_log_;
  std::vector<sts::HostVerdict> abandoned_;
  std::vector<tlsrpt::SessionRecord> records_;
};

}  // namespace stsrelay::delivery
