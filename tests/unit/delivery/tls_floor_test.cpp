// Route TLS floors and REQUIRETLS: every floor against every kind of session, the combination
// with MTA-STS verdicts, and the replies when hosts were abandoned.
#include "src/delivery/tls_floor.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string>

#include "table_test.hpp"

namespace stsrelay::delivery {
namespace {

// The next hop is relay.example.com; `secure` asks for example.com or below.
constexpr const char* kDomain = "example.com";

// The kinds of session a host can show, in the order of the columns below.
std::array<sts::TlsOutcome, 7> sessions() {
  std::array<sts::TlsOutcome, 7> s{};
  // 0: no STARTTLS offered.
  // 1: the handshake failed.
  s[1].offered_starttls = true;
  s[1].openssl_reason = "wrong version number";
  // 2: an untrusted chain that names the host.
  s[2].offered_starttls = s[2].handshake_ok = s[2].host_matched = true;
  s[2].openssl_reason = "self-signed certificate";
  s[2].dns_names = {"relay.example.com"};
  // 3: an expired chain.
  s[3] = s[2];
  s[3].expired = true;
  s[3].openssl_reason = "certificate has expired";
  // 4: a trusted chain naming another host of the domain, not the next-hop host.
  s[4].offered_starttls = s[4].handshake_ok = s[4].chain_verified = true;
  s[4].dns_names = {"mx.example.com"};
  // 5: a trusted chain naming the host, which is outside the domain.
  s[5].offered_starttls = s[5].handshake_ok = s[5].chain_verified = s[5].host_matched = true;
  s[5].dns_names = {"relay.other.net"};
  // 6: a trusted chain naming the host, inside the domain (a wildcard).
  s[6] = s[5];
  s[6].dns_names = {"*.example.com"};
  return s;
}

// One character per session kind: p proceed, 4 abandon with 4.7.4, 5 with 4.7.5, R with 5.7.30.
char verdict_char(const sts::Verdict& v) {
  if (v.action == sts::Action::proceed) return 'p';
  if (v.action != sts::Action::abandon_host) return '?';
  if (v.enhanced_code == "4.7.4") return '4';
  if (v.enhanced_code == "4.7.5") return '5';
  if (v.enhanced_code == "5.7.30") return 'R';
  return '!';
}

std::string judge_all(TlsFloor floor, bool requiretls) {
  TlsDemand demand{floor, "route[0]", kDomain, requiretls};
  std::string out;
  for (const sts::TlsOutcome& s : sessions()) out += verdict_char(judge_floor(demand, "relay.example.com", s));
  return out;
}

TEST(TlsFloor, EveryFloorAgainstEverySession) {
  struct In {
    TlsFloor floor;
    bool requiretls;
  };
  //                                           plain hs-fail untrusted expired other-host
  //                                           outside-domain in-domain
  const testing::Row<In, std::string> rows[] = {
      {"none", {TlsFloor::none, false}, "ppppppp"},
      {"may", {TlsFloor::may, false}, "ppppppp"},
      {"encrypt: TLS, any certificate", {TlsFloor::encrypt, false}, "44ppppp"},
      {"dane without TLSA records is may", {TlsFloor::dane, false}, "ppppppp"},
      {"dane-only without TLSA records", {TlsFloor::dane_only, false}, "4455555"},
      {"verify: chain and host", {TlsFloor::verify, false}, "44555pp"},
      {"secure: chain and domain", {TlsFloor::secure, false}, "4455p5p"},
      {"REQUIRETLS over may (an MX under a policy)", {TlsFloor::may, true}, "RRRRRpp"},
      {"REQUIRETLS over encrypt", {TlsFloor::encrypt, true}, "RRRRRpp"},
      {"REQUIRETLS over verify", {TlsFloor::verify, true}, "RRRRRpp"},
      {"REQUIRETLS over secure", {TlsFloor::secure, true}, "RRRRp5p"},
  };
  testing::expect_rows(rows, [](const In& in) { return judge_all(in.floor, in.requiretls); });
}

TEST(TlsFloor, DaneOnlyIsMetWhereDaneApplies) {
  TlsDemand demand{TlsFloor::dane_only, "route[0]", kDomain, false};
  demand.dane_applies = true;
  std::string out;
  for (const sts::TlsOutcome& s : sessions()) {
    out += verdict_char(judge_floor(demand, "relay.example.com", s));
  }
  EXPECT_EQ(out, "ppppppp") << "the DANE verdict, not the floor, judges these sessions";
}

TEST(TlsFloor, SecureToAConfiguredNextHopMatchesItsOwnName) {
  // No next-hop domain: the host's own name and its subdomains.
  const TlsDemand demand{TlsFloor::secure, "route[0]", "", false};
  sts::TlsOutcome tls = sessions()[6];
  tls.dns_names = {"*.example.com"};
  EXPECT_EQ(judge_floor(demand, "relay.example.com", tls).action, sts::Action::proceed);
  tls.dns_names = {"relay.example.com"};
  EXPECT_EQ(judge_floor(demand, "relay.example.com", tls).action, sts::Action::proceed);
  tls.dns_names = {"mx.example.com"};
  const sts::Verdict v = judge_floor(demand, "relay.example.com", tls);
  EXPECT_EQ(v.action, sts::Action::abandon_host);
  EXPECT_EQ(v.reason, "route[0] requires tls=secure: certificate does not name "
                      "relay.example.com or a subdomain");
}

TEST(TlsFloor, WhenTlsIsTriedAndWhenPlainTextMayFollow) {
  const testing::Row<TlsDemand, std::pair<bool, bool>> rows[] = {
      {"none: plain text only", {TlsFloor::none, "route[0]", kDomain, false}, {false, true}},
      {"may", {TlsFloor::may, "route[0]", kDomain, false}, {true, true}},
      {"dane", {TlsFloor::dane, "route[0]", kDomain, false}, {true, true}},
      {"encrypt", {TlsFloor::encrypt, "route[0]", kDomain, false}, {true, false}},
      {"verify", {TlsFloor::verify, "route[0]", kDomain, false}, {true, false}},
      {"secure", {TlsFloor::secure, "route[0]", kDomain, false}, {true, false}},
      {"dane-only", {TlsFloor::dane_only, "route[0]", kDomain, false}, {true, false}},
      {"REQUIRETLS over none", {TlsFloor::none, "route[0]", kDomain, true}, {true, false}},
      {"REQUIRETLS over may", {TlsFloor::may, "default", kDomain, true}, {true, false}},
  };
  testing::expect_rows(rows, [](const TlsDemand& d) {
    return std::pair<bool, bool>{attempts_tls(d), allows_plain(d)};
  });
}

TEST(TlsFloor, DomainOrSubdomainNames) {
  const testing::Row<std::pair<const char*, const char*>, bool> rows[] = {
      {"the domain", {"example.com", "example.com"}, true},
      {"a subdomain", {"mx1.example.com", "example.com"}, true},
      {"a deeper subdomain", {"a.b.example.com", "example.com"}, true},
      {"a wildcard below the domain", {"*.example.com", "example.com"}, true},
      {"a wildcard below a subdomain", {"*.mail.example.com", "example.com"}, true},
      {"a suffix that is not a label", {"badexample.com", "example.com"}, false},
      {"the parent", {"com", "example.com"}, false},
      {"a wildcard above the domain", {"*.com", "example.com"}, false},
      {"another domain", {"example.net", "example.com"}, false},
      {"a bare wildcard", {"*.", "example.com"}, false},
      {"a wildcard naming the domain itself", {"*.example.com", "relay.example.com"}, true},
      {"a wildcard naming a sibling only", {"*.other.com", "relay.example.com"}, false},
      {"no domain", {"example.com", ""}, false},
  };
  testing::expect_rows(rows, [](const std::pair<const char*, const char*>& in) {
    return names_domain_or_subdomain(in.first, in.second);
  });
}

sts::Verdict verdict(sts::Action action, const char* reason) {
  sts::Verdict v;
  v.action = action;
  v.reason = reason;
  if (action != sts::Action::proceed) v.result = sts::ResultType::validation_failure;
  return v;
}

TEST(TlsFloor, TheStrongerVerdictWins) {
  using A = sts::Action;
  const testing::Row<std::pair<A, A>, std::string> rows[] = {
      {"proceed, proceed", {A::proceed, A::proceed}, "floor"},
      {"proceed, report", {A::proceed, A::proceed_but_report}, "policy"},
      {"proceed, abandon", {A::proceed, A::abandon_host}, "policy"},
      {"report, proceed", {A::proceed_but_report, A::proceed}, "floor"},
      {"report, report: the first", {A::proceed_but_report, A::proceed_but_report}, "floor"},
      {"report, abandon", {A::proceed_but_report, A::abandon_host}, "policy"},
      {"abandon, proceed", {A::abandon_host, A::proceed}, "floor"},
      {"abandon, report", {A::abandon_host, A::proceed_but_report}, "floor"},
      {"abandon, abandon: the first", {A::abandon_host, A::abandon_host}, "floor"},
  };
  testing::expect_rows(rows, [](const std::pair<A, A>& in) {
    return stronger(verdict(in.first, "floor"), verdict(in.second, "policy")).reason;
  });
}

TEST(TlsFloor, RequireTlsNeedsAnAuthenticatedHop) {
  struct In {
    TlsFloor floor;
    bool via_mx;
    sts::Level level;
    bool requiretls = true;
  };
  using L = sts::Level;
  const testing::Row<In, bool> rows[] = {  // want: refused before any connection
      {"MX under an enforce policy", {TlsFloor::may, true, L::enforce}, false},
      {"MX under a testing policy", {TlsFloor::may, true, L::report_only}, false},
      {"MX without a policy", {TlsFloor::may, true, L::opportunistic}, true},
      {"MX without a policy, route verify", {TlsFloor::verify, true, L::opportunistic}, true},
      {"next hop with verify", {TlsFloor::verify, false, L::opportunistic}, false},
      {"next hop with secure", {TlsFloor::secure, false, L::opportunistic}, false},
      {"next hop with encrypt", {TlsFloor::encrypt, false, L::opportunistic}, true},
      {"next hop with may", {TlsFloor::may, false, L::opportunistic}, true},
      {"not a REQUIRETLS message", {TlsFloor::none, false, L::opportunistic, false}, false},
  };
  testing::expect_rows(rows, [](const In& in) {
    TlsDemand d{in.floor, "route[1]", kDomain, in.requiretls};
    return requiretls_refusal(d, in.via_mx, in.level).has_value();
  });
}

TEST(TlsFloor, RequireTlsWaitsWhileThePolicyIsUnknown) {
  const TlsDemand d{TlsFloor::may, "default", kDomain, true};
  const auto unknown = requiretls_refusal(d, true, sts::Level::opportunistic, true);
  ASSERT_TRUE(unknown);
  EXPECT_FALSE(unknown->permanent);
  const auto none = requiretls_refusal(d, true, sts::Level::opportunistic, false);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->permanent);
  EXPECT_NE(none->reason.find("example.com"), std::string::npos);
  // A policy that applies: nothing refused, whatever the lookup said before.
  EXPECT_FALSE(requiretls_refusal(d, true, sts::Level::enforce, true));
  // DNSSEC-secure MX records authenticate the MX names without a policy.
  EXPECT_FALSE(requiretls_refusal(d, true, sts::Level::opportunistic, false, true));
}

TEST(TlsFloor, TheReplyNamesTheFloorAndEachHost) {
  FloorAttempt attempt({TlsFloor::verify, "route[2]", kDomain, false});
  EXPECT_EQ(attempt.floor_field(), "verify/route[2]");
  EXPECT_FALSE(attempt.reply());
  const auto s = sessions();
  EXPECT_EQ(attempt.session_done("relay.example.com", s[6]).action, sts::Action::proceed);
  EXPECT_FALSE(attempt.any_abandoned());
  attempt.session_done("relay1.example.com", s[0]);
  attempt.session_done("relay2.example.com", s[2]);
  const auto reply = attempt.reply();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->to_string(),
            "451 4.7.5 route[2] requires tls=verify; relay1.example.com: no TLS offered; "
            "relay2.example.com: certificate not trusted (self-signed certificate)");
}

TEST(TlsFloor, NoTlsAtAnyHostIs474) {
  FloorAttempt attempt({TlsFloor::encrypt, "route[0]", kDomain, false});
  attempt.session_done("a.example.com", sessions()[0]);
  ASSERT_TRUE(attempt.reply());
  EXPECT_EQ(attempt.reply()->to_string(),
            "451 4.7.4 route[0] requires tls=encrypt; a.example.com: no TLS offered");
}

TEST(TlsFloor, RequireTlsMailBouncesWith5730) {
  FloorAttempt attempt({TlsFloor::may, "default", kDomain, true});
  EXPECT_EQ(attempt.floor_field(), "may+requiretls");
  attempt.note_refused("mx9.example.com", "not listed in the MTA-STS policy");
  attempt.session_done("mx1.example.com", sessions()[3]);
  const auto reply = attempt.reply();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->code, 550);
  EXPECT_EQ(reply->enhanced_code, "5.7.30");
  EXPECT_NE(reply->text.find("mx9.example.com: not listed"), std::string::npos) << reply->text;
  EXPECT_NE(reply->text.find("mx1.example.com: REQUIRETLS needs TLS with a verified "
                             "certificate: certificate expired"),
            std::string::npos)
      << reply->text;
}

}  // namespace
}  // namespace stsrelay::delivery
