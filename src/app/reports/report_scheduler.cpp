#include "src/app/reports/report_scheduler.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include <atomic>
#include <random>

#include "src/app/daemon/cluster_services.hpp"
#include "src/app/reports/report_schedule.hpp"
#include "src/app/reports/report_service.hpp"
#include "src/net/https_client.hpp"
#include "tlsrpt/counter_store.hpp"
#include "tlsrpt/recorder.hpp"
#include "tlsrpt/report_store.hpp"

namespace stsrelay::app {
namespace asio = boost::asio;

class ReportScheduler::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(const asio::any_io_executor& ex, const core::Clock& clock)
      : strand_(asio::make_strand(ex)), timer_(strand_), clock_(clock) {}

  static asio::awaitable<void> loop(std::shared_ptr<Impl> self) {
    while (!self->stopped_) {
      auto next = co_await self->service_->next_due();
      const ReportPlan plan =
          plan_reports(self->clock_.now(), self->last_built_, self->send_at_, self->delay_,
                       next ? *next : std::nullopt);
      if (plan.build) {
        self->note_handover(*plan.build,
                            co_await self->service_->build_day(*plan.build, std::nullopt, false));
        self->last_built_ = plan.build;
        self->delay_ = random_delay(self->max_delay_);  // the next day's run gets its own
        co_await self->service_->prune(self->clock_.now() - self->retention_);
      } else if (self->handover_at_ && self->clock_.now() >= *self->handover_at_) {
        // A fleet: reports another node held at the daily run; taken over if it died.
        const tlsrpt::Day day = self->handover_day_;
        self->handover_at_.reset();
        self->note_handover(day, co_await self->service_->build_day(day, std::nullopt, false));
      }
      if (self->stopped_) break;
      co_await self->service_->send_due();
      if (self->stopped_) break;
      // The plan's wake-up is in system time; the timer counts steady time from now.
      core::SysTime wake = plan.wake;
      if (self->handover_at_) wake = std::min(wake, *self->handover_at_);
      const auto wait = wake - self->clock_.now();
      self->timer_.expires_after(std::max(std::chrono::duration_cast<std::chrono::milliseconds>(wait),
                                          std::chrono::milliseconds(1000)));
      boost::system::error_code ec;
      co_await self->timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
  }

  // The earliest end of another node's lease the run met: look again just after it.
  void note_handover(tlsrpt::Day day, const std::vector<BuildOutcome>& built) {
    for (const BuildOutcome& b : built) {
      if (!b.held_until) continue;
      const core::SysTime at = *b.held_until + std::chrono::seconds(1);
      if (!handover_at_ || at < *handover_at_) handover_at_ = at;
      handover_day_ = day;
    }
  }

  // Up to `max`, inclusive of 0; none when `max` is 0.
  static std::chrono::seconds random_delay(std::chrono::seconds max) {
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    if (max.count() <= 0) return std::chrono::seconds(0);
    return std::chrono::seconds(rng() % static_cast<std::uint64_t>(max.count()));
  }

  asio::strand<asio::any_io_executor> strand_;  // the loop and stop() run here, one at a time
  asio::steady_timer timer_;
  const core::Clock& clock_;
  std::unique_ptr<tlsrpt::CounterStore> own_counters_;  // tlsrpt.db, when not in a fleet
  tlsrpt::CounterReader* counters_ = nullptr;
  std::unique_ptr<tlsrpt::ReportStore> own_reports_;  // tlsrpt.db, when not in a fleet
  tlsrpt::ReportStorage* reports_ = nullptr;
  std::unique_ptr<net::HttpsClient> https_;
  std::unique_ptr<ReportService> service_;
  std::optional<tlsrpt::Day> last_built_;
  std::optional<core::SysTime> handover_at_;
  tlsrpt::Day handover_day_{};
  std::chrono::minutes send_at_{30};
  std::chrono::seconds delay_{0};
  std::chrono::seconds max_delay_{3600};
  std::chrono::seconds retention_{30 * 86400};
  std::atomic<bool> stopped_{false};
};

core::Result<std::unique_ptr<ReportScheduler>> ReportScheduler::start(
    const asio::any_io_executor& ex, net::Resolver& dns, queue::Store& queue,
    tlsrpt::Recorder& recorder, const Config& config, const std::filesystem::path& state_dir,
    const core::Clock& clock,
    std::function<std::shared_ptr<const dkim::SigningKeys>()> signing_keys,
    ClusterServices* cluster) {
  auto impl = std::make_shared<Impl>(ex, clock);
  const std::filesystem::path db = state_dir / "tlsrpt.db";
  if (cluster != nullptr) {
    impl->counters_ = &cluster->counter_reader();
    impl->reports_ = &cluster->report_store();
  } else {
    auto counters = tlsrpt::CounterStore::open(db);
    if (!counters) return counters.error();
    impl->own_counters_ = std::move(*counters);
    impl->counters_ = impl->own_counters_.get();
    auto reports = tlsrpt::ReportStore::open(db);
    if (!reports) return reports.error();
    impl->own_reports_ = std::move(*reports);
    impl->reports_ = impl->own_reports_.get();
  }
  auto https = net::HttpsClient::create(ex, dns, {config.delivery.ca_file});
  if (!https) return https.error();
  impl->https_ = std::move(*https);
  ReportSettings settings;
  settings.meta = {config.tlsrpt.organization_name, config.tlsrpt.contact_info,
                   config.tlsrpt.submitter};
  settings.dkim_selector = config.tlsrpt.dkim_selector;
  settings.dkim_key_file = config.tlsrpt.dkim_key_file;
  settings.signing_keys = std::move(signing_keys);
  impl->service_ = std::make_unique<ReportService>(
      ReportDeps{dns, *impl->https_, queue, *impl->counters_, *impl->reports_, &recorder, clock,
                 cluster != nullptr ? &cluster->report_leases() : nullptr},
      std::move(settings));
  impl->send_at_ = config.tlsrpt.send_at;
  impl->retention_ = config.tlsrpt.retention;
  impl->max_delay_ = config.tlsrpt.max_send_delay;
  impl->delay_ = Impl::random_delay(impl->max_delay_);
  asio::co_spawn(impl->strand_, Impl::loop(impl), [](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      spdlog::error("tlsrpt: the report sender stopped: {}", ex.what());
    }
  });
  return std::unique_ptr<ReportScheduler>(new ReportScheduler(std::move(impl)));
}

ReportScheduler::ReportScheduler(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

ReportScheduler::~ReportScheduler() { stop(); }

void ReportScheduler::stop() {
  if (!impl_) return;
  impl_->stopped_ = true;
  auto impl = impl_;
  asio::post(impl->strand_, [impl] { impl->timer_.cancel(); });
}

}  // namespace stsrelay::app
