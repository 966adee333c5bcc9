// DANE for one MX host (RFC 7672 §2.2, §3): when it applies, and what each session outcome and
// TLSA match mean, with dane.enforcement policy and testing.
#include "src/delivery/dane_host.hpp"

#include <gtest/gtest.h>

#include "table_test.hpp"

namespace stsrelay::delivery {
namespace {

net::TlsaRecord record(std::uint8_t usage) {
  net::TlsaRecord r;
  r.usage = usage;
  r.selector = 1;
  r.matching_type = 1;
  r.data.assign(32, 0xab);
  return r;
}

// A TLSA lookup result: status, AD bit, records.
net::DnsResult<net::TlsaRecord> tlsa(net::DnsStatus status, bool ad,
                                     std::vector<net::TlsaRecord> records = {}) {
  net::DnsResult<net::TlsaRecord> r;
  r.status = status;
  r.authenticated = ad;
  r.records = std::move(records);
  if (status == net::DnsStatus::temporary) r.reason = "SERVFAIL";
  return r;
}

struct In {
  bool enabled = true;
  bool mx_secure = true;
  bool addresses_secure = true;
  std::optional<net::DnsResult<net::TlsaRecord>> tlsa;
};

TEST(DaneHost, WhenDaneApplies) {
  using S = net::DnsStatus;
  const testing::Row<In, std::string> rows[] = {
      {"off", {false, true, true, tlsa(S::answer, true, {record(3)})}, ""},
      {"insecure MX RRset: no lookup", {true, false, true, std::nullopt}, "insecure"},
      {"insecure addresses: no lookup", {true, true, false, std::nullopt}, "insecure"},
      {"insecure TLSA answer", {true, true, true, tlsa(S::answer, false, {record(3)})},
       "insecure"},
      {"secure denial: no TLSA", {true, true, true, tlsa(S::nodata, true)}, "secure:none"},
      {"secure NXDOMAIN: no TLSA", {true, true, true, tlsa(S::nxdomain, true)}, "secure:none"},
      {"lookup failed: bogus, never 'no TLSA'", {true, true, true, tlsa(S::temporary, false)},
       "bogus"},
      {"only PKIX usages: unusable", {true, true, true, tlsa(S::answer, true, {record(0), record(1)})},
       "secure:unusable"},
      {"a DANE-EE record", {true, true, true, tlsa(S::answer, true, {record(1), record(3)})},
       "secure"},
      {"a DANE-TA record", {true, true, true, tlsa(S::answer, true, {record(2)})}, "secure"},
  };
  testing::expect_rows(rows, [](const In& in) {
    return dane_for_host(in.enabled, false, in.mx_secure, in.addresses_secure, in.tlsa)
        .state_field();
  });
}

sts::TlsOutcome session(bool offered, bool handshake) {
  sts::TlsOutcome t;
  t.offered_starttls = offered;
  t.handshake_ok = handshake;
  return t;
}

sts::TlsaVerdict verdict(sts::TlsaOutcome outcome) {
  sts::TlsaVerdict v;
  v.outcome = outcome;
  if (outcome == sts::TlsaOutcome::match) v.record = record(3);
  v.reason = "no record matched";
  return v;
}

TEST(DaneHost, SessionVerdicts) {
  using S = net::DnsStatus;
  using O = sts::TlsaOutcome;
  const DaneHost usable = dane_for_host(true, false, true, true, tlsa(S::answer, true, {record(3)}));
  const DaneHost unusable =
      dane_for_host(true, false, true, true, tlsa(S::answer, true, {record(0)}));
  const DaneHost insecure = dane_for_host(true, false, false, true, std::nullopt);
  DaneHost testing_host = usable;
  testing_host.testing = true;
  struct Case {
    const DaneHost* host;
    sts::TlsOutcome tls;
    std::optional<sts::TlsaVerdict> match;
  };
  const testing::Row<Case, sts::Action> rows[] = {
      {"match", {&usable, session(true, true), verdict(O::match)}, sts::Action::proceed},
      {"mismatch", {&usable, session(true, true), verdict(O::mismatch)},
       sts::Action::abandon_host},
      {"no STARTTLS", {&usable, session(false, false), std::nullopt}, sts::Action::abandon_host},
      {"handshake failed", {&usable, session(true, false), std::nullopt},
       sts::Action::abandon_host},
      {"unusable: TLS is enough", {&unusable, session(true, true), std::nullopt},
       sts::Action::proceed},
      {"unusable: no TLS", {&unusable, session(false, false), std::nullopt},
       sts::Action::abandon_host},
      {"insecure: nothing applies", {&insecure, session(false, false), std::nullopt},
       sts::Action::proceed},
      {"testing: a mismatch is reported", {&testing_host, session(true, true),
                                           verdict(O::mismatch)},
       sts::Action::proceed_but_report},
  };
  testing::expect_rows(rows, [](const Case& c) {
    const sts::Verdict v = judge_dane(*c.host, c.tls, c.match);
    if (v.action != sts::Action::proceed) {
      EXPECT_EQ(v.enhanced_code, "4.7.5");
    }
    return v.action;
  });
}

TEST(DaneHost, BogusLookupAbandonsBeforeConnecting) {
  const DaneHost bogus = dane_for_host(true, false, true, true,
                                       tlsa(net::DnsStatus::temporary, false));
  const sts::Verdict v = dane_before_connect(bogus);
  EXPECT_EQ(v.action, sts::Action::abandon_host);
  EXPECT_NE(v.reason.find("not treated as no TLSA"), std::string::npos);
  DaneHost testing_bogus = bogus;
  testing_bogus.testing = true;
  EXPECT_EQ(dane_before_connect(testing_bogus).action, sts::Action::proceed_but_report);
  const DaneHost usable = dane_for_host(true, false, true, true,
                                        tlsa(net::DnsStatus::answer, true, {record(3)}));
  EXPECT_EQ(dane_before_connect(usable).action, sts::Action::proceed);
}

TEST(DaneHost, AMatchAuthenticatesForThePolicyAndTheFloor) {
  sts::TlsOutcome raw = session(true, true);
  raw.openssl_reason = "self-signed certificate";
  const sts::TlsOutcome a = authenticated(raw, "mx.example.com");
  EXPECT_TRUE(a.chain_verified);
  EXPECT_TRUE(a.host_matched);
  EXPECT_EQ(a.dns_names, std::vector<std::string>{"mx.example.com"});
  EXPECT_FALSE(sts::tls_failure_type(a).has_value());
}

TEST(DaneHost, LogField) {
  const DaneHost usable = dane_for_host(true, false, true, true,
                                        tlsa(net::DnsStatus::answer, true, {record(3)}));
  EXPECT_EQ(dane_field(usable, verdict(sts::TlsaOutcome::match)), "secure:3 1 1:match");
  EXPECT_EQ(dane_field(dane_for_host(true, false, false, true, std::nullopt), std::nullopt),
            "insecure");
}

// RFC 7672 §2.2.2: from the CNAME-expanded name on to the initial one only after a secure
// denial; a failure or an insecure answer stands (anything else would be a downgrade).
TEST(DaneHost, WhenTheInitialNameIsAskedAfterTheExpandedOne) {
  using S = net::DnsStatus;
  const testing::Row<net::DnsResult<net::TlsaRecord>, bool> rows[] = {
      {"secure NODATA", tlsa(S::nodata, true), true},
      {"secure NXDOMAIN", tlsa(S::nxdomain, true), true},
      {"insecure NODATA", tlsa(S::nodata, false), false},
      {"records found", tlsa(S::answer, true, {record(3)}), false},
      {"lookup failed", tlsa(S::temporary, false), false},
  };
  testing::expect_rows(rows, [](const net::DnsResult<net::TlsaRecord>& r) {
    return tlsa_try_initial_name(r);
  });
}

// A pooled session is shared only among jobs whose DANE facts for the host are the same.
TEST(DaneHost, PoolTagNamesWhatASessionsVerdictRestsOn) {
  using S = net::DnsStatus;
  auto host = [](std::vector<net::TlsaRecord> records, bool testing, const char* base) {
    DaneHost h = dane_for_host(true, testing, true, true, tlsa(S::answer, true, std::move(records)));
    h.base_domain = base;
    return h;
  };
  const std::string tag = dane_pool_tag(host({record(3)}, false, "mx.example.test"));
  EXPECT_FALSE(tag.empty());
  EXPECT_EQ(dane_pool_tag(host({record(3)}, false, "MX.example.test.")), tag);
  EXPECT_NE(dane_pool_tag(host({record(3), record(2)}, false, "mx.example.test")), tag);
  EXPECT_NE(dane_pool_tag(host({record(3)}, true, "mx.example.test")), tag);
  EXPECT_NE(dane_pool_tag(host({record(3)}, false, "mx.provider.test")), tag);
  EXPECT_NE(dane_pool_tag(host({record(0)}, false, "mx.example.test")), tag)
      << "unusable records: a different verdict";
  EXPECT_EQ(dane_pool_tag(dane_for_host(true, false, true, true, tlsa(S::nodata, true))), "")
      << "no TLSA: DANE does not apply";
}

TEST(DaneHost, ReferenceNamesAreTheBaseDomainAndTheHost) {
  DaneHost dane;
  dane.base_domain = "mx.provider.test";
  EXPECT_EQ(dane_reference_names(dane, "mx.example.test"),
            (std::vector<std::string>{"mx.provider.test", "mx.example.test"}));
  dane.base_domain = "MX.example.test.";
  EXPECT_EQ(dane_reference_names(dane, "mx.example.test"),
            (std::vector<std::string>{"MX.example.test."}));
  dane.base_domain.clear();
  EXPECT_EQ(dane_reference_names(dane, "mx.example.test"),
            (std::vector<std::string>{"mx.example.test"}));
}

}  // namespace
}  // namespace stsrelay::delivery
