// The validation probe's judgement (answer -> validating / not / unknown) and the gate that
// stops believing the AD bit.
#include "src/net/dnssec_probe.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "src/net/dnssec_gate.hpp"
#include "fake_resolver.hpp"
#include "table_test.hpp"

namespace stsrelay::net {
namespace {

struct Answer {
  DnsStatus status;
  bool authenticated;
  std::string reason;
};

struct Want {
  Validation state;
  std::string reason_part;
};

TEST(JudgeValidation, Table) {
  const testing::Row<Answer, Want> rows[] = {
      {"NODATA with AD (the root has no TXT)", {DnsStatus::nodata, true, ""},
       {Validation::validating, "came back authenticated"}},
      {"answer with AD", {DnsStatus::answer, true, ""},
       {Validation::validating, "(answer)"}},
      {"secure NXDOMAIN is validated too", {DnsStatus::nxdomain, true, ""},
       {Validation::validating, "authenticated"}},
      {"NODATA without AD: a resolver that does not validate", {DnsStatus::nodata, false, ""},
       {Validation::not_validating, "without the AD bit"}},
      {"answer without AD", {DnsStatus::answer, false, ""},
       {Validation::not_validating, "without the AD bit"}},
      {"NXDOMAIN without AD", {DnsStatus::nxdomain, false, ""},
       {Validation::not_validating, "not under their trust anchor"}},
      {"SERVFAIL: cannot tell", {DnsStatus::temporary, false, "SERVFAIL"},
       {Validation::unknown, "(SERVFAIL)"}},
      {"a temporary failure's AD bit means nothing", {DnsStatus::temporary, true, "timeout"},
       {Validation::unknown, "cannot tell"}},
      {"REFUSED (an authoritative server asked for the root)",
       {DnsStatus::temporary, false, "REFUSED"}, {Validation::unknown, "REFUSED"}},
      {"no reason given", {DnsStatus::temporary, false, ""},
       {Validation::unknown, "temporary failure"}},
  };
  testing::for_each_row(rows, std::source_location::current(), [](const auto& row) {
    const ValidationProbe got =
        judge_validation("test.", row.in.status, row.in.authenticated, row.in.reason);
    EXPECT_EQ(got.state, row.want.state);
    EXPECT_NE(got.reason.find(row.want.reason_part), std::string::npos) << got.reason;
    EXPECT_NE(got.reason.find("TXT test."), std::string::npos) << got.reason;
  });
}

TEST(JudgeValidation, Names) {
  EXPECT_EQ(to_string(Validation::validating), "validating");
  EXPECT_EQ(to_string(Validation::not_validating), "not validating");
  EXPECT_EQ(to_string(Validation::unknown), "unknown");
}

TEST(ProbeValidation, AsksTxtAtTheProbeName) {
  testing::FakeResolver dns;
  net::DnsResult<TxtRecord> nodata;
  nodata.status = DnsStatus::nodata;
  nodata.authenticated = true;
  dns.txt["."] = nodata;
  std::optional<ValidationProbe> got;
  probe_validation(dns, ".", [&](ValidationProbe p) { got = std::move(p); });
  ASSERT_TRUE(got);
  EXPECT_EQ(got->state, Validation::validating);
  EXPECT_EQ(dns.queries, std::vector<std::string>{"TXT ."});
}

TEST(DnssecGate, ClearsTheAdBitOnlyWhileNotTrusted) {
  testing::FakeResolver dns;
  const IpAddress ip = IpAddress::v4({192, 0, 2, 1});
  dns.a["mx.example.test"] = testing::FakeResolver::secure_answer<IpAddress>({ip});
  dns.tlsa["_25._tcp.mx.example.test"] =
      testing::FakeResolver::secure_answer<TlsaRecord>({TlsaRecord{3, 1, 1, {1, 2, 3}}});
  DnssecGate gate(dns);
  std::optional<DnsResult<IpAddress>> a;
  gate.resolve_a("mx.example.test", [&](DnsResult<IpAddress> r) { a = std::move(r); });
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->authenticated);
  EXPECT_EQ(a->dnssec(), DnssecStatus::secure);

  gate.set_trusted(false);
  std::optional<DnsResult<TlsaRecord>> tlsa;
  gate.resolve_tlsa("_25._tcp.mx.example.test",
                    [&](DnsResult<TlsaRecord> r) { tlsa = std::move(r); });
  ASSERT_TRUE(tlsa);
  EXPECT_FALSE(tlsa->authenticated);
  EXPECT_EQ(tlsa->dnssec(), DnssecStatus::insecure);
  EXPECT_EQ(tlsa->records.size(), 1u);  // the records themselves pass unchanged
  EXPECT_EQ(tlsa->status, DnsStatus::answer);

  gate.set_trusted(true);
  a.reset();
  gate.resolve_a("mx.example.test", [&](DnsResult<IpAddress> r) { a = std::move(r); });
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->authenticated);
}

}  // namespace
}  // namespace stsrelay::net
