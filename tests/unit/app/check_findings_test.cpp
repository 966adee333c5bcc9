// The diagnoses of `stsrelay check`: each answer the network can give, and the line it becomes.
#include "src/app/check/check_findings.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "smtp/reply.hpp"
#include "sts/policy_parser.hpp"

namespace stsrelay::app {
namespace {

using namespace std::chrono_literals;
using Status = CheckStatus;

// 2026-11-28 13:50:59 UTC.
const core::SysTime kNow = core::from_unix(1795873859);

net::DnsResult<net::TxtRecord> txt(net::DnsStatus status, std::vector<net::TxtRecord> records = {},
                                   std::string reason = {}) {
  net::DnsResult<net::TxtRecord> r;
  r.status = status;
  r.records = std::move(records);
  r.reason = std::move(reason);
  return r;
}

// A row of a table whose check gives one line: what it judges, and the line's status and a part
// of its evidence.
template <typename In>
struct LineRow {
  const char* name;
  In in;
  Status status;
  std::string evidence;
};

// Expects `line` to be the line `check`, with `status` and evidence that contains `evidence`.
void expect_line(const CheckLine& line, std::string_view check, Status status,
                 std::string_view evidence) {
  EXPECT_EQ(line.check, check);
  EXPECT_EQ(line.status, status) << line.evidence;
  EXPECT_NE(line.evidence.find(evidence), std::string::npos) << line.evidence;
}

sts::Policy policy(const std::string& text) {
  auto p = sts::parse_policy(text);
  EXPECT_TRUE(p.ok()) << text;
  return p.ok() ? *p : sts::Policy{};
}

const std::string kEnforce =
    "version: STSv1\nmode: enforce\nmx: mx1.example.com\nmx: *.mail.example.com\nmax_age: 604800\n";

TEST(CheckFindings, TxtRecord) {
  using net::DnsStatus;
  struct Row {
    const char* name;
    net::DnsResult<net::TxtRecord> answer;
    Status status;
    std::optional<std::string> id;
    bool lookup_failed;
    std::string evidence;  // a part of the line
  };
  const std::vector<Row> rows = {
      {"one record, split in two strings",
       txt(DnsStatus::answer, {{"v=STSv1; ", "id=2026"}, {"v=spf1 -all"}}), Status::pass,
       "2026", false, "\"v=STSv1; id=2026\""},
      {"no such name", txt(DnsStatus::nxdomain), Status::fail, std::nullopt, false,
       "no TXT record at _mta-sts.example.com (nxdomain)"},
      {"only other records", txt(DnsStatus::answer, {{"v=spf1 -all"}}), Status::fail,
       std::nullopt, false, "none begins with v=STSv1"},
      {"two records", txt(DnsStatus::answer, {{"v=STSv1; id=1"}, {"v=STSv1; id=2"}}),
       Status::fail, std::nullopt, false, "2 v=STSv1 records"},
      {"malformed id", txt(DnsStatus::answer, {{"v=STSv1; id=a-b"}}), Status::fail,
       std::nullopt, false, "is malformed"},
      {"servfail", txt(DnsStatus::temporary, {}, "SERVFAIL"), Status::fail, std::nullopt, true,
       "no answer for TXT _mta-sts.example.com: SERVFAIL"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    const TxtFinding f = judge_txt("example.com", row.answer);
    expect_line(f.line, "txt", row.status, row.evidence);
    EXPECT_EQ(f.id, row.id);
    EXPECT_EQ(f.lookup_failed, row.lookup_failed);
  }
}

net::HttpsResponse response(int status, std::string content_type, std::string body,
                            std::string location = {}) {
  net::HttpsResponse r;
  r.status = status;
  if (!content_type.empty()) r.headers.emplace_back("content-type", std::move(content_type));
  if (!location.empty()) r.headers.emplace_back("location", std::move(location));
  r.body = std::move(body);
  r.protocol = net::HttpProtocol::h2;
  r.peer = "192.0.2.1:443";
  r.certificate_names = {"mta-sts.example.com"};
  r.certificate_not_after = "2027-02-01T00:00:00Z";
  return r;
}

net::HttpsResponse expiring(net::HttpsResponse r) {
  r.certificate_not_after = "2026-12-01T00:00:00Z";
  return r;
}

net::HttpsError https_error(net::HttpsErrorKind kind, bool webpki, std::string reason) {
  return net::HttpsError{kind, webpki, std::move(reason)};
}

TEST(CheckFindings, PolicyFetch) {
  using net::HttpsErrorKind;
  const std::string url = "https://mta-sts.example.com/.well-known/mta-sts.txt";
  struct Row {
    const char* name;
    net::HttpsResult result;
    std::vector<Status> statuses;  // policy-fetch, then policy when present
    bool usable;
    std::string evidence;  // a part of the last line
    std::string fetch_evidence = {};  // a part of the policy-fetch line
  };
  const std::vector<Row> rows = {
      {"enforce over h2", response(200, "text/plain; charset=utf-8", kEnforce),
       {Status::pass, Status::pass}, true, "mode enforce, max_age 604800 (7 days), mx mx1",
       "200 text/plain; charset=utf-8, 88 bytes over h2 from 192.0.2.1:443, certificate verified, "
       "names mta-sts.example.com, expires 2027-02-01T00:00:00Z (in 64 days)"},
      {"policy host certificate about to expire",
       expiring(response(200, "text/plain", kEnforce)), {Status::warn, Status::pass}, true,
       "mode enforce", "expires 2026-12-01T00:00:00Z (in 2 days): renew it soon"},
      {"testing", response(200, "text/plain", "version: STSv1\nmode: testing\nmx: a.example\nmax_age: 86400\n"),
       {Status::pass, Status::warn}, true, "testing mode"},
      {"none", response(200, "text/plain", "version: STSv1\nmode: none\nmax_age: 86400\n"),
       {Status::pass, Status::warn}, true, "mode none withdraws"},
      {"short max_age", response(200, "text/plain", "version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 600\n"),
       {Status::pass, Status::warn}, true, "max_age under a day"},
      {"404", response(404, "text/html", "<h1>Not Found</h1>"), {Status::fail}, false,
       "HTTP 404 from " + url},
      {"redirect", response(301, "text/html", "", "https://www.example.com/mta-sts.txt"),
       {Status::fail}, false,
       "HTTP 301 redirect to https://www.example.com/mta-sts.txt: RFC 8461 §3.3 forbids"},
      {"wrong media type", response(200, "application/json", kEnforce), {Status::fail}, false,
       "media type application/json: RFC 8461 §3.2 requires text/plain"},
      {"syntax error", response(200, "text/plain", "version: STSv1\nmode: enforce\n"),
       {Status::pass, Status::fail}, false, "syntax error"},
      {"expired certificate",
       https_error(HttpsErrorKind::tls, true,
                   "certificate verification failed at 192.0.2.1:443: certificate has expired"),
       {Status::fail}, false, "certificate is not valid (RFC 8461 §3.3"},
      {"handshake failure", https_error(HttpsErrorKind::tls, false, "no shared cipher"),
       {Status::fail}, false, "TLS with the policy host failed"},
      {"no address", https_error(HttpsErrorKind::dns, false, "NXDOMAIN"), {Status::fail}, false,
       "the policy host does not resolve"},
      {"connection refused", https_error(HttpsErrorKind::connect, false, "refused"),
       {Status::fail}, false, "no connection to the policy host on port 443"},
      {"endless body", https_error(HttpsErrorKind::too_large, false, "over 65536"),
       {Status::fail}, false, "larger than sts.max_policy_size"},
      {"stalled host", https_error(HttpsErrorKind::timeout, false, "60s"), {Status::fail},
       false, "within sts.fetch_timeout"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    const FetchFinding f = judge_policy_fetch(url, row.result, 65536, kNow);
    ASSERT_EQ(f.lines.size(), row.statuses.size());
    for (std::size_t i = 0; i < f.lines.size(); ++i) {
      EXPECT_EQ(f.lines[i].status, row.statuses[i]) << f.lines[i].evidence;
    }
    EXPECT_EQ(f.lines[0].check, "policy-fetch");
    EXPECT_NE(f.lines[0].evidence.find(row.fetch_evidence), std::string::npos)
        << f.lines[0].evidence;
    EXPECT_EQ(f.policy.has_value(), row.usable);
    EXPECT_NE(f.lines.back().evidence.find(row.evidence), std::string::npos)
        << f.lines.back().evidence;
  }
}

net::DnsResult<net::MxRecord> mx(std::vector<net::MxRecord> records) {
  net::DnsResult<net::MxRecord> r;
  r.status = records.empty() ? net::DnsStatus::nodata : net::DnsStatus::answer;
  r.records = std::move(records);
  return r;
}

TEST(CheckFindings, MxAgainstPolicy) {
  const sts::Policy enforce = policy(kEnforce);
  const sts::Policy testing = policy(
      "version: STSv1\nmode: testing\nmx: mx1.example.com\nmax_age: 86400\n");
  struct Row {
    const char* name;
    net::DnsResult<net::MxRecord> answer;
    const sts::Policy* policy;
    std::vector<CheckLine> lines;
    std::vector<std::string> hosts;
  };
  const std::vector<Row> rows = {
      {"all covered",
       mx({{20, "b.mail.example.com"}, {10, "mx1.example.com"}}), &enforce,
       {{"mx mx1.example.com", Status::pass, "MX 10, matches policy mx mx1.example.com"},
        {"mx b.mail.example.com", Status::pass, "MX 20, matches policy mx *.mail.example.com"}},
       {"mx1.example.com", "b.mail.example.com"}},
      {"mismatch under enforce names the host",
       mx({{10, "mx1.example.com"}, {20, "backup.example.net"}}), &enforce,
       {{"mx mx1.example.com", Status::pass, "MX 10, matches policy mx mx1.example.com"},
        {"mx backup.example.net", Status::fail,
         "MX 20: MX mismatch, no policy mx pattern (mx1.example.com, *.mail.example.com) "
         "covers backup.example.net; enforcing senders never deliver to it"}},
       {"mx1.example.com", "backup.example.net"}},
      {"the wildcard covers one label only",
       mx({{10, "a.b.mail.example.com"}}), &enforce,
       {{"mx a.b.mail.example.com", Status::fail,
         "MX 10: MX mismatch, no policy mx pattern (mx1.example.com, *.mail.example.com) "
         "covers a.b.mail.example.com; enforcing senders never deliver to it"}},
       {"a.b.mail.example.com"}},
      {"mismatch under testing is a warning", mx({{10, "other.example.net"}}), &testing,
       {{"mx other.example.net", Status::warn,
         "MX 10: MX mismatch, no policy mx pattern (mx1.example.com) covers other.example.net; "
         "enforcing senders never deliver to it"}},
       {"other.example.net"}},
      {"no policy: the hosts only", mx({{10, "mx1.example.com"}}), nullptr,
       {{"mx mx1.example.com", Status::pass, "MX 10"}}, {"mx1.example.com"}},
      {"no MX: the domain itself", mx({}), &enforce,
       {{"mx example.com", Status::fail,
         "no MX records: the domain itself (RFC 5321 §5.1): MX mismatch, no policy mx pattern "
         "(mx1.example.com, *.mail.example.com) covers example.com; enforcing senders never "
         "deliver to it"}},
       {"example.com"}},
      {"null MX", mx({{0, "."}}), &enforce,
       {{"mx", Status::fail, "5.1.10 example.com accepts no mail (null MX, RFC 7505)"}}, {}},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    std::vector<std::string> hosts;
    const auto lines = judge_mx("example.com", row.answer, row.policy, hosts);
    if (std::string(row.name) == "null MX") {
      ASSERT_EQ(lines.size(), 1u);
      EXPECT_EQ(lines[0].status, Status::fail);
      EXPECT_NE(lines[0].evidence.find("5.1.10"), std::string::npos) << lines[0].evidence;
    } else {
      EXPECT_EQ(lines, row.lines);
    }
    EXPECT_EQ(hosts, row.hosts);
  }
}

smtp::OpenOutcome tls_outcome(bool verified_chain, bool host_matched, bool expired,
                              std::string not_after = "2027-02-01T00:00:00Z") {
  smtp::OpenOutcome o;
  o.tls.offered = true;
  net::TlsResult r;
  r.host = "mx1.example.com";
  r.handshake_ok = true;
  r.protocol = "TLSv1.3";
  r.cipher = "TLS_AES_256_GCM_SHA384";
  r.cert.chain_verified = verified_chain && !expired;
  r.cert.host_matched = host_matched;
  r.cert.expired = expired;
  r.cert.untrusted = !verified_chain;
  r.cert.verify_error_string = expired ? "certificate has expired"
                               : verified_chain ? "ok"
                                                : "unable to get local issuer certificate";
  r.cert.dns_names = {"mx1.example.com"};
  r.cert.not_after = std::move(not_after);
  o.tls.result = r;
  return o;
}

TEST(CheckFindings, MxTls) {
  smtp::OpenOutcome no_starttls;
  smtp::OpenOutcome refused;
  refused.tls.offered = true;
  refused.tls.starttls_reply = smtp::make_reply(454, "4.7.0", "TLS not available");
  refused.failure = smtp::StepFailure{smtp::ClientPhase::starttls, refused.tls.starttls_reply, {}};
  smtp::OpenOutcome handshake;
  handshake.tls.offered = true;
  handshake.tls.result = net::TlsResult{};
  handshake.tls.result->handshake_error = "wrong version number";
  smtp::OpenOutcome unreachable;
  unreachable.failure = smtp::StepFailure{smtp::ClientPhase::connect, {}, "Connection refused"};

  const std::vector<LineRow<smtp::OpenOutcome>> rows = {
      {"verified", tls_outcome(true, true, false), Status::pass,
       "192.0.2.25: TLSv1.3 TLS_AES_256_GCM_SHA384, certificate verified, names "
       "mx1.example.com, expires 2027-02-01T00:00:00Z (in 64 days)"},
      {"expiring soon", tls_outcome(true, true, false, "2026-12-05T00:00:00Z"), Status::warn,
       "(in 6 days): renew it soon"},
      {"expired", tls_outcome(true, true, true, "2026-11-01T00:00:00Z"), Status::fail,
       "certificate expired (notAfter 2026-11-01T00:00:00Z)"},
      {"untrusted", tls_outcome(false, true, false), Status::fail,
       "certificate not trusted: unable to get local issuer certificate; names mx1.example.com"},
      {"wrong name", tls_outcome(true, false, false), Status::fail,
       "certificate does not name mx1.example.com: names mx1.example.com"},
      {"no STARTTLS", no_starttls, Status::fail,
       "192.0.2.25: STARTTLS not offered in the EHLO reply (RFC 8461 §4.2 requires it)"},
      {"STARTTLS refused", refused, Status::fail,
       "STARTTLS offered but refused: 454 4.7.0 TLS not available"},
      {"handshake failed", handshake, Status::fail, "TLS handshake failed: wrong version number"},
      {"unreachable", unreachable, Status::fail, "192.0.2.25: no SMTP session: connect"},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    expect_line(judge_mx_tls("mx1.example.com", "192.0.2.25", row.in, kNow),
                "tls mx1.example.com", row.status, row.evidence);
  }
}

TEST(CheckFindings, TlsRptRecord) {
  using net::DnsStatus;
  const std::vector<LineRow<net::DnsResult<net::TxtRecord>>> rows = {
      {"mailto", txt(DnsStatus::answer, {{"v=TLSRPTv1; rua=mailto:tls@example.com"}}),
       Status::pass, "_smtp._tls.example.com: reports go to mailto:tls@example.com"},
      {"none", txt(DnsStatus::nxdomain), Status::warn, "no v=TLSRPTv1 record"},
      {"malformed", txt(DnsStatus::answer, {{"v=TLSRPTv1; ruax=1"}}), Status::warn,
       "is not usable"},
      {"servfail", txt(DnsStatus::temporary, {}, "timeout"), Status::warn, "no answer"},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    expect_line(judge_tlsrpt("example.com", row.in), "tlsrpt", row.status, row.evidence);
  }
}

TEST(CheckFindings, PolicyChange) {
  const sts::Policy served = policy(kEnforce);
  const sts::Policy older_testing = policy(
      "version: STSv1\nmode: testing\nmx: mx1.example.com\nmx: *.mail.example.com\n"
      "max_age: 604800\n");
  const sts::Policy older_narrow = policy(
      "version: STSv1\nmode: enforce\nmx: mx1.example.com\nmax_age: 604800\n");
  auto cached = [](const sts::Policy& p, std::string id) {
    return std::optional<sts::CachedPolicy>(
        sts::CachedPolicy{p, std::move(id), kNow - 24h, kNow + 6 * 24h});
  };
  const std::vector<LineRow<std::optional<sts::CachedPolicy>>> rows = {
      {"nothing cached", std::nullopt, Status::pass, "no earlier copy in sts.db"},
      {"same id, same policy", cached(served, "7"), Status::pass, "the same as the copy"},
      {"new id", cached(older_testing, "6"), Status::pass,
       "sts.db holds id 6 (fetched 2026-11-27 13:50:59 UTC); the TXT id is now 7"},
      {"same id, mode changed", cached(older_testing, "7"), Status::fail,
       "policy updated, id not: the policy served now differs from the copy in sts.db (id 7, "
       "fetched 2026-11-27 13:50:59 UTC: mode testing -> enforce); senders that hold it keep "
       "it until 2026-12-04 13:50:59 UTC"},
      {"same id, a host the old copy refuses", cached(older_narrow, "7"), Status::fail,
       "mx added *.mail.example.com); senders that hold it keep it until 2026-12-04 13:50:59 "
       "UTC: publish a new id in the _mta-sts TXT record; under the old copy they refuse "
       "a.mail.example.com"},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    expect_line(
        judge_policy_change(row.in, "7", served, {"mx1.example.com", "a.mail.example.com"}),
        "policy-change", row.status, row.evidence);
  }
}

TEST(CheckFindings, ParseUtcTime) {
  EXPECT_EQ(parse_utc_time("2026-11-28T13:50:59Z"), kNow);
  EXPECT_EQ(parse_utc_time("2026-02-30T00:00:00Z"), std::nullopt);
  EXPECT_EQ(parse_utc_time("2026-11-28 13:50:59"), std::nullopt);
  EXPECT_EQ(parse_utc_time(""), std::nullopt);
}

TEST(CheckReport, VerdictAndExitStatus) {
  CheckReport r;
  r.domain = "example.com";
  r.add("txt", Status::pass, "ok");
  r.add("tlsrpt", Status::warn, "none");
  EXPECT_EQ(r.exit_status(), 0);
  EXPECT_EQ(render_text(r),
            "pass  txt     ok\n"
            "warn  tlsrpt  none\n"
            "ok: example.com would receive mail from a relay that enforces MTA-STS (1 warning)\n");
  r.add("mx a.example", Status::fail, "mismatch \"x\"");
  EXPECT_EQ(r.exit_status(), 1);
  EXPECT_EQ(render_json(r),
            "{\"domain\":\"example.com\",\"result\":\"fail\",\"exit_status\":1,\"verdict\":"
            "\"example.com would not receive mail from a relay that enforces MTA-STS as it "
            "stands (1 failure, 1 warning)\",\"checks\":[{\"check\":\"txt\",\"status\":\"pass\","
            "\"evidence\":\"ok\"},{\"check\":\"tlsrpt\",\"status\":\"warn\",\"evidence\":"
            "\"none\"},{\"check\":\"mx a.example\",\"status\":\"fail\",\"evidence\":"
            "\"mismatch \\\"x\\\"\"}]}\n");
  r.not_run = "DNS gave no answer";
  EXPECT_EQ(r.exit_status(), 2);
}

}  // namespace
}  // namespace stsrelay::app
