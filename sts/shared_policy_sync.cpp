#include "sts/shared_policy_sync.hpp"

#include <spdlog/spdlog.h>

#include <map>
#include <mutex>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "src/core/log_quote.hpp"
#include "src/core/logging.hpp"
#include "sts/policy_parser.hpp"
#include "sts/shared_policy_merge.hpp"
#include "sts/shared_policy_store.hpp"

namespace stsrelay::sts {

class SharedPolicySync::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(boost::asio::any_io_executor ex, std::shared_ptr<db::PgWorker> worker,
       PolicyResolver& resolver, PolicyCache& cache, std::string node, const core::Clock& clock,
       SharedPolicySyncSettings settings)
      : strand_(boost::asio::make_strand(ex)),
        timer_(strand_),
        worker_(std::move(worker)),
        resolver_(resolver),
        cache_(cache),
        node_(std::move(node)),
        clock_(clock),
        settings_(settings) {}

  void start() {
    boost::asio::post(strand_, [self = shared_from_this()] {
      if (self->stopped_) return;
      self->read();
      self->arm();
    });
  }

  void stop() {
    stopped_ = true;
    boost::asio::post(strand_, [self = shared_from_this()] { self->timer_.cancel(); });
  }

  void publish(const std::string& domain, const CachedPolicy& policy, const std::string& text) {
    SharedPolicyRow row{domain, policy.id, text, policy.fetched_at, policy.expires_at, node_, 0};
    const bool posted = worker_->try_post(
        [self = shared_from_this(), row = std::move(row)](core::Result<db::PgConnection*> c) {
          auto stored = c ? store_shared_policy(**c, row) : core::Result<bool>(c.error());
          if (!stored) {
            self->publish_failures_.fetch_add(1);
            // The next full read pushes it again from sts.db.
            spdlog::info("mta-sts shared cache: publishing later domain={} id={} error={}",
                         core::log_value(row.domain), core::log_value(row.id),
                         core::log_value(stored.error().message));
            return;
          }
          if (*stored) self->published_.fetch_add(1);
        });
    if (!posted) publish_failures_.fetch_add(1);
  }

  void claim_refreshes(std::vector<std::string> due,
                       std::function<void(std::vector<std::string>)> go) {
    auto job = [self = shared_from_this(), due, go](core::Result<db::PgConnection*> c) {
      auto held = c ? take_refresh_leases(**c, due, self->node_, self->clock_.now(),
                                          self->settings_.lease_ttl)
                    : core::Result<std::vector<std::string>>(c.error());
      if (!held) {
        spdlog::warn("mta-sts shared cache: refresh leases unavailable, refreshing {} domain(s) "
                     "here: {}",
                     due.size(), held.error().message);
        go(due);
        return;
      }
      spdlog::debug("mta-sts refresh leases node={} due={} held={}", self->node_, due.size(),
                    held->size());
      go(std::move(*held));
    };
    if (!worker_->try_post(std::move(job))) {
      spdlog::warn("mta-sts shared cache: the database queue is full, refreshing {} domain(s) "
                   "here",
                   due.size());
      go(std::move(due));
    }
  }

  SharedPolicySyncStats stats() const {
    return {reads_.load(), read_failures_.load(), adopted_.load(), published_.load(),
            publish_failures_.load()};
  }

 private:
  void arm() {
    timer_.expires_after(settings_.interval);
    timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec || self->stopped_) return;
      self->read();
      self->arm();
    });
  }

  // On the strand: posts one read unless the last one is still in flight.
  void read() {
    if (in_flight_.exchange(true)) return;
    const bool full = settings_.full_every <= 1 || ticks_++ % settings_.full_every == 0;
    const bool posted =
        worker_->try_post([self = shared_from_this(), full](core::Result<db::PgConnection*> c) {
          core::Status done = c ? self->read_on(**c, full) : core::Status(c.error());
          self->finish(done);
        });
    if (!posted) finish(core::Error::temporary("postgresql: the worker queue is full"));
  }

  // On the worker's thread, with its connection.
  core::Status read_on(db::PgConnection& conn, bool full) {
    const std::int64_t after = full ? 0 : last_version_.load();
    auto rows = load_shared_policies(conn, after);
    if (!rows) return rows.error();
    std::map<std::string, const SharedPolicyRow*> shared;
    for (const SharedPolicyRow& row : *rows) {
      shared[row.domain] = &row;
      offer(row);
      if (row.version > last_version_.load()) last_version_.store(row.version);
    }
    if (full) return push_newer(conn, shared);
    return core::Ok{};
  }

  // Hands a peer's row to the resolver, which keeps it if it wins (merge_policy).
  void offer(const SharedPolicyRow& row) {
    auto policy = parse_policy(row.text);
    if (!policy) {
      spdlog::error("mta-sts shared cache: the policy of {} does not parse: {}",
                    core::log_value(row.domain), policy.error().message);
      return;
    }
    const CachedPolicy copy{*policy, row.id, row.fetched_at,
                            row.fetched_at + std::chrono::seconds(policy->max_age)};
    auto adopted = resolver_.adopt(row.domain, copy);
    if (!adopted) {
      spdlog::error("mta-sts shared cache: keeping the policy of {} failed: {}",
                    core::log_value(row.domain), adopted.error().message);
      return;
    }
    if (!*adopted) return;
    adopted_.fetch_add(1);
    spdlog::info("mta-sts policy adopted from the shared cache domain={} id={} mode={} "
                 "fetched_by={} fetched_at={}",
                 core::log_value(row.domain), core::log_value(row.id), to_string(policy->mode),
                 core::log_value(row.node), core::to_unix(row.fetched_at));
  }

  // What sts.db holds newer than the table (a fetch whose publication failed): written back.
  core::Status push_newer(db::PgConnection& conn,
                          const std::map<std::string, const SharedPolicyRow*>& shared) {
    auto local = cache_.list();
    if (!local) return local.error();
    const core::SysTime now = clock_.now();
    for (const CacheListEntry& e : *local) {
      if (now >= e.expires_at) continue;
      auto it = shared.find(e.domain);
      if (it != shared.end() &&
          !is_newer_fetch(e.fetched_at, e.id, it->second->fetched_at, it->second->id)) {
        continue;
      }
      auto text = cache_.load_text(e.domain);
      if (!text) return text.error();
      auto stored = store_shared_policy(
          conn, SharedPolicyRow{e.domain, e.id, *text, e.fetched_at, e.expires_at, node_, 0});
      if (!stored) return stored.error();
      if (*stored) published_.fetch_add(1);
    }
    return core::Ok{};
  }

  // Any thread: the read is over.
  void finish(const core::Status& done) {
    if (done) {
      reads_.fetch_add(1);
      if (failing_.exchange(false)) {
        spdlog::info("mta-sts shared cache: the shared database answers again");
      }
    } else {
      read_failures_.fetch_add(1);
      if (!failing_.exchange(true)) {
        spdlog::warn("mta-sts shared cache: going on with the local cache until the shared "
                     "database answers: {}",
                     done.error().message);
      }
    }
    in_flight_.store(false);
  }

  boost::asio::strand<boost::asio::any_io_executor> strand_;
  boost::asio::steady_timer timer_;
  std::shared_ptr<db::PgWorker> worker_;
  PolicyResolver& resolver_;
  PolicyCache& cache_;
  const std::string node_;
  const core::Clock& clock_;
  const SharedPolicySyncSettings settings_;
  unsigned ticks_ = 0;  // strand only
  std::atomic<bool> stopped_{false};
  std::atomic<bool> in_flight_{false};
  std::atomic<bool> failing_{false};
  std::atomic<std::int64_t> last_version_{0};
  std::atomic<std::uint64_t> reads_{0};
  std::atomic<std::uint64_t> read_failures_{0};
  std::atomic<std::uint64_t> adopted_{0};
  std::atomic<std::uint64_t> published_{0};
  std::atomic<std::uint64_t> publish_failures_{0};
};

SharedPolicySync::SharedPolicySync(boost::asio::any_io_executor ex,
                                   std::shared_ptr<db::PgWorker> worker, PolicyResolver& resolver,
                                   PolicyCache& cache, std::string node, const core::Clock& clock,
                                   SharedPolicySyncSettings settings)
    : impl_(std::make_shared<Impl>(std::move(ex), std::move(worker), resolver, cache,
                                   std::move(node), clock, settings)) {}

SharedPolicySync::~SharedPolicySync() { impl_->stop(); }

void SharedPolicySync::start() { impl_->start(); }
void SharedPolicySync::stop() { impl_->stop(); }
void SharedPolicySync::publish(const std::string& domain, const CachedPolicy& policy,
                               const std::string& text) {
  impl_->publish(domain, policy, text);
}
void SharedPolicySync::claim_refreshes(std::vector<std::string> due,
                                       std::function<void(std::vector<std::string>)> go) {
  impl_->claim_refreshes(std::move(due), std::move(go));
}
SharedPolicySyncStats SharedPolicySync::stats() const { return impl_->stats(); }

}  // namespace stsrelay::sts
