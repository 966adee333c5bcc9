#include "sts/policy_refresher.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <map>
#include <mutex>
#include <string>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "src/core/log_quote.hpp"
#include "src/core/logging.hpp"
#include "sts/refresh_schedule.hpp"

namespace stsrelay::sts {

class PolicyRefresher::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(boost::asio::any_io_executor ex, PolicyResolver& resolver, PolicyCache& cache,
       const core::Clock& clock, PolicyRefresherSettings settings)
      : strand_(boost::asio::make_strand(ex)),
        timer_(strand_),
        resolver_(resolver),
        cache_(cache),
        clock_(clock),
        settings_(settings),
        gate_(settings_.gate) {}

  void set_gate(RefreshGate gate) {
    std::lock_guard lock(mutex_);
    gate_ = std::move(gate);
  }

  void start() {
    boost::asio::post(strand_, [self = shared_from_this()] {
      if (!self->stopped_) self->arm();
    });
  }

  void stop() {
    stopped_ = true;
    boost::asio::post(strand_, [self = shared_from_this()] { self->timer_.cancel(); });
  }

  std::size_t sweep() {
    auto entries = cache_.list();
    if (!entries) {
      spdlog::error("mta-sts policy refresh sweep failed error={}",
                    core::log_value(entries.error().message));
      return 0;
    }
    const core::SysTime now = clock_.now();
    auto due = std::make_shared<std::map<std::string, CachedPolicy>>();
    for (const CacheListEntry& e : *entries) {
      auto state = cache_.load(e.domain);
      if (!state) {
        spdlog::error("mta-sts policy refresh sweep failed domain={} error={}",
                      core::log_value(e.domain), core::log_value(state.error().message));
        break;
      }
      if (!is_refresh_due(*state, now, settings_.tuning)) continue;
      due->emplace(e.domain, *state->cached);
    }
    const std::size_t found = due->size();
    if (due->empty()) return 0;
    auto go = [self = shared_from_this(), due](const std::vector<std::string>& chosen) {
      for (const std::string& domain : chosen) {
        auto it = due->find(domain);
        if (it == due->end()) continue;
        const CachedPolicy before = it->second;
        self->resolver_.refresh(domain, [self, before](PolicyLookup l) {
          self->record(l, before);
        });
      }
    };
    std::vector<std::string> names;
    for (const auto& [domain, _] : *due) names.push_back(domain);
    RefreshGate gate;
    {
      std::lock_guard lock(mutex_);
      gate = gate_;
    }
    if (!gate) {
      go(names);
      return found;
    }
    gate(std::move(names), std::move(go));
    return found;
  }

  unsigned consecutive_failures(std::string_view domain) const {
    std::lock_guard lock(mutex_);
    auto it = failures_.find(std::string(domain));
    return it == failures_.end() ? 0 : it->second;
  }

 private:
  void arm() {
    timer_.expires_after(settings_.interval);
    timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec || self->stopped_) return;
      self->sweep();
      self->arm();
    });
  }

  // Counts failures in a row and raises the alert when a policy that protects mail is about to
  // lapse (§10.2).
  void record(const PolicyLookup& l, const CachedPolicy& before) {
    unsigned failures = 0;
    {
      std::lock_guard lock(mutex_);
      if (!l.fetch_failure) {
        failures_.erase(l.domain);
        return;
      }
      failures = ++failures_[l.domain];
    }
    const PolicyFetchFailure& f = *l.fetch_failure;
    const auto left =
        std::chrono::duration_cast<std::chrono::seconds>(before.expires_at - clock_.now());
    if (is_refresh_alert(before.policy.mode, failures)) {
      spdlog::warn(
          "mta-sts alert: policy refresh keeps failing domain={} id={} mode={} failures={} "
          "expires_in={}s reason={} result_type={} detail={}",
          core::log_value(l.domain), core::log_value(before.id), to_string(before.policy.mode),
          failures, left.count(), to_string(f.error), to_string(f.result_type),
          core::log_value(f.detail));
    } else {
      spdlog::info("mta-sts policy refresh failed domain={} id={} mode={} failures={} reason={}",
                   core::log_value(l.domain), core::log_value(before.id),
                   to_string(before.policy.mode), failures, to_string(f.error));
    }
  }

  boost::asio::strand<boost::asio::any_io_executor> strand_;
  boost::asio::steady_timer timer_;
  PolicyResolver& resolver_;
  PolicyCache& cache_;
  const core::Clock& clock_;
  const PolicyRefresherSettings settings_;
  std::atomic<bool> stopped_{false};

  mutable std::mutex mutex_;
  std::map<std::string, unsigned> failures_;
  RefreshGate gate_;  // under mutex_
};

PolicyRefresher::PolicyRefresher(boost::asio::any_io_executor ex, PolicyResolver& resolver,
                                 PolicyCache& cache, const core::Clock& clock,
                                 PolicyRefresherSettings settings)
    : impl_(std::make_shared<Impl>(std::move(ex), resolver, cache, clock, settings)) {}

PolicyRefresher::~PolicyRefresher() { impl_->stop(); }

void PolicyRefresher::set_gate(RefreshGate gate) { impl_->set_gate(std::move(gate)); }
void PolicyRefresher::start() { impl_->start(); }
void PolicyRefresher::stop() { impl_->stop(); }
std::size_t PolicyRefresher::sweep() { return impl_->sweep(); }
unsigned PolicyRefresher::consecutive_failures(std::string_view domain) const {
  return impl_->consecutive_failures(domain);
}

}  // namespace stsrelay::sts
