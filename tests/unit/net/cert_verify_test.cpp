// Certificate judgement on in-memory chains (no sockets): a test CA, leaves for
// mx.example.test, wildcards, expired, not yet valid, wrong host, self-signed, another CA.
#include "src/net/cert_verify.hpp"

#include <gtest/gtest.h>

#include <optional>

#include "test_ca.hpp"

namespace stsrelay::net {
namespace {

using testing::KeyAndCert;
using testing::LeafSpec;
using testing::TestCa;

struct StoreDeleter {
  void operator()(X509_STORE* s) const { X509_STORE_free(s); }
};

std::unique_ptr<X509_STORE, StoreDeleter> store_with(X509* ca) {
  std::unique_ptr<X509_STORE, StoreDeleter> store(X509_STORE_new());
  X509_STORE_add_cert(store.get(), ca);
  return store;
}

enum class Issuer { test_ca, other_ca, self };

struct Row {
  const char* name;
  Issuer issuer;
  LeafSpec leaf;
  const char* host;
  bool chain_verified;
  bool host_matched;
  bool expired;
  bool not_yet_valid;
  bool self_signed;
  bool untrusted;
  std::optional<TlsFailureType> type;
};

const long kDay = 86400;

TEST(CertVerify, Table) {
  const Row rows[] = {
      {"leaf names the host", Issuer::test_ca, {"mx.example.test", {"DNS:mx.example.test"}},
       "mx.example.test", true, true, false, false, false, false, std::nullopt},
      {"one of several SANs", Issuer::test_ca,
       {"x", {"DNS:a.example.test", "DNS:mx.example.test"}}, "mx.example.test", true, true,
       false, false, false, false, std::nullopt},
      {"host compared case-insensitively, trailing dot ignored", Issuer::test_ca,
       {"mx", {"DNS:mx.example.test"}}, "MX.Example.TEST.", true, true, false, false, false,
       false, std::nullopt},
      {"wildcard as whole left-most label", Issuer::test_ca, {"w", {"DNS:*.example.test"}},
       "mx.example.test", true, true, false, false, false, false, std::nullopt},
      {"wildcard does not cover two labels", Issuer::test_ca, {"w", {"DNS:*.example.test"}},
       "a.mx.example.test", true, false, false, false, false, false,
       TlsFailureType::certificate_host_mismatch},
      {"wildcard does not cover the parent", Issuer::test_ca, {"w", {"DNS:*.example.test"}},
       "example.test", true, false, false, false, false, false,
       TlsFailureType::certificate_host_mismatch},
      {"partial-label wildcard never matches", Issuer::test_ca, {"w", {"DNS:m*.example.test"}},
       "mx.example.test", true, false, false, false, false, false,
       TlsFailureType::certificate_host_mismatch},
      {"wrong host", Issuer::test_ca, {"other", {"DNS:other.example.test"}}, "mx.example.test",
       true, false, false, false, false, false, TlsFailureType::certificate_host_mismatch},
      {"CN without SAN is not a DNS-ID (RFC 8461 4.2)", Issuer::test_ca,
       {"mx.example.test", {}}, "mx.example.test", true, false, false, false, false, false,
       TlsFailureType::certificate_host_mismatch},
      {"an IP address never matches", Issuer::test_ca,
       {"ip", {"DNS:127.0.0.1", "IP:127.0.0.1"}}, "127.0.0.1", true, false, false, false, false,
       false, TlsFailureType::certificate_host_mismatch},
      {"expired leaf", Issuer::test_ca,
       {"mx", {"DNS:mx.example.test"}, -400 * kDay, -30 * kDay}, "mx.example.test", false,
       true, true, false, false, false, TlsFailureType::certificate_expired},
      {"not yet valid", Issuer::test_ca,
       {"mx", {"DNS:mx.example.test"}, 10 * kDay, 400 * kDay}, "mx.example.test", false, true,
       false, true, false, false, TlsFailureType::validation_failure},
      {"self-signed", Issuer::self, {"mx", {"DNS:mx.example.test"}}, "mx.example.test", false,
       true, false, false, true, true, TlsFailureType::certificate_not_trusted},
      {"untrusted CA", Issuer::other_ca, {"mx", {"DNS:mx.example.test"}}, "mx.example.test",
       false, true, false, false, false, true, TlsFailureType::certificate_not_trusted},
      {"expired and untrusted: expired wins", Issuer::other_ca,
       {"mx", {"DNS:mx.example.test"}, -400 * kDay, -30 * kDay}, "mx.example.test", false,
       true, true, false, false, true, TlsFailureType::certificate_expired},
      {"expired self-signed with wrong name", Issuer::self,
       {"mx", {"DNS:other.example.test"}, -400 * kDay, -30 * kDay}, "mx.example.test", false,
       false, true, false, true, true, TlsFailureType::certificate_expired},
  };
  const TestCa ca("Test CA");
  const TestCa other("Other CA");
  auto store = store_with(ca.ca().cert.get());
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    KeyAndCert leaf = row.issuer == Issuer::test_ca    ? ca.issue(row.leaf)
                      : row.issuer == Issuer::other_ca ? other.issue(row.leaf)
                                                       : TestCa::self_signed(row.leaf);
    CertVerdict v = judge_certificate(leaf.cert.get(), nullptr, store.get(), row.host);
    EXPECT_EQ(v.chain_verified, row.chain_verified) << v.verify_error_string;
    EXPECT_EQ(v.host_matched, row.host_matched);
    EXPECT_EQ(v.expired, row.expired);
    EXPECT_EQ(v.not_yet_valid, row.not_yet_valid);
    EXPECT_EQ(v.self_signed, row.self_signed);
    EXPECT_EQ(v.untrusted, row.untrusted);
    EXPECT_EQ(v.chain_verified, v.verify_error == 0);
    TlsResult result{"mx.example.test", true, "", "TLSv1.3", "TLS_AES_128_GCM_SHA256", v};
    EXPECT_EQ(failure_type(result), row.type);
  }
}

TEST(CertVerify, ReportsSubjectNamesAndNotAfterForLogs) {
  const std::time_t now = 1'800'000'000;  // 2027-01-15T08:00:00Z
  const TestCa ca("Test CA", now);
  KeyAndCert leaf = ca.issue({"mx.example.test", {"DNS:mx.example.test", "DNS:*.example.test"},
                              -3600, 86400});
  auto store = store_with(ca.ca().cert.get());
  CertVerdict v = judge_certificate(leaf.cert.get(), nullptr, store.get(), "mx.example.test", now);
  EXPECT_TRUE(v.verified()) << v.verify_error_string;
  EXPECT_EQ(v.subject, "CN=mx.example.test");
  EXPECT_EQ(v.dns_names, (std::vector<std::string>{"mx.example.test", "*.example.test"}));
  EXPECT_EQ(v.not_after, "2027-01-16T08:00:00Z");
  EXPECT_EQ(v.verify_error_string, "ok");
}

TEST(CertVerify, VerificationTimeIsAParameter) {
  const std::time_t now = 1'800'000'000;
  const TestCa ca("Test CA", now);
  KeyAndCert leaf = ca.issue({"mx", {"DNS:mx.example.test"}, -3600, 86400});
  auto store = store_with(ca.ca().cert.get());
  EXPECT_TRUE(judge_certificate(leaf.cert.get(), nullptr, store.get(), "mx.example.test", now)
                  .chain_verified);
  CertVerdict later = judge_certificate(leaf.cert.get(), nullptr, store.get(), "mx.example.test",
                                        now + 2 * 86400);
  EXPECT_TRUE(later.expired);
  EXPECT_EQ(later.verify_error, X509_V_ERR_CERT_HAS_EXPIRED);
  EXPECT_EQ(later.verify_error_string, "certificate has expired");
}

TEST(CertVerify, NoCertificateIsUntrusted) {
  auto store = store_with(TestCa().ca().cert.get());
  CertVerdict v = judge_certificate(nullptr, nullptr, store.get(), "mx.example.test");
  EXPECT_FALSE(v.chain_verified);
  EXPECT_TRUE(v.untrusted);
  EXPECT_FALSE(v.host_matched);
  EXPECT_EQ(v.verify_error_string, "no peer certificate");
}

TEST(CertVerify, IpLiterals) {
  struct {
    const char* text;
    bool ip;
  } rows[] = {{"127.0.0.1", true}, {"::1", true},          {"[2001:db8::1]", true},
              {"mx.example.test", false}, {"1.2.3", false}, {"", false}};
  for (const auto& row : rows) {
    SCOPED_TRACE(row.text);
    EXPECT_EQ(is_ip_literal(row.text), row.ip);
  }
}

}  // namespace
}  // namespace stsrelay::net
