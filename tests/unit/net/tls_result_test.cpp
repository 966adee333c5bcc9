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

// The result-type table of failure_type() is tests/unit/sts/tls_failure_type_test.cpp, beside
// the sts entry point it shares with delivery.

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
