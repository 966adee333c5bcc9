// The pure parts of the DNSSEC validation monitor: what delivery believes after each probe,
// when it probes, and the /healthz line.
#include "src/app/daemon/dnssec_monitor.hpp"

#include <gtest/gtest.h>

#include "src/app/config/config.hpp"

namespace stsrelay::app {
namespace {

using net::Validation;
using net::ValidationProbe;

TEST(DnssecMonitor, TrustTheAdBitAfterAProbe) {
  const struct {
    const char* name;
    Validation state;
    bool before;
    bool after;
  } rows[] = {
      {"validating: believe AD", Validation::validating, false, true},
      {"still validating", Validation::validating, true, true},
      {"not validating: every answer insecure", Validation::not_validating, true, false},
      {"still not validating", Validation::not_validating, false, false},
      {"could not tell keeps trust", Validation::unknown, true, true},
      {"could not tell keeps distrust", Validation::unknown, false, false},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    EXPECT_EQ(trust_ad_after(ValidationProbe{row.state, "why"}, row.before), row.after);
  }
}

TEST(DnssecMonitor, HealthLine) {
  EXPECT_EQ(dnssec_health_detail(false, ValidationProbe{Validation::validating, "x"}),
            "not checked: dane.enforcement is off");
  EXPECT_EQ(dnssec_health_detail(true, std::nullopt), "not checked yet");
  EXPECT_EQ(dnssec_health_detail(true, ValidationProbe{Validation::validating, "x"}),
            "validating");
  EXPECT_EQ(dnssec_health_detail(true, ValidationProbe{Validation::not_validating, "no AD"}),
            "not validating: DANE off (no AD)");
  EXPECT_EQ(dnssec_health_detail(true, ValidationProbe{Validation::unknown, "SERVFAIL"}),
            "unknown: SERVFAIL");
}

TEST(DnssecMonitor, ProbesWhenDaneIsOnForSomeDomain) {
  Config c;
  EXPECT_TRUE(dnssec_monitor_settings(c).enabled);  // the default is "policy"
  EXPECT_EQ(dnssec_monitor_settings(c).probe_name, ".");
  c.dane.enforcement = sts::LocalEnforcement::off;
  EXPECT_FALSE(dnssec_monitor_settings(c).enabled);
  c.dane.overrides["signed.example"] = sts::LocalEnforcement::off;
  EXPECT_FALSE(dnssec_monitor_settings(c).enabled);
  delivery::Route route;
  route.tls = delivery::TlsFloor::dane_only;
  c.routes.push_back(route);
  EXPECT_TRUE(dnssec_monitor_settings(c).enabled);  // a route asks for DANE itself
  c.routes.clear();
  c.dane.overrides["other.example"] = sts::LocalEnforcement::testing;
  EXPECT_TRUE(dnssec_monitor_settings(c).enabled);
  c.dane.validation_probe = "test.";
  EXPECT_EQ(dnssec_monitor_settings(c).probe_name, "test.");
}

}  // namespace
}  // namespace stsrelay::app
