#include "src/delivery/tls_log_field.hpp"

#include <gtest/gtest.h>

namespace stsrelay::delivery {
namespace {

smtp::TlsStage stage(bool handshake, bool chain, bool host) {
  smtp::TlsStage s;
  s.offered = true;
  net::TlsResult r;
  r.host = "mx.example.test";
  r.handshake_ok = handshake;
  r.protocol = "TLSv1.3";
  r.cert.chain_verified = chain;
  r.cert.host_matched = host;
  r.cert.verify_error_string = chain ? "ok" : "self-signed certificate";
  s.result = r;
  return s;
}

TEST(TlsLogField, LogFields) {
  struct Row {
    const char* name;
    smtp::TlsStage tls;
    TlsLogFields expected;
  };
  const Row rows[] = {
      {"no TLS", smtp::TlsStage{}, {"", ""}},
      {"failed handshake", stage(false, false, false), {"", ""}},
      {"verified", stage(true, true, true), {"TLSv1.3", "verified"}},
      {"untrusted", stage(true, false, true), {"TLSv1.3", "unverified:self-signed certificate"}},
      {"wrong name", stage(true, true, false),
       {"TLSv1.3", "unverified:name does not match mx.example.test"}},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    EXPECT_EQ(tls_log_fields(row.tls), row.expected);
  }
}

}  // namespace
}  // namespace stsrelay::delivery
