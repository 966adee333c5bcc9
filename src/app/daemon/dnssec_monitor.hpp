// Watches whether the resolvers in delivery.dns_servers validate DNSSEC (net/dnssec_probe.hpp)
// while DANE is on for some domain (dnssec_monitor_settings): a probe at start, again every
// 10 minutes (every minute while it could not tell) and at once after a reload, so a resolver
// that starts or stops validating is noticed. It logs the first result and then only changes;
// resolvers that do not validate get one warning, and the delivery resolver's gate
// (net/dnssec_gate.hpp) then treats every answer as insecure, so DANE never applies and never
// sees a "secure" nobody validated. A probe that could not tell changes nothing: the gate keeps
// what the last answer said (at start: the AD bit is believed as sent, as before the probe; a
// resolver that cannot be reached answers delivery's queries no better).
//
// /healthz and the metrics read last(); the line they show is dnssec_health_detail's (pure).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/any_io_executor.hpp>

#include "src/net/dnssec_gate.hpp"
#include "src/net/dnssec_probe.hpp"

namespace stsrelay::app {

struct Config;

struct DnssecMonitorSettings {
  bool enabled = true;           // DANE applies to some domain: probe
  std::string probe_name = ".";  // [dane] validation_probe
  std::chrono::seconds interval{600};
  std::chrono::seconds retry{60};  // after a probe that could not tell
};

// DANE is on for some domain: the global mode or an override is not "off", or a route's floor
// is dane or dane-only.
DnssecMonitorSettings dnssec_monitor_settings(const Config& config);

// Whether delivery believes the AD bit after `probe`, given what it believed before.
bool trust_ad_after(const net::ValidationProbe& probe, bool trusted_before);

// The /healthz line after "dnssec ": "validating", "not validating: DANE off (...)", "unknown:
// ...", "not checked: dane.enforcement is off"; "not checked yet" before the first answer.
std::string dnssec_health_detail(bool enabled, const std::optional<net::ValidationProbe>& last);

class DnssecMonitor {
 public:
  // `probe_dns` is asked (best without a cache, so each probe reaches the resolvers); `gate` is
  // the delivery resolver's. Both must outlive the monitor. Probes at once when enabled.
  DnssecMonitor(boost::asio::any_io_executor ex, net::Resolver& probe_dns, net::DnssecGate& gate,
                DnssecMonitorSettings settings);
  ~DnssecMonitor();
  DnssecMonitor(const DnssecMonitor&) = delete;
  DnssecMonitor& operator=(const DnssecMonitor&) = delete;

  // Any thread: new settings (a reload), and a probe now when enabled.
  void reconfigure(DnssecMonitorSettings settings);
  void stop();  // no more probes; an answer still coming is ignored

  // Any thread: the last judgement, nullopt before the first one or while disabled.
  std::optional<net::ValidationProbe> last() const;
  bool enabled() const;

  class Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace stsrelay::app
