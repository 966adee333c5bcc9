// The DANE lines of `stsrelay check`: each DNSSEC and TLSA situation, and the line it becomes.
#include "src/app/check/check_dane.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sts/policy.hpp"
#include "sts/tlsa_match.hpp"
#include "table_test.hpp"

namespace stsrelay::app {
namespace {

using Status = CheckStatus;
using S = net::DnsStatus;

net::TlsaRecord record(std::uint8_t usage, std::uint8_t fill = 0xab) {
  return net::TlsaRecord{usage, 1, 1, std::vector<std::uint8_t>(32, fill)};
}

net::DnsResult<net::TlsaRecord> tlsa(S status, bool ad, std::vector<net::TlsaRecord> records = {}) {
  net::DnsResult<net::TlsaRecord> r;
  r.status = status;
  r.authenticated = ad;
  r.records = std::move(records);
  if (status == S::temporary) r.reason = "SERVFAIL";
  return r;
}

// A session whose handshake came up, with check_dane's verdict as given.
delivery::DaneSession session(std::optional<sts::TlsaVerdict> match, bool refused = false,
                              std::string reason = {}) {
  delivery::DaneSession s;
  s.outcome.offered_starttls = true;
  s.outcome.handshake_ok = true;
  s.match = std::move(match);
  if (refused) {
    s.verdict.action = sts::Action::abandon_host;
    s.verdict.reason = std::move(reason);
  }
  return s;
}

sts::TlsaVerdict matched() {
  sts::TlsaVerdict v;
  v.outcome = sts::TlsaOutcome::match;
  v.record = record(3);
  v.usable = 1;
  return v;
}

sts::TlsaVerdict mismatched() {
  sts::TlsaVerdict v;
  v.outcome = sts::TlsaOutcome::mismatch;
  v.usable = 1;
  v.reason = "no usable record matched";
  return v;
}

struct Want {
  Status status;
  std::string evidence;
};

const sts::Policy kEnforceOther{sts::Mode::enforce, 86400, {"mx.other.test"}, {}};

TEST(CheckDane, LinePerHost) {
  const std::string ab(64, 'a');  // hex of 32 octets 0xaa... is "aaaa..."; 0xab gives "abab..."
  const std::string abab = [] {
    std::string s;
    for (int i = 0; i < 32; ++i) s += "ab";
    return s;
  }();
  std::vector<testing::Row<DaneFacts, Want>> rows;
  rows.push_back({"insecure MX, no TLSA", {false, true, tlsa(S::nxdomain, false)},
                  {Status::pass, "DANE does not apply: the MX records are not DNSSEC-signed"}});
  rows.push_back({"TLSA in an insecure zone has no effect",
                  {false, false, tlsa(S::answer, false, {record(3)})},
                  {Status::warn, "TLSA 3 1 1 " + abab + " published at _25._tcp.mx.example.test, "
                                 "but the MX records are not DNSSEC-signed (insecure): the "
                                 "records have no effect"}});
  {
    DaneFacts f{false, true, tlsa(S::answer, false, {record(3)})};
    f.base_domain = "mx.target.test";  // the host's CNAME target (RFC 7672 §2.2.2)
    rows.push_back({"the TLSA base domain is named", f,
                    {Status::warn, "published at _25._tcp.mx.target.test"}});
  }
  rows.push_back({"insecure addresses", {true, false, tlsa(S::answer, true, {record(3)})},
                  {Status::warn, "the host's addresses are not DNSSEC-signed"}});
  rows.push_back({"insecure TLSA answer", {true, true, tlsa(S::answer, false, {record(3)})},
                  {Status::warn, "the TLSA records are not DNSSEC-signed (insecure zone)"}});
  rows.push_back({"secure denial", {true, true, tlsa(S::nodata, true)},
                  {Status::pass, "no TLSA records at _25._tcp.mx.example.test (secure denial)"}});
  rows.push_back({"bogus lookup defers", {true, true, tlsa(S::temporary, false)},
                  {Status::fail, "failed in a signed zone (SERVFAIL): a DANE relay does not use "
                                 "the host and defers"}});
  {
    DaneFacts f{true, true, tlsa(S::answer, true, {record(3)})};
    f.session = session(matched());
    f.digests = {"3 1 1 " + abab};
    rows.push_back({"DANE-EE match, digest shown", f,
                    {Status::pass, "TLSA 3 1 1 " + abab + " at _25._tcp.mx.example.test "
                                   "(DNSSEC-secure): 3 1 1:match; "
                                   "presented: 3 1 1 " + abab}});
  }
  {
    DaneFacts f{true, true, tlsa(S::answer, true, {record(3)})};
    f.session = session(mismatched(), true, "DANE: mismatch: no usable record matched");
    f.digests = {"3 1 1 " + ab, "2 1 1 " + abab + " (certificate 1)"};
    rows.push_back({"mismatch fails and shows what would match", f,
                    {Status::fail, "DANE: mismatch: no usable record matched; presented: "
                                   "3 1 1 " + ab + ", 2 1 1 " + abab + " (certificate 1)"}});
  }
  {
    DaneFacts f{true, true, tlsa(S::answer, true, {record(0), record(1)})};
    f.session = session(std::nullopt);
    rows.push_back({"all unusable: TLS required, not authenticated", f,
                    {Status::warn, "none is usable for SMTP"}});
  }
  {
    DaneFacts f{true, true, tlsa(S::answer, true, {record(0)})};
    f.session = session(std::nullopt, true,
                        "DANE: TLS is required by the host's TLSA records, and STARTTLS was not "
                        "offered");
    rows.push_back({"unusable records still require TLS", f,
                    {Status::fail, "STARTTLS was not offered"}});
  }
  {
    DaneFacts f{true, true, tlsa(S::answer, true, {record(3)})};
    f.no_session = "no SMTP session: connect: connection refused";
    rows.push_back({"no session to match", f,
                    {Status::warn, "not matched: no SMTP session: connect: connection refused"}});
  }
  {
    DaneFacts f{true, true, tlsa(S::answer, true, {record(3)})};
    f.session = session(matched());
    f.policy = &kEnforceOther;
    rows.push_back({"DANE covers a host the MTA-STS policy does not list", f,
                    {Status::warn, "the MTA-STS policy (enforce) does not list "
                                   "mx.example.test, so a relay that applies both never uses it"}});
  }
  testing::for_each_row(rows, std::source_location::current(), [](const auto& row) {
    const CheckLine line = judge_mx_dane("mx.example.test", row.in);
    EXPECT_EQ(line.check, "dane mx.example.test");
    EXPECT_EQ(line.status, row.want.status) << line.evidence;
    EXPECT_NE(line.evidence.find(row.want.evidence), std::string::npos) << line.evidence;
  });
}

TEST(CheckDane, DnssecLine) {
  const DnssecFinding ok = judge_dnssec({net::Validation::validating, "AD set"});
  EXPECT_EQ(ok.line.check, "dnssec");
  EXPECT_EQ(ok.line.status, Status::pass);
  EXPECT_TRUE(ok.not_run.empty());
  const DnssecFinding no = judge_dnssec({net::Validation::not_validating, "no AD"});
  EXPECT_EQ(no.line.status, Status::warn);
  EXPECT_NE(no.line.evidence.find("do not validate DNSSEC: no AD"), std::string::npos);
  EXPECT_NE(no.not_run.find("the DANE checks could not run"), std::string::npos);
  const DnssecFinding unknown = judge_dnssec({net::Validation::unknown, "no answer (SERVFAIL)"});
  EXPECT_EQ(unknown.not_run, "the DANE checks could not run: no answer (SERVFAIL)");
}

TEST(CheckDane, PresentedDigests) {
  net::TlsaCertForms leaf;
  leaf.data[1][1] = {0x01, 0x02};
  net::TlsaCertForms ca;
  ca.data[1][1] = {0xfe};
  EXPECT_EQ(presented_digests({leaf, ca}),
            (std::vector<std::string>{"3 1 1 0102", "2 1 1 fe (certificate 1)"}));
  EXPECT_TRUE(presented_digests({}).empty());
}

TEST(CheckDane, DaneLiftsOnlyACertificateFailure) {
  const CheckLine failed{"tls mx.example.test", Status::fail, "certificate not trusted"};
  const CheckLine lifted = with_dane(failed, session(matched()));
  EXPECT_EQ(lifted.status, Status::pass);
  EXPECT_NE(lifted.evidence.find("DANE authenticates the host instead (3 1 1:match)"),
            std::string::npos);
  EXPECT_EQ(with_dane(failed, session(mismatched(), true, "x")), failed);
  EXPECT_EQ(with_dane(failed, std::nullopt), failed);
  const CheckLine passed{"tls mx.example.test", Status::pass, "TLSv1.3"};
  EXPECT_EQ(with_dane(passed, session(matched())), passed);
}

}  // namespace
}  // namespace stsrelay::app
