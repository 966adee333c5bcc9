#include "src/app/check/check_findings.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "src/app/check/check_text.hpp"
#include "src/net/mx_plan.hpp"
#include "src/net/tls_result.hpp"
#include "sts/fetch_error.hpp"
#include "sts/mx_match.hpp"
#include "sts/txt_record.hpp"
#include "tlsrpt/rua_record.hpp"
#include "src/core/mail_date.hpp"

namespace stsrelay::app {
namespace {

using Status = CheckStatus;

std::string reply_text(const smtp::Reply& reply) {
  std::string out = std::to_string(reply.code);
  if (!reply.enhanced.empty()) out += " " + reply.enhanced;
  if (!reply.lines.empty()) out += " " + reply.lines.front();
  return out;
}

std::string utc(core::SysTime t) { return core::format_utc(core::to_unix(t)) + " UTC"; }

std::string days(std::int64_t seconds) {
  const std::int64_t d = seconds / 86400;
  return std::to_string(d) + (d == 1 ? " day" : " days");
}

// The records of a TXT answer joined per record, for evidence.
std::string record_texts(const std::vector<net::TxtRecord>& records, bool (*is_kind)(std::string_view)) {
  std::vector<std::string> texts;
  for (const net::TxtRecord& r : records) {
    std::string joined;
    for (const std::string& s : r) joined += s;
    if (is_kind(joined)) texts.push_back("\"" + joined + "\"");
  }
  return join(texts, "; ");
}

// Which of `patterns` covers `host`, or empty.
std::string matching_pattern(std::string_view host, const std::vector<std::string>& patterns) {
  for (const std::string& p : patterns) {
    if (sts::mx_matches(host, p)) return p;
  }
  return {};
}

std::string describe_policy(const sts::Policy& p) {
  std::string out = "mode " + std::string(sts::to_string(p.mode)) + ", max_age " +
                    std::to_string(p.max_age) + " (" + days(p.max_age) + ")";
  if (!p.mx.empty()) out += ", mx " + join(p.mx);
  return out;
}

// What differs between two policies, in words ("mode testing -> enforce; mx added b.example").
std::string policy_difference(const sts::Policy& before, const sts::Policy& after) {
  std::vector<std::string> parts;
  if (before.mode != after.mode) {
    parts.push_back("mode " + std::string(sts::to_string(before.mode)) + " -> " +
                    std::string(sts::to_string(after.mode)));
  }
  if (before.max_age != after.max_age) {
    parts.push_back("max_age " + std::to_string(before.max_age) + " -> " +
                    std::to_string(after.max_age));
  }
  std::vector<std::string> added, removed;
  for (const std::string& m : after.mx) {
    if (std::find(before.mx.begin(), before.mx.end(), m) == before.mx.end()) added.push_back(m);
  }
  for (const std::string& m : before.mx) {
    if (std::find(after.mx.begin(), after.mx.end(), m) == after.mx.end()) removed.push_back(m);
  }
  if (!added.empty()) parts.push_back("mx added " + join(added));
  if (!removed.empty()) parts.push_back("mx removed " + join(removed));
  return parts.empty() ? std::string("the text differs") : join(parts, "; ");
}

// Adds ", expires <when> (in N days)" to a passing line, and turns it into a warning when that
// is fewer than kExpirySoonDays away.
void expiry_note(CheckLine& line, const std::string& not_after, core::SysTime now) {
  const auto expiry = parse_utc_time(not_after);
  if (!expiry) return;
  const auto left = std::chrono::duration_cast<std::chrono::seconds>(*expiry - now).count();
  line.evidence += ", expires " + not_after + " (in " + days(left) + ")";
  if (left < std::int64_t{kExpirySoonDays} * 86400) {
    line.status = Status::warn;
    line.evidence += ": renew it soon";
  }
}

CheckLine fetch_failure_line(const sts::PolicyFetchFailure& f, std::string_view url,
                             const net::HttpsResult& result) {
  using sts::FetchError;
  std::string evidence;
  switch (f.error) {
    case FetchError::dns:
      evidence = "the policy host does not resolve: " + f.detail;
      break;
    case FetchError::connect:
      evidence = "no connection to the policy host on port 443: " + f.detail;
      break;
    case FetchError::tls:
      evidence = (result.ok() || !result.error().webpki)
                     ? "TLS with the policy host failed: " + f.detail
                     : "the policy host's certificate is not valid (RFC 8461 §3.3 needs a "
                       "certificate that verifies for the host name): " + f.detail;
      break;
    case FetchError::redirect: {
      const auto location = result.ok() ? result.value().location() : std::nullopt;
      evidence = "HTTP " + std::to_string(result.ok() ? result.value().status : 0) +
                 " redirect to " + location.value_or("(no Location)") +
                 ": RFC 8461 §3.3 forbids following redirects, so senders get no policy";
      break;
    }
    case FetchError::http_status:
      evidence = "HTTP " + std::to_string(result.ok() ? result.value().status : 0) +
                 " from " + std::string(url) + " (only 200 gives a policy): " + f.detail;
      break;
    case FetchError::content_type:
      evidence = "media type " +
                 (result.ok() ? result.value().content_type().value_or("(none)")
                              : std::string("(none)")) +
                 ": RFC 8461 §3.2 requires text/plain";
      break;
    case FetchError::too_large:
      evidence = "the policy is larger than sts.max_policy_size: " + f.detail;
      break;
    case FetchError::timeout:
      evidence = "no complete answer within sts.fetch_timeout: " + f.detail;
      break;
    case FetchError::http_syntax:
      evidence = "the answer is not valid HTTP: " + f.detail;
      break;
    case FetchError::syntax:
      evidence = f.detail;  // reported on the "policy" line instead
      break;
  }
  return {"policy-fetch", Status::fail, std::move(evidence)};
}

}  // namespace

std::optional<core::SysTime> parse_utc_time(std::string_view text) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  char z = 0;
  const std::string str(text);
  if (std::sscanf(str.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &s, &z) != 7 ||
      z != 'Z' || text.size() != 20) {
    return std::nullopt;
  }
  const std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{unsigned(mo)},
                                        std::chrono::day{unsigned(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || s > 60) return std::nullopt;
  return core::SysTime{std::chrono::sys_days{ymd}.time_since_epoch() + std::chrono::hours{h} +
                       std::chrono::minutes{mi} + std::chrono::seconds{s}};
}

TxtFinding judge_txt(std::string_view domain, const net::DnsResult<net::TxtRecord>& txt) {
  const std::string name = "_mta-sts." + std::string(domain);
  TxtFinding f;
  f.line.check = "txt";
  if (txt.status == net::DnsStatus::temporary) {
    f.lookup_failed = true;
    f.line.status = Status::fail;
    f.line.evidence = "no answer for TXT " + name + ": " + txt.reason;
    return f;
  }
  const sts::TxtParseResult parsed = sts::parse_txt_records(txt.records);
  if (const auto* ok = std::get_if<sts::TxtOk>(&parsed)) {
    f.id = ok->id;
    f.line.evidence = name + ": " + record_texts(txt.records, &sts::is_sts_record);
    return f;
  }
  f.line.status = Status::fail;
  if (std::holds_alternative<sts::TxtNoRecord>(parsed)) {
    f.line.evidence =
        txt.status == net::DnsStatus::answer
            ? name + " has TXT records but none begins with v=STSv1: the domain publishes no "
                     "MTA-STS policy"
            : "no TXT record at " + name + " (" + std::string(net::to_string(txt.status)) +
                  "): the domain publishes no MTA-STS policy";
  } else if (const auto* many = std::get_if<sts::TxtMultiple>(&parsed)) {
    f.line.evidence = std::to_string(many->count) + " v=STSv1 records at " + name + " (" +
                      record_texts(txt.records, &sts::is_sts_record) +
                      "): RFC 8461 §3.1 wants exactly one, so senders assume no policy";
  } else {
    f.line.evidence = name + " is malformed (" + sts::describe(parsed) + "): " +
                      record_texts(txt.records, &sts::is_sts_record) +
                      "; senders assume no policy";
  }
  return f;
}

FetchFinding judge_policy_fetch(std::string_view url, const net::HttpsResult& result,
                                std::uint64_t max_policy_size, core::SysTime now) {
  FetchFinding f;
  const sts::PolicyFetchResult classified = sts::classify_policy_fetch(result, max_policy_size);
  if (!classified.ok()) {
    const sts::PolicyFetchFailure& failure = classified.failure();
    if (failure.error == sts::FetchError::syntax) {
      const net::HttpsResponse& r = result.value();
      f.lines.push_back({"policy-fetch", Status::pass,
                         std::string(url) + ": HTTP " + std::to_string(r.status) + " " +
                             r.content_type().value_or("") + ", " +
                             std::to_string(r.body.size()) + " bytes"});
      f.lines.push_back({"policy", Status::fail, "syntax error: " + failure.detail});
    } else {
      f.lines.push_back(fetch_failure_line(failure, url, result));
    }
    return f;
  }
  const net::HttpsResponse& r = result.value();
  const sts::Policy& policy = classified.value().policy;
  CheckLine fetch_line{"policy-fetch", Status::pass,
                       std::string(url) + ": HTTP " + std::to_string(r.status) + " " +
                           r.content_type().value_or("") + ", " +
                           std::to_string(r.body.size()) + " bytes over " +
                           std::string(net::to_string(r.protocol)) + " from " + r.peer +
                           ", certificate verified"};
  if (!r.certificate_names.empty()) fetch_line.evidence += ", names " + join(r.certificate_names);
  expiry_note(fetch_line, r.certificate_not_after, now);
  f.lines.push_back(std::move(fetch_line));
  CheckLine line{"policy", Status::pass, describe_policy(policy)};
  if (policy.mode == sts::Mode::testing) {
    line.status = Status::warn;
    line.evidence += ": testing mode, senders report failures but deliver anyway";
  } else if (policy.mode == sts::Mode::none) {
    line.status = Status::warn;
    line.evidence += ": mode none withdraws the policy, nothing is enforced";
  } else if (policy.max_age < 86400) {
    line.status = Status::warn;
    line.evidence += ": max_age under a day gives little protection between fetches "
                     "(RFC 8461 §3.2 suggests weeks)";
  }
  f.lines.push_back(std::move(line));
  f.policy = policy;
  return f;
}

std::vector<CheckLine> judge_mx(std::string_view domain, const net::DnsResult<net::MxRecord>& mx,
                                const sts::Policy* policy, std::vector<std::string>& hosts) {
  std::vector<CheckLine> lines;
  // The relay's own order and rules; ties keep the DNS order so the report is stable.
  const net::MxPlan plan = net::plan_mx_hosts(domain, mx, [](std::size_t) { return 0; });
  if (plan.hosts.empty()) {
    lines.push_back({"mx", Status::fail,
                     plan.failure ? plan.failure->dsn + " " + plan.failure->text
                                  : std::string("no MX hosts")});
    return lines;
  }
  for (const std::string& skipped : plan.skipped) {
    lines.push_back({"mx", Status::warn, "skipped: " + skipped});
  }
  for (const net::MxHost& h : plan.hosts) {
    hosts.push_back(h.host);
    const std::string where = h.implicit ? "no MX records: the domain itself (RFC 5321 §5.1)"
                                         : "MX " + std::to_string(h.preference);
    if (!policy || policy->mode == sts::Mode::none) {
      lines.push_back({"mx " + h.host, Status::pass, where});
      continue;
    }
    const std::string pattern = matching_pattern(h.host, policy->mx);
    if (!pattern.empty()) {
      lines.push_back({"mx " + h.host, Status::pass, where + ", matches policy mx " + pattern});
    } else {
      // In testing mode the relay still delivers, so the mismatch is what it would report.
      lines.push_back({"mx " + h.host,
                       policy->mode == sts::Mode::enforce ? Status::fail : Status::warn,
                       where + ": MX mismatch, no policy mx pattern (" + join(policy->mx) +
                           ") covers " + h.host + "; enforcing senders never deliver to it"});
    }
  }
  return lines;
}

CheckLine judge_mx_unresolved(std::string_view host, std::string_view reasons) {
  return {"tls " + std::string(host), Status::fail,
          "no address for " + std::string(host) + ": " + std::string(reasons)};
}

CheckLine judge_mx_tls(std::string_view host, std::string_view address,
                       const smtp::OpenOutcome& outcome, core::SysTime now) {
  CheckLine line{"tls " + std::string(host), Status::fail, {}};
  const std::string at = std::string(address) + ": ";
  const smtp::TlsStage& tls = outcome.tls;
  if (!tls.offered) {
    if (outcome.failure && outcome.failure->phase != smtp::ClientPhase::tls &&
        outcome.failure->phase != smtp::ClientPhase::starttls) {
      line.evidence = at + "no SMTP session: " + outcome.failure->describe();
    } else {
      line.evidence = at + "STARTTLS not offered in the EHLO reply (RFC 8461 §4.2 requires it)";
    }
    return line;
  }
  if (!tls.result) {
    line.evidence = at + "STARTTLS offered but refused: " +
                    (tls.starttls_reply ? reply_text(*tls.starttls_reply)
                                        : outcome.failure ? outcome.failure->describe()
                                                          : std::string("no reply"));
    return line;
  }
  const net::TlsResult& r = *tls.result;
  if (!r.handshake_ok) {
    line.evidence = at + "TLS handshake failed: " + r.handshake_error;
    return line;
  }
  const net::CertVerdict& c = r.cert;
  const std::string names = c.dns_names.empty() ? std::string("no DNS names")
                                                : "names " + join(c.dns_names);
  const std::string session = at + r.protocol + " " + r.cipher + ", ";
  if (const auto type = net::failure_type(r)) {
    switch (*type) {
      case net::TlsFailureType::certificate_expired:
        line.evidence = session + "certificate expired (notAfter " + c.not_after + ")";
        break;
      case net::TlsFailureType::certificate_not_trusted:
        line.evidence = session + "certificate not trusted: " + c.verify_error_string +
                        (c.self_signed ? " (self-signed)" : "") + "; " + names;
        break;
      case net::TlsFailureType::certificate_host_mismatch:
        line.evidence = session + "certificate does not name " + std::string(host) + ": " +
                        names;
        break;
      default:
        line.evidence = session + "certificate does not validate: " + c.verify_error_string;
        break;
    }
    return line;
  }
  line.status = Status::pass;
  line.evidence = session + "certificate verified, " + names;
  expiry_note(line, c.not_after, now);
  return line;
}

CheckLine judge_tlsrpt(std::string_view domain, const net::DnsResult<net::TxtRecord>& txt) {
  const std::string name = "_smtp._tls." + std::string(domain);
  if (txt.status == net::DnsStatus::temporary) {
    return {"tlsrpt", Status::warn, "no answer for TXT " + name + ": " + txt.reason};
  }
  const tlsrpt::RuaParseResult parsed = tlsrpt::parse_rua_records(txt.records);
  if (const auto* ok = std::get_if<tlsrpt::RuaOk>(&parsed)) {
    std::string evidence = name + ": reports go to " + join(ok->rua);
    if (!ok->ignored.empty()) evidence += " (ignored: " + join(ok->ignored) + ")";
    return {"tlsrpt", Status::pass, std::move(evidence)};
  }
  if (std::holds_alternative<tlsrpt::RuaNoRecord>(parsed)) {
    return {"tlsrpt", Status::warn,
            "no v=TLSRPTv1 record at " + name +
                ": senders cannot tell the domain about TLS failures (RFC 8460)"};
  }
  return {"tlsrpt", Status::warn,
          name + " is not usable (" + tlsrpt::describe(parsed) + "): " +
              record_texts(txt.records, &tlsrpt::is_tlsrpt_record)};
}

CheckLine judge_policy_change(const std::optional<sts::CachedPolicy>& cached,
                              std::string_view txt_id, const sts::Policy& served,
                              const std::vector<std::string>& mx_hosts) {
  CheckLine line{"policy-change", Status::pass, {}};
  if (!cached) {
    line.evidence = "no earlier copy in sts.db to compare with";
    return line;
  }
  const std::string when = "fetched " + utc(cached->fetched_at);
  if (cached->id != txt_id) {
    line.evidence = "sts.db holds id " + cached->id + " (" + when + "); the TXT id is now " +
                    std::string(txt_id) + ", so senders fetch the policy again";
    return line;
  }
  const sts::Policy& old = cached->policy;
  if (old.mode == served.mode && old.max_age == served.max_age && old.mx == served.mx) {
    line.evidence = "the same as the copy in sts.db (id " + cached->id + ", " + when + ")";
    return line;
  }
  // One of the classic MTA-STS publishing errors: senders that hold the old copy keep it until
  // its max_age runs out (RFC 8461 §3.1: the id must change whenever the policy does), so the
  // change does not reach them. A failure, not a warning.
  line.status = Status::fail;
  line.evidence = "policy updated, id not: the policy served now differs from the copy in "
                  "sts.db (id " + cached->id + ", " + when + ": " +
                  policy_difference(old, served) +
                  "); senders that hold it keep it until " + utc(cached->expires_at) +
                  ": publish a new id in the _mta-sts TXT record";
  if (old.mode == sts::Mode::enforce) {
    std::vector<std::string> refused;
    for (const std::string& h : mx_hosts) {
      if (matching_pattern(h, old.mx).empty()) refused.push_back(h);
    }
    if (!refused.empty()) {
      line.evidence += "; under the old copy they refuse " + join(refused);
    }
  }
  return line;
}

}  // namespace stsrelay::app
