// The enforcement decision (RFC 8461 §4, §5; RFC 8460 §4.3) as an exhaustive truth table:
// policy mode × local enforcement × per-domain override × MX match × STARTTLS × certificate
// verdict → action and TLS-RPT result type. The expectations are written as small hand tables
// below, independent of the implementation's control flow.
#include "sts/enforcement.hpp"

#include <gtest/gtest.h>

#include <array>

#include "src/core/enum_names.hpp"

namespace stsrelay::sts {
namespace {

enum class Published { absent, none, testing, enforce };
enum class Cert { ok, handshake_failed, expired, untrusted, wrong_host };

constexpr core::EnumNameList<Published::enforce> kPublishedNames{
    {"no-policy", "none", "testing", "enforce"}, "?"};
constexpr core::EnumNameList<Cert::wrong_host> kCertNames{
    {"cert-ok", "handshake-failed", "expired", "untrusted", "wrong-host"}, "?"};

std::shared_ptr<const Policy> make_policy(Published p) {
  if (p == Published::absent) return nullptr;
  Mode mode = p == Published::none      ? Mode::none
              : p == Published::testing ? Mode::testing
                                        : Mode::enforce;
  return std::make_shared<const Policy>(
      Policy{mode, 86400, {"mx1.example.com", "*.mx.example.com"}, {}});
}

TlsOutcome make_tls(bool starttls, Cert cert) {
  TlsOutcome t;
  t.offered_starttls = starttls;
  if (!starttls) return t;
  t.handshake_ok = cert != Cert::handshake_failed;
  if (!t.handshake_ok) return t;
  t.expired = cert == Cert::expired;
  // OpenSSL leaves an expired leaf unverified as well.
  t.chain_verified = cert != Cert::untrusted && cert != Cert::expired;
  t.host_matched = cert != Cert::wrong_host;
  t.openssl_reason = cert == Cert::ok ? "" : "openssl says no";
  return t;
}

// Hand table 1: the level, from the published mode and the effective local setting.
Level expected_level(Published p, LocalEnforcement local) {
  using enum Level;
  // A row for each Published (absent, none, testing, enforce), a column for each
  // LocalEnforcement (policy, testing, off).
  static constexpr Level table[4][3] = {
      {opportunistic, opportunistic, opportunistic},
      {opportunistic, opportunistic, opportunistic},
      {report_only, report_only, opportunistic},
      {enforce, report_only, opportunistic},
  };
  return table[static_cast<int>(p)][static_cast<int>(local)];
}

// Hand table 2: the result type of a TLS session with STARTTLS offered.
std::optional<ResultType> expected_tls_failure(Cert c) {
  switch (c) {
    case Cert::ok: return std::nullopt;
    case Cert::handshake_failed: return ResultType::validation_failure;
    case Cert::expired: return ResultType::certificate_expired;
    case Cert::untrusted: return ResultType::certificate_not_trusted;
    case Cert::wrong_host: return ResultType::certificate_host_mismatch;
  }
  return std::nullopt;
}

// Hand table 3: what a failure does at each level.
Action expected_action_on_failure(Level level) {
  switch (level) {
    case Level::enforce: return Action::abandon_host;
    case Level::report_only: return Action::proceed_but_report;
    case Level::opportunistic: return Action::proceed;
  }
  return Action::proceed;
}

// One attempt as the delivery agent runs it: permits_mx before connecting, judge after STARTTLS.
Verdict attempt(const Decision& d, std::string_view host, const TlsOutcome& tls) {
  Verdict before = d.permits_mx(host);
  if (before.action == Action::abandon_host) return before;
  return session_verdict(before, d.judge(tls));
}

TEST(Enforcement, ExhaustiveTruthTable) {
  const std::array published = {Published::absent, Published::none, Published::testing,
                                Published::enforce};
  const std::array locals = {LocalEnforcement::policy, LocalEnforcement::testing,
                             LocalEnforcement::off};
  const std::array<std::optional<LocalEnforcement>, 4> overrides = {
      std::nullopt, LocalEnforcement::policy, LocalEnforcement::testing, LocalEnforcement::off};
  const std::array certs = {Cert::ok, Cert::handshake_failed, Cert::expired, Cert::untrusted,
                            Cert::wrong_host};
  int rows = 0;
  for (Published p : published) {
    for (LocalEnforcement global : locals) {
      for (auto override_ : overrides) {
        for (bool listed : {true, false}) {
          for (bool starttls : {true, false}) {
            for (Cert cert : certs) {
              if (!starttls && cert != Cert::ok) continue;  // no certificate without STARTTLS
              ++rows;
              std::string row = std::string(kPublishedNames.name(p)) + " global=" +
                                std::string(to_string(global)) + " override=" +
                                (override_ ? std::string(to_string(*override_)) : "-") +
                                (listed ? " listed" : " unlisted") +
                                (starttls ? " starttls " : " no-starttls ") +
                                std::string(kCertNames.name(cert));
              SCOPED_TRACE(row);
              const LocalEnforcement local = override_.value_or(global);
              const Level level = expected_level(p, local);
              const Decision d = decide(make_policy(p), global, override_);
              EXPECT_EQ(to_string(d.level()), to_string(level));
              EXPECT_EQ(d.requires_tls(), level == Level::enforce);
              EXPECT_EQ(d.lowered_locally(),
                        p == Published::enforce && local == LocalEnforcement::testing);

              const std::string host = listed ? "a.mx.example.com" : "mx2.example.com";
              const Verdict v = attempt(d, host, make_tls(starttls, cert));

              // Expected failure: unlisted (only when a policy applies), then TLS.
              std::optional<ResultType> failure;
              std::string code;
              if (!listed && level != Level::opportunistic) {
                failure = ResultType::validation_failure;
                code = "4.7.5";
              } else if (!starttls) {
                failure = ResultType::starttls_not_supported;
                code = "4.7.4";
              } else {
                failure = expected_tls_failure(cert);
                code = "4.7.5";
              }
              EXPECT_EQ(v.result.has_value(), failure.has_value());
              if (v.result && failure) {
                EXPECT_EQ(to_string(*v.result), to_string(*failure));
              }
              const Action action = failure ? expected_action_on_failure(level) : Action::proceed;
              EXPECT_EQ(to_string(v.action), to_string(action));
              EXPECT_EQ(v.enhanced_code, action == Action::abandon_host ? code : "");
              EXPECT_EQ(v.reason.empty(), !failure.has_value());
            }
          }
        }
      }
    }
  }
  EXPECT_EQ(rows, 4 * 3 * 4 * 2 * (5 + 1));
}

TEST(Enforcement, RfcScenarios) {
  auto enforce = make_policy(Published::enforce);
  const TlsOutcome good = make_tls(true, Cert::ok);

  // §4.1: a listed MX with verified TLS goes ahead.
  Decision d = decide(enforce, LocalEnforcement::policy);
  EXPECT_EQ(d.permits_mx("mx1.example.com").action, Action::proceed);
  EXPECT_EQ(d.permits_mx("MX1.EXAMPLE.COM.").action, Action::proceed);
  EXPECT_EQ(d.judge(good).action, Action::proceed);
  EXPECT_FALSE(d.judge(good).result.has_value());
  // Wildcard covers one label only.
  EXPECT_EQ(d.permits_mx("a.mx.example.com").action, Action::proceed);
  EXPECT_EQ(d.permits_mx("mx.example.com").action, Action::abandon_host);
  EXPECT_EQ(d.permits_mx("a.b.mx.example.com").action, Action::abandon_host);

  // Override per domain beats the global setting, in both directions.
  EXPECT_EQ(decide(enforce, LocalEnforcement::off, LocalEnforcement::policy).level(),
            Level::enforce);
  EXPECT_EQ(decide(enforce, LocalEnforcement::policy, LocalEnforcement::off).level(),
            Level::opportunistic);
  EXPECT_EQ(decide(enforce, LocalEnforcement::policy, LocalEnforcement::testing).level(),
            Level::report_only);

  // The OpenSSL reason is kept in the public reason.
  Verdict expired = d.judge(make_tls(true, Cert::expired));
  EXPECT_EQ(expired.reason, "certificate expired (openssl says no)");
}

TEST(Enforcement, DeferReplySaysWhy) {
  const HostVerdict expired{"mx1.example.com",
                            {Action::abandon_host, ResultType::certificate_expired,
                             "certificate expired", "4.7.5"}};
  const HostVerdict unlisted{"mx9.example.net",
                             {Action::abandon_host, ResultType::validation_failure,
                              "not listed in the policy", "4.7.5"}};
  const HostVerdict plain{"mx2.example.com",
                          {Action::abandon_host, ResultType::starttls_not_supported,
                           "STARTTLS not offered", "4.7.4"}};
  struct Row {
    const char* name;
    std::vector<HostVerdict> hosts;
    std::string want;
  };
  const std::vector<Row> rows = {
      {"two hosts, same code", {expired, unlisted},
       "451 4.7.5 MTA-STS policy of example.com (enforce) allows no delivery now: "
       "mx1.example.com: certificate expired; mx9.example.net: not listed in the policy"},
      {"no STARTTLS anywhere: 4.7.4", {plain},
       "451 4.7.4 MTA-STS policy of example.com (enforce) allows no delivery now: "
       "mx2.example.com: STARTTLS not offered"},
      {"mixed codes: 4.7.5", {plain, expired},
       "451 4.7.5 MTA-STS policy of example.com (enforce) allows no delivery now: "
       "mx2.example.com: STARTTLS not offered; mx1.example.com: certificate expired"},
      {"no MX at all", {},
       "451 4.7.5 MTA-STS policy of example.com (enforce) allows no delivery now: "
       "no MX host to try"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    EXPECT_EQ(defer_reply("example.com", row.hosts).to_string(), row.want);
  }
  std::vector<HostVerdict> many(50, expired);
  DeferReply long_reply = defer_reply("example.com", many);
  EXPECT_LE(long_reply.text.size(), 400u);
  EXPECT_TRUE(long_reply.text.ends_with("..."));
}

TEST(ResultType, ToStringAndBack) {
  const std::array all = {ResultType::starttls_not_supported, ResultType::certificate_host_mismatch,
                          ResultType::certificate_expired, ResultType::certificate_not_trusted,
                          ResultType::validation_failure, ResultType::sts_policy_fetch_error,
                          ResultType::sts_policy_invalid, ResultType::sts_webpki_invalid,
                          ResultType::tlsa_invalid, ResultType::dnssec_invalid,
                          ResultType::dane_required};
  const std::array<std::string_view, 11> tokens = {
      "starttls-not-supported", "certificate-host-mismatch", "certificate-expired",
      "certificate-not-trusted", "validation-failure", "sts-policy-fetch-error",
      "sts-policy-invalid", "sts-webpki-invalid", "tlsa-invalid", "dnssec-invalid",
      "dane-required"};
  for (std::size_t i = 0; i < all.size(); ++i) {
    SCOPED_TRACE(tokens[i]);
    EXPECT_EQ(to_string(all[i]), tokens[i]);
    EXPECT_EQ(parse_result_type(tokens[i]), all[i]);
  }
  EXPECT_FALSE(parse_result_type("no-such-result").has_value());
}

TEST(ResultType, FetchErrors) {
  struct Row {
    FetchError error;
    std::string_view token;
    ResultType type;
  };
  const Row rows[] = {
      {FetchError::dns, "dns", ResultType::sts_policy_fetch_error},
      {FetchError::connect, "connect", ResultType::sts_policy_fetch_error},
      {FetchError::tls, "tls", ResultType::sts_webpki_invalid},
      {FetchError::http_status, "http-status", ResultType::sts_policy_fetch_error},
      {FetchError::redirect, "redirect", ResultType::sts_policy_fetch_error},
      {FetchError::content_type, "content-type", ResultType::sts_policy_fetch_error},
      {FetchError::too_large, "too-large", ResultType::sts_policy_fetch_error},
      {FetchError::timeout, "timeout", ResultType::sts_policy_fetch_error},
      {FetchError::http_syntax, "http-syntax", ResultType::sts_policy_fetch_error},
      {FetchError::syntax, "syntax", ResultType::sts_policy_invalid},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.token);
    EXPECT_EQ(to_string(row.error), row.token);
    EXPECT_EQ(result_type_for(row.error), row.type);
  }
}

TEST(Enforcement, LocalEnforcementTokens) {
  for (auto e : {LocalEnforcement::policy, LocalEnforcement::testing, LocalEnforcement::off}) {
    EXPECT_EQ(parse_local_enforcement(to_string(e)), e);
  }
  EXPECT_FALSE(parse_local_enforcement("enforce").has_value());
  EXPECT_FALSE(parse_local_enforcement("Policy").has_value());
}

}  // namespace
}  // namespace stsrelay::sts
