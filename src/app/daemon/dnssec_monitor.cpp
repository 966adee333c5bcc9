#include "src/app/daemon/dnssec_monitor.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <spdlog/spdlog.h>

#include <mutex>
#include <utility>

#include "src/app/config/config.hpp"

namespace stsrelay::app {

namespace asio = boost::asio;

DnssecMonitorSettings dnssec_monitor_settings(const Config& config) {
  DnssecMonitorSettings s;
  s.enabled = config.dane.enforcement != sts::LocalEnforcement::off;
  for (const auto& [domain, mode] : config.dane.overrides) {
    if (mode != sts::LocalEnforcement::off) s.enabled = true;
  }
  // A route with a dane or dane-only floor asks for DANE whatever dane.enforcement says.
  for (const delivery::Route& route : config.routes) {
    if (route.tls == delivery::TlsFloor::dane || route.tls == delivery::TlsFloor::dane_only) {
      s.enabled = true;
    }
  }
  s.probe_name = config.dane.validation_probe;
  return s;
}

bool trust_ad_after(const net::ValidationProbe& probe, bool trusted_before) {
  switch (probe.state) {
    case net::Validation::validating: return true;
    case net::Validation::not_validating: return false;
    case net::Validation::unknown: break;
  }
  return trusted_before;
}

std::string dnssec_health_detail(bool enabled, const std::optional<net::ValidationProbe>& last) {
  if (!enabled) return "not checked: dane.enforcement is off";
  if (!last) return "not checked yet";
  switch (last->state) {
    case net::Validation::validating: return "validating";
    case net::Validation::not_validating: return "not validating: DANE off (" + last->reason + ")";
    case net::Validation::unknown: return "unknown: " + last->reason;
  }
  return "unknown";
}

class DnssecMonitor::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(asio::any_io_executor ex, net::Resolver& dns, net::DnssecGate& gate,
       DnssecMonitorSettings settings)
      : strand_(asio::make_strand(ex)), timer_(strand_), dns_(dns), gate_(gate),
        settings_(std::move(settings)) {}

  // Any thread.
  void reconfigure(DnssecMonitorSettings settings) {
    asio::post(strand_, [self = shared_from_this(), settings = std::move(settings)]() mutable {
      if (self->stopped_) return;
      const bool was_enabled = self->settings_.enabled;
      self->settings_ = std::move(settings);
      {
        std::lock_guard lock(self->mutex_);
        self->enabled_ = self->settings_.enabled;
        if (!self->enabled_) self->last_.reset();
      }
      if (!self->settings_.enabled) {
        // DANE is off everywhere: the AD bit no longer matters; believe it as sent, so that
        // turning DANE on again starts from the state before any probe.
        self->timer_.cancel();
        self->gate_.set_trusted(true);
        if (was_enabled) spdlog::info("dnssec: DANE is off; resolvers no longer probed");
        return;
      }
      self->probe();
    });
  }

  void stop() {
    asio::post(strand_, [self = shared_from_this()] {
      self->stopped_ = true;
      self->timer_.cancel();
    });
  }

  std::optional<net::ValidationProbe> last() const {
    std::lock_guard lock(mutex_);
    return last_;
  }
  bool enabled() const {
    std::lock_guard lock(mutex_);
    return enabled_;
  }

  // Strand only.
  void probe() {
    if (stopped_ || !settings_.enabled) return;
    const std::uint64_t round = ++round_;
    net::probe_validation(dns_, settings_.probe_name,
                          [self = shared_from_this(), round](net::ValidationProbe p) {
                            asio::post(self->strand_, [self, round, p = std::move(p)]() mutable {
                              self->judged(round, std::move(p));
                            });
                          });
  }

 private:
  // Strand only. An answer to a probe that a newer one replaced is dropped.
  void judged(std::uint64_t round, net::ValidationProbe p) {
    if (stopped_ || !settings_.enabled || round != round_) return;
    std::optional<net::ValidationProbe> before;
    {
      std::lock_guard lock(mutex_);
      before = last_;
      last_ = p;
    }
    gate_.set_trusted(trust_ad_after(p, gate_.trusted()));
    if (!before || before->state != p.state) log(p);
    timer_.expires_after(p.state == net::Validation::unknown ? settings_.retry
                                                              : settings_.interval);
    timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (!ec) self->probe();
    });
  }

  void log(const net::ValidationProbe& p) const {
    switch (p.state) {
      case net::Validation::validating:
        spdlog::info("dnssec: the resolvers validate DNSSEC: {}; DANE applies", p.reason);
        return;
      case net::Validation::not_validating:
        spdlog::warn("dnssec: the resolvers do not validate DNSSEC: {}; every answer is treated "
                     "as insecure, so DANE does not apply (point delivery.dns_servers at a "
                     "validating resolver)",
                     p.reason);
        return;
      case net::Validation::unknown:
        spdlog::warn("dnssec: {}; asking again in {}s", p.reason, settings_.retry.count());
        return;
    }
  }

  asio::strand<asio::any_io_executor> strand_;
  asio::steady_timer timer_;
  net::Resolver& dns_;
  net::DnssecGate& gate_;
  DnssecMonitorSettings settings_;  // strand only
  std::uint64_t round_ = 0;         // strand only
  bool stopped_ = false;            // strand only
  mutable std::mutex mutex_;
  std::optional<net::ValidationProbe> last_;  // under mutex_
  bool enabled_ = false;                      // under mutex_
};

DnssecMonitor::DnssecMonitor(asio::any_io_executor ex, net::Resolver& probe_dns,
                             net::DnssecGate& gate, DnssecMonitorSettings settings)
    : impl_(std::make_shared<Impl>(std::move(ex), probe_dns, gate, DnssecMonitorSettings{})) {
  impl_->reconfigure(std::move(settings));
}

DnssecMonitor::~DnssecMonitor() { impl_->stop(); }

void DnssecMonitor::reconfigure(DnssecMonitorSettings settings) {
  impl_->reconfigure(std::move(settings));
}
void DnssecMonitor::stop() { impl_->stop(); }
std::optional<net::ValidationProbe> DnssecMonitor::last() const { return impl_->last(); }
bool DnssecMonitor::enabled() const { return impl_->enabled(); }

}  // namespace stsrelay::app
