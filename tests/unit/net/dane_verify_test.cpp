// DANE-TA(2) chain and name checks (RFC 7672 §3.1.2, §3.2.2, §3.2.3; RFC 7671 §5.2) with
// certificates made in the test: the matched certificate is the only trust anchor.
#include "src/net/dane_verify.hpp"

#include <gtest/gtest.h>

#include "der_chain.hpp"
#include "test_ca.hpp"

namespace stsrelay::net {
namespace {

using testing::CertPtr;
using testing::der_chain;

constexpr std::time_t kNow = 1'800'000'000;

struct Row {
  const char* name;
  std::vector<CertPtr> chain;
  std::size_t anchor_depth;
  std::vector<std::string> names;
  bool chain_verified;
  bool name_matched;
  std::time_t now = kNow;
};

TEST(DaneVerify, ChainToTheMatchedAnchorAndNames) {
  testing::TestCa root("DANE Root", kNow);
  testing::TestCa other_root("Other Root", kNow);
  const auto inter = testing::make_test_intermediate(root.ca(), "DANE Intermediate", kNow);
  const auto leaf = root.issue({"mx.example.test", {"DNS:mx.example.test"}});
  const auto wildcard = root.issue({"wild", {"DNS:*.example.test"}});
  const auto two_names = root.issue({"mx", {"DNS:mail.example.net"}});
  const auto cn_only = root.issue({"mx.example.test", {}});
  const auto san_elsewhere = root.issue({"mx.example.test", {"DNS:other.example.test"}});
  const auto expired =
      root.issue({"mx.example.test", {"DNS:mx.example.test"}, -86400L * 10, -86400L});
  testing::KeyAndCert under_inter;
  under_inter.key = testing::make_test_key();
  under_inter.cert = testing::make_test_cert({"mx", {"DNS:mx.example.test"}, -3600, 86400},
                                             under_inter.key, &inter, false, kNow);
  const std::vector<std::string> mx = {"mx.example.test"};

  const std::vector<Row> rows = {
      {"root anchor, leaf names the host", {leaf.cert, root.ca().cert}, 1, mx, true, true},
      {"trailing dot and case in the reference name", {leaf.cert, root.ca().cert}, 1,
       {"MX.Example.Test."}, true, true},
      {"leaf names another host", {san_elsewhere.cert, root.ca().cert}, 1, mx, true, false},
      {"subject CN ignored when a dNSName is present", {san_elsewhere.cert, root.ca().cert}, 1,
       mx, true, false},
      {"subject CN used when there is no dNSName at all", {cn_only.cert, root.ca().cert}, 1, mx,
       true, true},
      {"wildcard as the whole left-most label", {wildcard.cert, root.ca().cert}, 1, mx, true,
       true},
      {"wildcard covers one label only", {wildcard.cert, root.ca().cert}, 1,
       {"a.mx.example.test"}, true, false},
      {"second reference name: the MX host when the TLSA base domain differs (§3.2.2)",
       {two_names.cert, root.ca().cert}, 1, {"mx.example.test", "mail.example.net"}, true, true},
      {"an unrelated CA at the anchor depth", {leaf.cert, other_root.ca().cert}, 1, mx, false,
       true},
      {"expired leaf", {expired.cert, root.ca().cert}, 1, mx, false, true},
      {"intermediate as trust anchor, root not sent (RFC 7671 §5.2)",
       {under_inter.cert, inter.cert}, 1, mx, true, true},
      {"root as trust anchor through the intermediate", {under_inter.cert, inter.cert,
       root.ca().cert}, 2, mx, true, true},
      {"root as trust anchor, intermediate missing", {under_inter.cert, root.ca().cert}, 1, mx,
       false, true},
      {"the leaf is never its own anchor", {leaf.cert, root.ca().cert}, 0, mx, false, false},
      {"anchor depth past the chain", {leaf.cert}, 1, mx, false, false},
      {"not yet valid at the time given", {leaf.cert, root.ca().cert}, 1, mx, false, true,
       kNow - 86400L * 30},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    const auto chain = der_chain(row.chain);
    const DaneTaVerdict v = verify_dane_ta_chain(chain, row.anchor_depth, row.names, row.now);
    EXPECT_EQ(v.chain_verified, row.chain_verified) << v.reason;
    EXPECT_EQ(v.name_matched, row.name_matched) << v.reason;
    EXPECT_EQ(v.ok(), row.chain_verified && row.name_matched);
    EXPECT_EQ(v.reason.empty(), v.ok()) << v.reason;
  }
}

TEST(DaneVerify, GarbageInTheChainFails) {
  testing::TestCa root("DANE Root", kNow);
  const auto leaf = root.issue({"mx.example.test", {"DNS:mx.example.test"}});
  std::vector<DerBytes> chain = der_chain({leaf.cert, root.ca().cert});
  chain[1].pop_back();
  const std::vector<std::string> names = {"mx.example.test"};
  const DaneTaVerdict v = verify_dane_ta_chain(chain, 1, names, kNow);
  EXPECT_FALSE(v.ok());
  EXPECT_NE(v.reason.find("not DER"), std::string::npos) << v.reason;
}

}  // namespace
}  // namespace stsrelay::net
