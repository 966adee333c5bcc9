#include "src/delivery/sts_attempt.hpp"

#include <gtest/gtest.h>

#include <memory>

namespace stsrelay::delivery {
namespace {

using sts::Action;
using sts::LocalEnforcement;
using sts::ResultType;

const core::SysTime kNow = core::from_unix(1'800'000'000);

enum class Cert { none, handshake_fails, verified, expired, untrusted, wrong_host, not_yet_valid };

smtp::TlsStage stage(Cert cert) {
  smtp::TlsStage s;
  if (cert == Cert::none) return s;  // STARTTLS not offered
  s.offered = true;
  net::TlsResult r;
  r.host = "mx1.example.test";
  r.handshake_ok = cert != Cert::handshake_fails;
  if (!r.handshake_ok) r.handshake_error = "sslv3 alert handshake failure";
  r.protocol = "TLSv1.3";
  r.cert.chain_verified = cert == Cert::verified || cert == Cert::wrong_host;
  r.cert.host_matched = cert != Cert::wrong_host;
  r.cert.expired = cert == Cert::expired;
  r.cert.untrusted = cert == Cert::untrusted;
  r.cert.self_signed = cert == Cert::untrusted;
  r.cert.not_yet_valid = cert == Cert::not_yet_valid;
  r.cert.verify_error_string = r.cert.chain_verified ? "ok" : "some chain error";
  s.result = r;
  return s;
}

sts::PolicyLookup lookup_with(std::optional<sts::Mode> mode) {
  sts::PolicyLookup l;
  l.domain = "example.test";
  if (!mode) return l;
  auto entry = std::make_shared<sts::CachedPolicy>();
  entry->policy.mode = *mode;
  entry->policy.max_age = 86400;
  entry->policy.mx = {"mx1.example.test", "*.mx.example.test"};
  entry->policy.lines = {"version: STSv1", "mode: x", "mx: mx1.example.test",
                         "mx: *.mx.example.test", "max_age: 86400"};
  entry->id = "20261128";
  l.entry = entry;
  l.origin = sts::PolicyOrigin::cache;
  return l;
}

StsAttempt attempt(std::optional<sts::Mode> mode, LocalEnforcement local = LocalEnforcement::policy,
                   bool applies = true) {
  sts::PolicyLookup l = lookup_with(mode);
  sts::Decision d = sts::decide(l.policy(), local);
  return StsAttempt(std::move(l), std::move(d), applies);
}

const SessionFacts kFacts{"mx1.example.test", "192.0.2.25", "192.0.2.1", "mx1.example.test"};

TEST(TlsOutcomeOf, MapsEveryCertificateCase) {
  struct Row {
    const char* name;
    Cert cert;
    std::optional<ResultType> expected;
  };
  const Row rows[] = {
      {"no STARTTLS", Cert::none, ResultType::starttls_not_supported},
      {"handshake failed", Cert::handshake_fails, ResultType::validation_failure},
      {"verified", Cert::verified, std::nullopt},
      {"expired", Cert::expired, ResultType::certificate_expired},
      {"self-signed", Cert::untrusted, ResultType::certificate_not_trusted},
      {"wrong host", Cert::wrong_host, ResultType::certificate_host_mismatch},
      // Agrees with net::failure_type(): a chain error under a trusted root.
      {"not yet valid", Cert::not_yet_valid, ResultType::validation_failure},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    const smtp::TlsStage s = stage(row.cert);
    EXPECT_EQ(sts::tls_failure_type(tls_outcome_of(s)), row.expected);
    const auto net_type = s.failure_type();
    EXPECT_EQ(net_type.has_value(), row.expected.has_value());
    if (net_type && row.expected) {
      EXPECT_EQ(net::to_string(*net_type), sts::to_string(*row.expected));
    }
  }
}

TEST(TlsOutcomeOf, RefusedStartTlsIsNotSupported) {
  smtp::TlsStage s;
  s.offered = true;  // listed, but the STARTTLS command got 454: no handshake
  EXPECT_EQ(sts::tls_failure_type(tls_outcome_of(s)), ResultType::starttls_not_supported);
}

TEST(StsAttempt, SessionVerdictTokensAndRecords) {
  struct Row {
    const char* name;
    std::optional<sts::Mode> mode;
    LocalEnforcement local;
    Cert cert;
    Action action;
    const char* mx_field;
    std::optional<ResultType> recorded;
  };
  const Row rows[] = {
      {"enforce, verified", sts::Mode::enforce, LocalEnforcement::policy, Cert::verified,
       Action::proceed, "mx1.example.test:ok", std::nullopt},
      {"enforce, expired", sts::Mode::enforce, LocalEnforcement::policy, Cert::expired,
       Action::abandon_host, "mx1.example.test:abandoned:certificate-expired",
       ResultType::certificate_expired},
      {"enforce, no STARTTLS", sts::Mode::enforce, LocalEnforcement::policy, Cert::none,
       Action::abandon_host, "mx1.example.test:abandoned:starttls-not-supported",
       ResultType::starttls_not_supported},
      {"enforce lowered locally", sts::Mode::enforce, LocalEnforcement::testing,
       Cert::wrong_host, Action::proceed_but_report,
       "mx1.example.test:would-defer:certificate-host-mismatch",
       ResultType::certificate_host_mismatch},
      {"testing policy", sts::Mode::testing, LocalEnforcement::policy, Cert::untrusted,
       Action::proceed_but_report, "mx1.example.test:report:certificate-not-trusted",
       ResultType::certificate_not_trusted},
      {"mode none: opportunistic, unverified is a success", sts::Mode::none,
       LocalEnforcement::policy, Cert::untrusted, Action::proceed, "mx1.example.test:ok",
       std::nullopt},
      {"no policy, no STARTTLS is a failure", std::nullopt, LocalEnforcement::policy,
       Cert::none, Action::proceed, "", ResultType::starttls_not_supported},
      {"no policy, untrusted is a success", std::nullopt, LocalEnforcement::policy,
       Cert::untrusted, Action::proceed, "", std::nullopt},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    StsAttempt a = attempt(row.mode, row.local);
    const sts::Verdict before = a.before_connect("mx1.example.test", kNow);
    EXPECT_EQ(before.action, Action::proceed);
    const smtp::TlsStage s = stage(row.cert);
    const sts::Verdict v = a.session_done(before, tls_outcome_of(s), kFacts, kNow);
    EXPECT_EQ(v.action, row.action);
    EXPECT_EQ(a.mx_field(), row.mx_field);
    EXPECT_EQ(a.any_abandoned(), row.action == Action::abandon_host);
    const auto records = a.take_records();
    ASSERT_EQ(records.size(), 1u);
    EXPECT_EQ(records[0].result_type, row.recorded);
    EXPECT_EQ(records[0].policy_domain, "example.test");
    EXPECT_EQ(records[0].receiving_ip, "192.0.2.25");
    EXPECT_EQ(records[0].sending_mta_ip, "192.0.2.1");
    EXPECT_EQ(records[0].receiving_mx_helo, "mx1.example.test");
    EXPECT_EQ(records[0].policy_type,
              row.mode ? tlsrpt::PolicyType::sts : tlsrpt::PolicyType::no_policy_found);
    EXPECT_TRUE(a.take_records().empty());
  }
}

TEST(StsAttempt, UnlistedMxIsNotConnectedUnderEnforce) {
  StsAttempt a = attempt(sts::Mode::enforce);
  const sts::Verdict v = a.before_connect("backup.example.net", kNow);
  EXPECT_EQ(v.action, Action::abandon_host);
  EXPECT_EQ(a.mx_field(), "backup.example.net:abandoned:not-listed");
  // Wildcards match one label only (RFC 8461 §4.1).
  EXPECT_EQ(a.before_connect("a.mx.example.test", kNow).action, Action::proceed);
  EXPECT_EQ(a.before_connect("a.b.mx.example.test", kNow).action, Action::abandon_host);
  const auto reply = a.defer_reply();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->code, 451);
  EXPECT_EQ(reply->enhanced_code, "4.7.5");
  EXPECT_NE(reply->text.find("backup.example.net: not listed in the policy"), std::string::npos);
  const auto records = a.take_records();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].receiving_mx_hostname, "backup.example.net");
  EXPECT_EQ(records[0].result_type, ResultType::validation_failure);
  EXPECT_EQ(records[0].mx_host, (std::vector<std::string>{"mx1.example.test", "*.mx.example.test"}));
}

TEST(StsAttempt, UnlistedMxUnderTestingIsTriedAndReportedOnce) {
  StsAttempt a = attempt(sts::Mode::testing);
  const sts::Verdict before = a.before_connect("backup.example.net", kNow);
  EXPECT_EQ(before.action, Action::proceed_but_report);
  EXPECT_TRUE(a.take_records().empty());  // the session that follows is the one recorded
  SessionFacts facts = kFacts;
  facts.mx_host = "backup.example.net";
  const sts::Verdict v =
      a.session_done(before, tls_outcome_of(stage(Cert::expired)), facts, kNow);
  EXPECT_EQ(v.action, Action::proceed_but_report);
  EXPECT_EQ(a.mx_field(), "backup.example.net:report:not-listed");
  const auto records = a.take_records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].result_type, ResultType::validation_failure);
}

TEST(StsAttempt, NoStartTlsEverywhereDefersWith474) {
  StsAttempt a = attempt(sts::Mode::enforce);
  a.session_done(a.before_connect("mx1.example.test", kNow), tls_outcome_of(stage(Cert::none)),
                 kFacts, kNow);
  const auto reply = a.defer_reply();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->to_string().substr(0, 9), "451 4.7.4");
}

TEST(StsAttempt, FetchFailureWithoutCacheIsRecordedForEverySession) {
  sts::PolicyLookup l = lookup_with(std::nullopt);
  l.fetch_failure = sts::PolicyFetchFailure{sts::FetchError::http_status,
                                            ResultType::sts_policy_fetch_error, "HTTP 404"};
  sts::Decision d = sts::decide(nullptr, LocalEnforcement::policy);
  StsAttempt a(std::move(l), std::move(d), true);
  const sts::Verdict v = a.session_done(a.before_connect("mx1.example.test", kNow),
                                        tls_outcome_of(stage(Cert::verified)), kFacts, kNow);
  EXPECT_EQ(v.action, Action::proceed);
  const auto records = a.take_records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].policy_type, tlsrpt::PolicyType::no_policy_found);
  EXPECT_EQ(records[0].result_type, ResultType::sts_policy_fetch_error);
  EXPECT_EQ(records[0].failure_reason_code, "HTTP 404");
}

TEST(StsAttempt, SwitchedOffLocallyJudgesAndRecordsNothing) {
  StsAttempt a = attempt(sts::Mode::enforce, LocalEnforcement::off, false);
  EXPECT_EQ(a.before_connect("elsewhere.example.net", kNow).action, Action::proceed);
  a.session_done({}, tls_outcome_of(stage(Cert::expired)), kFacts, kNow);
  EXPECT_TRUE(a.take_records().empty());
  EXPECT_EQ(a.mode_field(), "");
  EXPECT_EQ(a.mx_field(), "");
}

TEST(StsAttempt, LogFieldsNameThePolicy) {
  StsAttempt a = attempt(sts::Mode::enforce);
  EXPECT_EQ(a.mode_field(), "enforce");
  EXPECT_EQ(a.id_field(), "20261128");
  StsAttempt none = attempt(std::nullopt);
  EXPECT_EQ(none.mode_field(), "");
  EXPECT_EQ(none.id_field(), "");
}

}  // namespace
}  // namespace stsrelay::delivery
