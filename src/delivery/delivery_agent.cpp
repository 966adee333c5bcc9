// The scheduler half of the delivery agent: wake-ups, claiming within the concurrency limits,
// one coroutine per job, and the graceful stop. The job itself is deliver_job.cpp.
#include "src/delivery/delivery_agent.hpp"

#include <algorithm>
#include <utility>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "src/delivery/agent_impl.hpp"
#include "src/delivery/job_state.hpp"
#include "src/net/tls_client_context.hpp"

namespace stsrelay::delivery {
namespace asio = boost::asio;
namespace {

// The longest the scheduler sleeps without a wake-up; the queue's wake-ups (new mail, results,
// CLI changes) and the next due time normally come first.
constexpr std::chrono::milliseconds kMaxIdle{60000};
// When due work waits only for a busy domain, a finishing job wakes the scheduler; this bounds
// the wait for other domains' work that becomes due meanwhile.
constexpr std::chrono::milliseconds kBusyRecheck{1000};
constexpr std::chrono::milliseconds kClaimErrorRetry{5000};

asio::awaitable<void> quit_session(PooledSession s) {
  co_await s.session->quit();
}

}  // namespace

PoolLimits pool_limits(const DeliverySettings& s) {
  return {s.reuse_idle, s.reuse_max_transactions, s.reuse_max_idle_sessions};
}

DeliveryAgent::Impl::Impl(asio::io_context& io, queue::Store& store, net::Resolver& resolver,
                          core::Clock& clock, DeliverySettings settings,
                          PolicyServices services)
    : strand_(asio::make_strand(io)),
      store_(store),
      resolver_(resolver),
      clock_(clock),
      services_(services),
      settings_(std::move(settings)),
      wake_timer_(strand_),
      stop_timer_(strand_) {}

void DeliveryAgent::Impl::begin() {
  std::weak_ptr<Impl> weak = weak_from_this();
  // The listener runs on whichever thread changed the queue: hand the wake-up to the strand.
  store_.set_work_listener([weak] {
    if (auto self = weak.lock()) asio::post(self->strand_, [self] { self->wake(); });
  });
  asio::co_spawn(strand_, schedule(shared_from_this()), asio::detached);
}

void DeliveryAgent::Impl::wake() { wake_timer_.cancel(); }

asio::awaitable<void> DeliveryAgent::Impl::schedule(std::shared_ptr<Impl> self) {
  // Cleared however the loop ends, an exception included, so the health check sees it.
  struct Running {
    explicit Running(bool& flag) : flag_(flag) { flag_ = true; }
    ~Running() { flag_ = false; }
    bool& flag_;
  } running(self->scheduling_);
  while (!self->stopping_) {
    self->claim_and_spawn();
    if (self->stopping_) break;
    self->quit_sessions(self->pool_.expire(std::chrono::steady_clock::now(),
                                           pool_limits(self->settings_)));
    self->wake_timer_.expires_after(self->idle_wait());
    boost::system::error_code ec;
    co_await self->wake_timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

void DeliveryAgent::Impl::claim_and_spawn() {
  const std::size_t limit = std::max<std::size_t>(settings_.concurrency, 1);
  const std::size_t per_domain = std::max<std::size_t>(settings_.per_domain_concurrency, 1);
  if (active_ >= limit) return;
  queue::ClaimLimits limits;
  limits.max_jobs = limit - active_;
  limits.domain_room = [this, per_domain](std::string_view domain) -> std::size_t {
    auto it = per_domain_.find(std::string(domain));
    const std::size_t running = it == per_domain_.end() ? 0 : it->second;
    return running < per_domain ? per_domain - running : 0;
  };
  auto jobs = store_.claim_due(clock_.now(), limits);
  if (!jobs) {
    spdlog::error("delivery: claiming due mail failed: {}", jobs.error().message);
    return;
  }
  // One claim may hold several jobs of one domain; those beyond its limit go back at once.
  std::vector<std::int64_t> excess;
  for (auto& job : *jobs) {
    std::size_t& running = per_domain_[job.domain];
    if (running >= per_domain || active_ >= limit) {
      for (const auto& r : job.recipients) excess.push_back(r.id);
      continue;
    }
    ++running;
    ++active_;
    asio::co_spawn(strand_, job_main(shared_from_this(), std::move(job)), asio::detached);
  }
  if (!excess.empty()) store_.release(excess);
}

std::chrono::milliseconds DeliveryAgent::Impl::idle_wait() {
  using std::chrono::milliseconds;
  milliseconds wait = kMaxIdle;
  if (pool_.size() > 0) {
    wait = std::min(wait, std::chrono::duration_cast<milliseconds>(settings_.reuse_idle));
  }
  if (active_ >= std::max<std::size_t>(settings_.concurrency, 1)) return wait;
  auto due = store_.next_due();
  if (!due) {
    spdlog::error("delivery: reading the next due time failed: {}", due.error().message);
    return std::min(wait, kClaimErrorRetry);
  }
  if (!*due) return wait;
  const auto now = clock_.now();
  if (**due <= now) return std::min(wait, kBusyRecheck);
  // Round up so that the work is due when the timer fires.
  auto until = std::chrono::duration_cast<milliseconds>(**due - now) + milliseconds(1);
  return std::min(wait, until);
}

asio::awaitable<void> DeliveryAgent::Impl::job_main(std::shared_ptr<Impl> self,
                                                    queue::DeliveryJob job) {
  const std::string domain = job.domain;
  const std::string message_id = job.message_id;
  const std::vector<std::int64_t> ids = recipient_ids(job);
  bool slot_held = true;
  const std::function<void()> destination_done = [&self, &domain, &slot_held] {
    if (!slot_held) return;
    slot_held = false;
    self->domain_slot_free(domain);
  };
  bool failed = false;
  try {
    co_await run_job(self, std::move(job), destination_done);
  } catch (const std::exception& e) {
    // A bug, not a delivery outcome: keep the recipients queued and the slot accounting right.
    spdlog::error("delivery: {}: the attempt failed unexpectedly: {}; the recipients stay queued",
                  message_id, e.what());
    failed = true;
  }
  if (failed) self->store_.release(ids);
  destination_done();
  self->job_finished();
}

void DeliveryAgent::Impl::domain_slot_free(const std::string& domain) {
  auto it = per_domain_.find(domain);
  if (it != per_domain_.end() && --it->second == 0) per_domain_.erase(it);
  if (!stopping_) wake();
}

void DeliveryAgent::Impl::job_finished() {
  --active_;
  if (stopping_) {
    if (active_ == 0) finish_stop();
    return;
  }
  wake();
}

void DeliveryAgent::Impl::quit_sessions(std::vector<PooledSession> sessions) {
  for (auto& s : sessions) asio::co_spawn(strand_, quit_session(std::move(s)), asio::detached);
}

double DeliveryAgent::Impl::random_unit() {
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
}

double jitter(DeliveryAgent::Impl& impl) { return impl.random_unit(); }

void DeliveryAgent::Impl::stop(std::chrono::milliseconds grace,
                               std::function<void(std::size_t)> done) {
  stopping_ = true;
  stop_done_ = std::move(done);
  store_.set_work_listener({});
  wake_timer_.cancel();
  quit_sessions(pool_.drain());
  if (active_ == 0) {
    finish_stop();
    return;
  }
  spdlog::info("delivery: stopping; {} deliveries in progress get {}ms", active_, grace.count());
  stop_timer_.expires_after(grace);
  stop_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (!ec) self->finish_stop();
  });
}

void DeliveryAgent::Impl::finish_stop() {
  if (!stop_done_) return;
  stop_timer_.cancel();
  if (active_ > 0) {
    spdlog::warn("delivery: {} deliveries still in progress are abandoned; their recipients "
                 "stay queued and are due again at the next start",
                 active_);
  }
  auto done = std::move(stop_done_);
  stop_done_ = nullptr;
  done(active_);
}

// ---- DeliveryAgent -----------------------------------------------------------------------

DeliveryAgent::DeliveryAgent(asio::io_context& io, queue::Store& store, net::Resolver& resolver,
                             core::Clock& clock, DeliverySettings settings,
                             PolicyServices services)
    : impl_(std::make_shared<Impl>(io, store, resolver, clock, std::move(settings), services)) {}

DeliveryAgent::~DeliveryAgent() { impl_->store_.set_work_listener({}); }

core::Status DeliveryAgent::start() {
  auto tls = net::make_client_tls_context(impl_->settings_.ca_file);
  if (!tls) return tls.error();
  auto impl = impl_;
  auto context = std::move(*tls);
  asio::post(impl->strand_, [impl, context] {
    impl->tls_ = context;
    impl->begin();
  });
  return core::Ok{};
}

core::Result<DeliveryAgent::Prepared> DeliveryAgent::prepare(DeliverySettings settings) const {
  auto tls = net::make_client_tls_context(settings.ca_file);
  if (!tls) return tls.error();
  return Prepared{std::move(settings), std::move(*tls)};
}

void DeliveryAgent::commit(Prepared prepared) {
  auto impl = impl_;
  auto next = std::make_shared<Prepared>(std::move(prepared));
  asio::post(impl->strand_, [impl, next] {
    impl->tls_ = next->tls;
    impl->settings_ = std::move(next->settings);
    impl->wake();  // a larger concurrency may allow more jobs now
  });
}

core::Status DeliveryAgent::reconfigure(DeliverySettings settings) {
  auto prepared = prepare(std::move(settings));
  if (!prepared) return prepared.error();
  commit(std::move(*prepared));
  return core::Ok{};
}

std::map<AttemptKey, std::uint64_t> DeliveryAgent::attempt_counts() const {
  return impl_->counters_.snapshot();
}

std::vector<std::pair<std::string, core::DurationHistogram::Snapshot>>
DeliveryAgent::stage_times() const {
  return impl_->stages_.snapshot();
}

void DeliveryAgent::async_check(std::function<void(bool scheduling)> done) {
  auto impl = impl_;
  asio::post(impl->strand_, [impl, done = std::move(done)] { done(impl->scheduling_); });
}

void DeliveryAgent::async_stop(std::chrono::milliseconds grace,
                               std::function<void(std::size_t abandoned)> done) {
  auto impl = impl_;
  asio::post(impl->strand_, [impl, grace, done = std::move(done)]() mutable {
    impl->stop(grace, std::move(done));
  });
}

}  // namespace stsrelay::delivery
