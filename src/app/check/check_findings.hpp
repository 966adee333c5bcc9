// The judgements of `stsrelay check DOMAIN`, one function per step, each turning what the
// network returned (as plain values) into report lines (check_report.hpp). Pure: no sockets, no
// clock calls (`now` comes in), so every diagnosis is pinned by a table in
// tests/unit/app/check_findings_test.cpp. check_runner.cpp does the I/O and calls these in order.
//
// Each judgement says what the relay itself would do with the same answer (the same parsers and
// classifiers: txt_record, classify_policy_fetch, mx_match, failure_type), so "check passes"
// and "delivery passes" cannot drift apart.
//
// All the judgements stay in one .cpp (a little over 400 lines): they share its formatting
// helpers and are read beside their one test table; each function is short.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "src/app/check/check_report.hpp"
#include "src/core/clock.hpp"
#include "src/net/dns_types.hpp"
#include "src/net/https_types.hpp"
#include "smtp/client_outcome.hpp"
#include "sts/cache_decision.hpp"
#include "sts/policy.hpp"

namespace stsrelay::app {

// `_mta-sts.<domain>` (RFC 8461 §3.1). `id` is set when exactly one well-formed record exists;
// `lookup_failed` when DNS gave no answer (SERVFAIL, timeout): then nothing else can be judged.
struct TxtFinding {
  CheckLine line;
  std::optional<std::string> id;
  bool lookup_failed = false;
};
TxtFinding judge_txt(std::string_view domain, const net::DnsResult<net::TxtRecord>& txt);

// The policy fetch (RFC 8461 §3.3) and the policy's syntax and content (§3.2): the lines
// "policy-fetch" and "policy", and the policy when it is usable.
struct FetchFinding {
  std::vector<CheckLine> lines;
  std::optional<sts::Policy> policy;
};
// A policy-host certificate valid for fewer than kExpirySoonDays more days is a warning.
FetchFinding judge_policy_fetch(std::string_view url, const net::HttpsResult& result,
                                std::uint64_t max_policy_size, core::SysTime now);

// The MX records (RFC 5321 §5.1 as the relay plans them) against the policy's `mx` patterns
// (§4.1): one "mx <host>" line per host, a fail naming each host no pattern covers ("MX
// mismatch"). `hosts` receives the hosts to probe, in the relay's order. Without a policy, the
// lines only list the hosts.
std::vector<CheckLine> judge_mx(std::string_view domain, const net::DnsResult<net::MxRecord>& mx,
                                const sts::Policy* policy, std::vector<std::string>& hosts);

// One MX host's STARTTLS (RFC 3207) and certificate (RFC 8461 §4.2: PKIX chain, DNS-ID for the
// host, not expired) as seen by a probe session to `address`. A certificate valid for fewer
// than kExpirySoonDays more days is a warning.
inline constexpr int kExpirySoonDays = 14;
CheckLine judge_mx_tls(std::string_view host, std::string_view address,
                       const smtp::OpenOutcome& outcome, core::SysTime now);

// The host has no address at all (each lookup's reason joined): the line for it.
CheckLine judge_mx_unresolved(std::string_view host, std::string_view reasons);

// `_smtp._tls.<domain>` (RFC 8460 §3). Absent or broken is a warning: mail still flows, but the
// domain hears nothing of TLS failures.
CheckLine judge_tlsrpt(std::string_view domain, const net::DnsResult<net::TxtRecord>& txt);

// The copy of the policy in sts.db against the one served now under `txt_id`. The same id with
// different content is "policy updated, id not" (§3.1: senders refetch only when the id
// changes): a warning, and a failure when the copy senders keep is enforce and no longer covers
// every host in `mx_hosts`, because then they refuse those hosts.
CheckLine judge_policy_change(const std::optional<sts::CachedPolicy>& cached,
                              std::string_view txt_id, const sts::Policy& served,
                              const std::vector<std::string>& mx_hosts);

// "2026-11-28T13:50:59Z" (the form of net::CertVerdict::not_after) as a time, or nullopt.
std::optional<core::SysTime> parse_utc_time(std::string_view text);

}  // namespace stsrelay::app
