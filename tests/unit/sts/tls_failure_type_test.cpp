// The RFC 8460 §4.3.1 result type of a STARTTLS session, through both entry points of the one
// classifier: net::failure_type() over the client's TlsResult (`stsrelay check`, the SMTP
// client) and sts::tls_failure_type() over the TlsOutcome that delivery judges.
#include <gtest/gtest.h>

#include <optional>
#include <string_view>

#include "src/net/tls_result.hpp"
#include "sts/tls_outcome.hpp"

namespace stsrelay::sts {
namespace {

struct Facts {
  bool starttls = true;
  bool handshake_ok = true;
  bool chain_verified = true;
  bool expired = false;
  bool untrusted = false;
  bool self_signed = false;
  bool not_yet_valid = false;
  bool host_matched = true;
};

std::optional<net::TlsResult> as_tls_result(const Facts& f) {
  if (!f.starttls) return std::nullopt;
  net::TlsResult r;
  r.host = "mx.example.test";
  r.handshake_ok = f.handshake_ok;
  r.protocol = "TLSv1.3";
  r.cipher = "TLS_AES_256_GCM_SHA384";
  r.cert.chain_verified = f.chain_verified;
  r.cert.expired = f.expired;
  r.cert.untrusted = f.untrusted;
  r.cert.self_signed = f.self_signed;
  r.cert.not_yet_valid = f.not_yet_valid;
  r.cert.host_matched = f.host_matched;
  return r;
}

// As delivery restates a session (tls_outcome_of in src/delivery/sts_attempt.cpp).
TlsOutcome as_tls_outcome(const Facts& f) {
  TlsOutcome t;
  t.offered_starttls = f.starttls;
  if (!f.starttls) return t;
  t.handshake_ok = f.handshake_ok;
  if (!f.handshake_ok) return t;
  t.chain_verified = f.chain_verified;
  t.host_matched = f.host_matched;
  t.expired = f.expired;
  t.other_chain_error = !f.chain_verified && !f.expired && !f.untrusted && !f.self_signed;
  return t;
}

TEST(TlsFailureType, OneTableForBothEntryPoints) {
  struct Row {
    const char* name;
    Facts facts;
    std::optional<std::string_view> token;
  };
  const Row rows[] = {
      {"verified", {}, std::nullopt},
      {"no STARTTLS (absent, or refused with 454)", {.starttls = false},
       "starttls-not-supported"},
      {"handshake failed", {.handshake_ok = false}, "validation-failure"},
      {"host mismatch", {.host_matched = false}, "certificate-host-mismatch"},
      {"expired", {.chain_verified = false, .expired = true}, "certificate-expired"},
      // OpenSSL may report either first for an expired leaf; expired is the more specific.
      {"expired beats untrusted and mismatch",
       {.chain_verified = false, .expired = true, .untrusted = true, .host_matched = false},
       "certificate-expired"},
      {"untrusted beats mismatch",
       {.chain_verified = false, .untrusted = true, .host_matched = false},
       "certificate-not-trusted"},
      {"self-signed", {.chain_verified = false, .untrusted = true, .self_signed = true},
       "certificate-not-trusted"},
      // A chain error under a trusted root.
      {"not yet valid", {.chain_verified = false, .not_yet_valid = true}, "validation-failure"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    const std::optional<net::TlsResult> session = as_tls_result(row.facts);
    const std::optional<net::TlsFailureType> net_type = net::failure_type(session);
    ASSERT_EQ(net_type.has_value(), row.token.has_value());
    if (session) EXPECT_EQ(net::failure_type(*session), net_type);
    const std::optional<ResultType> sts_type = tls_failure_type(as_tls_outcome(row.facts));
    ASSERT_EQ(sts_type.has_value(), row.token.has_value());
    if (row.token) {
      EXPECT_EQ(net::to_string(*net_type), *row.token);
      EXPECT_EQ(to_string(*sts_type), *row.token);
    }
  }
}

}  // namespace
}  // namespace stsrelay::sts
