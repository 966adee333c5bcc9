#include "src/net/tls_result.hpp"

#include <gtest/gtest.h>

namespace stsrelay::net {
namespace {

TlsResult verified_result() {
  TlsResult r;
  r.host = "mx.example.test";
  r.handshake_ok = true;
  r.protocol = "TLSv1.3";
  r.cipher = "TLS_AES_256_GCM_SHA384";
  r.cert.chain_verified = true;
  r.cert.host_matched = true;
  r.cert.verify_error_string = "ok";
  return r;
}

TEST(TlsResult, FailureTypeTable) {
  struct Row {
    const char* name;
    void (*mutate)(TlsResult&);
    std::optional<TlsFailureType> type;
  };
  const Row rows[] = {
      {"verified", [](TlsResult&) {}, std::nullopt},
      {"handshake failed", [](TlsResult& r) { r.handshake_ok = false; },
       TlsFailureType::validation_failure},
      {"host mismatch", [](TlsResult& r) { r.cert.host_matched = false; },
       TlsFailureType::certificate_host_mismatch},
      {"expired",
       [](TlsResult& r) {
         r.cert.chain_verified = false;
         r.cert.expired = true;
       },
       TlsFailureType::certificate_expired},
      {"expired beats untrusted and mismatch",
       [](TlsResult& r) {
         r.cert.chain_verified = false;
         r.cert.expired = r.cert.untrusted = true;
         r.cert.host_matched = false;
       },
       TlsFailureType::certificate_expired},
      {"untrusted beats mismatch",
       [](TlsResult& r) {
         r.cert.chain_verified = false;
         r.cert.untrusted = true;
         r.cert.host_matched = false;
       },
       TlsFailureType::certificate_not_trusted},
      {"self-signed",
       [](TlsResult& r) {
         r.cert.chain_verified = false;
         r.cert.self_signed = r.cert.untrusted = true;
       },
       TlsFailureType::certificate_not_trusted},
      {"not yet valid",
       [](TlsResult& r) {
         r.cert.chain_verified = false;
         r.cert.not_yet_valid = true;
       },
       TlsFailureType::validation_failure},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    TlsResult r = verified_result();
    row.mutate(r);
    EXPECT_EQ(failure_type(r), row.type);
    EXPECT_EQ(failure_type(std::optional<TlsResult>(r)), row.type);
  }
  EXPECT_EQ(failure_type(std::optional<TlsResult>()), TlsFailureType::starttls_not_supported);
}

TEST(TlsResult, TokensAreTheRfc8460Names) {
  EXPECT_EQ(to_string(TlsFailureType::starttls_not_supported), "starttls-not-supported");
  EXPECT_EQ(to_string(TlsFailureType::certificate_host_mismatch), "certificate-host-mismatch");
  EXPECT_EQ(to_string(TlsFailureType::certificate_expired), "certificate-expired");
  EXPECT_EQ(to_string(TlsFailureType::certificate_not_trusted), "certificate-not-trusted");
  EXPECT_EQ(to_string(TlsFailureType::validation_failure), "validation-failure");
}

TEST(TlsResult, DescribeForTheLogLine) {
  TlsResult r = verified_result();
  EXPECT_EQ(describe(r), "TLSv1.3 TLS_AES_256_GCM_SHA384 verified");
  r.cert.chain_verified = false;
  r.cert.verify_error_string = "certificate has expired";
  r.cert.host_matched = false;
  EXPECT_EQ(describe(r),
            "TLSv1.3 TLS_AES_256_GCM_SHA384 unverified (certificate has expired, name does not "
            "match mx.example.test)");
  r.handshake_ok = false;
  r.handshake_error = "wrong version number";
  EXPECT_EQ(describe(r), "handshake failed (wrong version number)");
}

}  // namespace
}  // namespace stsrelay::net
