// TLSA matching for SMTP (RFC 7672 §3, RFC 7671) with certificates made in the test: records are
// computed from the real certificates (net::tlsa_forms), DANE-TA chains are checked by the real
// net::verify_dane_ta_chain, as in production.
#include "sts/tlsa_match.hpp"

#include <gtest/gtest.h>

#include <map>

#include "der_chain.hpp"
#include "test_ca.hpp"

namespace stsrelay::sts {
namespace {

using net::DerBytes;
using net::TlsaRecord;
using testing::CertPtr;

constexpr std::time_t kNow = 1'800'000'000;

DerBytes form_of(const CertPtr& cert, std::uint8_t selector, std::uint8_t matching_type) {
  auto forms = net::tlsa_forms(testing::der_of(cert));
  if (!forms) testing::test_cert_fail("tlsa_forms");
  return forms->data[selector][matching_type];
}

// The record "u s m" whose data is that of `cert`.
TlsaRecord rec(std::uint8_t u, std::uint8_t s, std::uint8_t m, const CertPtr& cert) {
  return TlsaRecord{u, s, m, form_of(cert, s, m)};
}

struct Row {
  const char* name;
  std::vector<TlsaRecord> rrset;
  std::vector<CertPtr> chain;
  TlsaOutcome outcome;
  std::string log;  // TlsaVerdict::to_string(), or its start for a mismatch
  std::size_t depth = 0;
  std::vector<std::string> names = {"mx.example.test"};
};

class TlsaMatch : public ::testing::Test {
 protected:
  testing::TestCa ca{"DANE CA", kNow};
  testing::TestCa other_ca{"Other CA", kNow};
  testing::KeyAndCert leaf = ca.issue({"mx.example.test", {"DNS:mx.example.test"}});
  testing::KeyAndCert other_leaf = ca.issue({"wrong", {"DNS:wrong.example.test"}});
  testing::KeyAndCert expired =
      ca.issue({"mx.example.test", {"DNS:mx.example.test"}, -86400L * 10, -86400L});
  testing::KeyAndCert inter = testing::make_test_intermediate(ca.ca(), "DANE Intermediate", kNow);
  testing::KeyAndCert under_inter = [this] {
    testing::KeyAndCert k;
    k.key = testing::make_test_key();
    k.cert = testing::make_test_cert({"mx", {"DNS:mx.example.test"}, -3600, 86400}, k.key,
                                     &inter, false, kNow);
    return k;
  }();

  static TlsaVerdict run(const Row& row, int* checks = nullptr) {
    const auto der = testing::der_chain(row.chain);
    auto forms = net::tlsa_forms_of_chain(der);
    if (!forms) testing::test_cert_fail("tlsa_forms_of_chain");
    const DaneTaCheck check = [&](std::size_t depth) {
      if (checks != nullptr) ++*checks;
      return net::verify_dane_ta_chain(der, depth, row.names, kNow);
    };
    return match_tlsa(row.rrset, *forms, check);
  }
};

TEST_F(TlsaMatch, Table) {
  const CertPtr& L = leaf.cert;
  const CertPtr& CA = ca.ca().cert;
  TlsaRecord short256 = rec(3, 1, 1, L);
  short256.data.pop_back();
  TlsaRecord long256 = rec(3, 1, 1, L);
  long256.data.push_back(0);
  TlsaRecord short512 = rec(3, 1, 2, L);
  short512.data.resize(32);
  TlsaRecord empty_full = rec(3, 1, 0, L);
  empty_full.data.clear();

  const std::vector<Row> rows = {
      // DANE-EE(3), RFC 7672 §3.1.1.
      {"3 1 1 matches the leaf's key", {rec(3, 1, 1, L)}, {L, CA}, TlsaOutcome::match,
       "3 1 1:match"},
      {"3 1 1 of another key", {rec(3, 1, 1, other_leaf.cert)}, {L, CA}, TlsaOutcome::mismatch,
       "mismatch: none of 1 usable records"},
      {"3 0 1 matches the leaf certificate", {rec(3, 0, 1, L)}, {L, CA}, TlsaOutcome::match,
       "3 0 1:match"},
      {"3 1 2 (SHA2-512 of the key)", {rec(3, 1, 2, L)}, {L, CA}, TlsaOutcome::match,
       "3 1 2:match"},
      {"3 0 0 (the full certificate)", {rec(3, 0, 0, L)}, {L, CA}, TlsaOutcome::match,
       "3 0 0:match"},
      {"3 1 0 (the full key)", {rec(3, 1, 0, L)}, {L}, TlsaOutcome::match, "3 1 0:match"},
      {"3 1 1 without the rest of the chain", {rec(3, 1, 1, L)}, {L}, TlsaOutcome::match,
       "3 1 1:match"},
      {"3 1 1: an expired leaf still matches (§3.1.1: no expiry check)",
       {rec(3, 1, 1, expired.cert)}, {expired.cert}, TlsaOutcome::match, "3 1 1:match"},
      {"3 1 1: names are not checked (§3.1.1)", {rec(3, 1, 1, other_leaf.cert)},
       {other_leaf.cert}, TlsaOutcome::match, "3 1 1:match"},
      {"3 1 1 of the CA matches nothing: DANE-EE is the leaf only", {rec(3, 1, 1, CA)}, {L, CA},
       TlsaOutcome::mismatch, "mismatch: none of 1"},
      // DANE-TA(2), RFC 7672 §3.1.2, §3.2.2; RFC 7671 §5.2.
      {"2 1 1 of the CA, leaf names the host", {rec(2, 1, 1, CA)}, {L, CA}, TlsaOutcome::match,
       "2 1 1:match", 1},
      {"2 0 1 of the CA, leaf names the host", {rec(2, 0, 1, CA)}, {L, CA}, TlsaOutcome::match,
       "2 0 1:match", 1},
      {"2 1 1 of the CA, leaf names another host", {rec(2, 1, 1, CA)}, {other_leaf.cert, CA},
       TlsaOutcome::mismatch, "mismatch: 2 1 1 matched certificate 1, but certificate names none"},
      {"2 1 1: the MX host name is a reference identifier too (§3.2.2)", {rec(2, 1, 1, CA)},
       {other_leaf.cert, CA}, TlsaOutcome::match, "2 1 1:match", 1,
       {"mx.example.test", "wrong.example.test"}},
      {"2 1 1 with the trust anchor not in the presented chain", {rec(2, 1, 1, CA)}, {L},
       TlsaOutcome::mismatch, "mismatch: none of 1"},
      {"2 1 1 of another CA", {rec(2, 1, 1, other_ca.ca().cert)}, {L, CA},
       TlsaOutcome::mismatch, "mismatch: none of 1"},
      {"2 1 1 of the leaf: the leaf is never its own trust anchor", {rec(2, 1, 1, L)}, {L, CA},
       TlsaOutcome::mismatch, "mismatch: none of 1"},
      {"2 1 1 of the CA, expired leaf", {rec(2, 1, 1, CA)}, {expired.cert, CA},
       TlsaOutcome::mismatch, "mismatch: 2 1 1 matched certificate 1, but chain to the trust"},
      {"2 1 1 of an intermediate (root not sent)", {rec(2, 1, 1, inter.cert)},
       {under_inter.cert, inter.cert}, TlsaOutcome::match, "2 1 1:match", 1},
      {"2 0 2 of the root above an intermediate", {rec(2, 0, 2, CA)},
       {under_inter.cert, inter.cert, CA}, TlsaOutcome::match, "2 0 2:match", 2},
      // Unusable records, RFC 7672 §3.1.3.
      {"PKIX-TA(0) and PKIX-EE(1) only", {rec(0, 1, 1, CA), rec(1, 1, 1, L)}, {L, CA},
       TlsaOutcome::all_unusable, "all records unusable"},
      {"unknown usage, selector, matching type",
       {TlsaRecord{4, 1, 1, form_of(L, 1, 1)}, TlsaRecord{3, 2, 1, form_of(L, 1, 1)},
        TlsaRecord{3, 1, 3, form_of(L, 1, 1)}, TlsaRecord{255, 255, 255, {}}},
       {L}, TlsaOutcome::all_unusable, "all records unusable"},
      {"an empty RRset has nothing usable", {}, {L}, TlsaOutcome::all_unusable,
       "all records unusable"},
      {"unusable records beside a usable one are ignored",
       {rec(1, 1, 1, L), rec(0, 0, 1, CA), rec(3, 1, 1, L)}, {L, CA}, TlsaOutcome::match,
       "3 1 1:match"},
      {"a PKIX-EE record that would match does not count", {rec(1, 1, 1, L), rec(3, 1, 1, CA)},
       {L, CA}, TlsaOutcome::mismatch, "mismatch: none of 1"},
      // Malformed data lengths: usable, never matching (fail closed, see tlsa_match.hpp).
      {"SHA2-256 data of 31 octets", {short256}, {L}, TlsaOutcome::mismatch,
       "mismatch: none of 1"},
      {"SHA2-256 data of 33 octets", {long256}, {L}, TlsaOutcome::mismatch,
       "mismatch: none of 1"},
      {"SHA2-512 data of 32 octets", {short512}, {L}, TlsaOutcome::mismatch,
       "mismatch: none of 1"},
      {"Full SPKI with no data", {empty_full}, {L}, TlsaOutcome::mismatch, "mismatch: none of 1"},
      // Several records: any usable one that authenticates is enough.
      {"a stale 3 1 1 beside the current one (key rollover)",
       {rec(3, 1, 1, other_leaf.cert), rec(3, 1, 1, L)}, {L, CA}, TlsaOutcome::match,
       "3 1 1:match"},
      {"3 1 1 mismatch, 2 1 1 match", {rec(3, 1, 1, other_leaf.cert), rec(2, 1, 1, CA)}, {L, CA},
       TlsaOutcome::match, "2 1 1:match", 1},
      {"no certificate presented", {rec(3, 1, 1, L)}, {}, TlsaOutcome::mismatch,
       "mismatch: the server presented no certificate"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    const TlsaVerdict v = run(row);
    EXPECT_EQ(v.outcome, row.outcome) << v.to_string();
    const std::string log = v.to_string();
    if (row.outcome == TlsaOutcome::mismatch) {
      EXPECT_EQ(log.rfind(row.log, 0), 0u) << log;
    } else {
      EXPECT_EQ(log, row.log);
    }
    if (row.outcome == TlsaOutcome::match) {
      ASSERT_TRUE(v.record.has_value());
      EXPECT_EQ(v.depth, row.depth);
      EXPECT_TRUE(is_usable(*v.record));
    } else {
      EXPECT_FALSE(v.record.has_value());
    }
  }
}

TEST_F(TlsaMatch, TheChainCheckRunsOncePerAnchorAndOnlyWhenNeeded) {
  const CertPtr& CA = ca.ca().cert;
  int checks = 0;
  // Three records naming the same CA, leaf naming another host: one check, then mismatch.
  Row row{"", {rec(2, 1, 1, CA), rec(2, 0, 1, CA), rec(2, 1, 2, CA)}, {other_leaf.cert, CA},
          TlsaOutcome::mismatch, ""};
  EXPECT_EQ(run(row, &checks).outcome, TlsaOutcome::mismatch);
  EXPECT_EQ(checks, 1);
  // A matching DANE-EE record settles it without any chain work.
  checks = 0;
  Row ee{"", {rec(2, 1, 1, CA), rec(3, 1, 1, leaf.cert)}, {leaf.cert, CA}, TlsaOutcome::match,
         ""};
  const TlsaVerdict v = run(ee, &checks);
  EXPECT_EQ(v.to_string(), "3 1 1:match");
  EXPECT_EQ(checks, 0);
}

TEST(TlsaRecords, UsabilityAndNames) {
  EXPECT_TRUE(is_usable({3, 1, 1, {}}));
  EXPECT_TRUE(is_usable({2, 0, 0, {}}));
  EXPECT_TRUE(is_usable({2, 1, 2, {}}));
  EXPECT_FALSE(is_usable({0, 0, 1, {}}));
  EXPECT_FALSE(is_usable({1, 1, 1, {}}));
  EXPECT_FALSE(is_usable({3, 2, 1, {}}));
  EXPECT_FALSE(is_usable({3, 1, 3, {}}));
  EXPECT_EQ(parameters({3, 1, 1, {1, 2}}), "3 1 1");
  EXPECT_EQ(parameters({255, 0, 2, {}}), "255 0 2");
  EXPECT_EQ(to_string(TlsaOutcome::match), "match");
  EXPECT_EQ(to_string(TlsaOutcome::mismatch), "mismatch");
  EXPECT_EQ(to_string(TlsaOutcome::all_unusable), "all-unusable");
}

}  // namespace
}  // namespace stsrelay::sts
