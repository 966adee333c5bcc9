#include "src/app/daemon/node_heartbeat.hpp"

#include <spdlog/spdlog.h>

#include <atomic>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

namespace stsrelay::app {

core::Status store_heartbeat(db::PgConnection& conn, const HeartbeatRow& row) {
  return conn.run(
      "INSERT INTO cluster_nodes (node, version, started_at, last_heartbeat, spool_batches) "
      "VALUES ($1, $2, to_timestamp($3), now(), $4) ON CONFLICT (node) DO UPDATE SET "
      "version = excluded.version, started_at = excluded.started_at, "
      "last_heartbeat = excluded.last_heartbeat, spool_batches = excluded.spool_batches",
      {row.node, row.version, std::to_string(core::to_unix(row.started_at)),
       std::to_string(row.spool_batches)});
}

class NodeHeartbeat::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(boost::asio::any_io_executor ex, std::shared_ptr<db::PgWorker> worker, HeartbeatRow row,
       std::function<std::int64_t()> spool_batches, std::chrono::milliseconds interval)
      : strand_(boost::asio::make_strand(ex)),
        timer_(strand_),
        worker_(std::move(worker)),
        row_(std::move(row)),
        spool_batches_(std::move(spool_batches)),
        interval_(interval) {}

  void start() {
    boost::asio::post(strand_, [self = shared_from_this()] {
      if (!self->stopped_) self->beat();
    });
  }

  void stop() {
    stopped_ = true;
    boost::asio::post(strand_, [self = shared_from_this()] { self->timer_.cancel(); });
  }

 private:
  void beat() {
    HeartbeatRow row = row_;
    row.spool_batches = spool_batches_ ? spool_batches_() : 0;
    if (!in_flight_.exchange(true)) {
      const bool posted =
          worker_->try_post([self = shared_from_this(), row](core::Result<db::PgConnection*> c) {
            core::Status done = c ? store_heartbeat(**c, row) : core::Status(c.error());
            if (!done) spdlog::debug("cluster: heartbeat not stored: {}", done.error().message);
            self->in_flight_.store(false);
          });
      if (!posted) in_flight_.store(false);
    }
    timer_.expires_after(interval_);
    timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (!ec && !self->stopped_) self->beat();
    });
  }

  boost::asio::strand<boost::asio::any_io_executor> strand_;
  boost::asio::steady_timer timer_;
  std::shared_ptr<db::PgWorker> worker_;
  const HeartbeatRow row_;
  std::function<std::int64_t()> spool_batches_;
  const std::chrono::milliseconds interval_;
  std::atomic<bool> stopped_{false};
  std::atomic<bool> in_flight_{false};
};

NodeHeartbeat::NodeHeartbeat(boost::asio::any_io_executor ex,
                             std::shared_ptr<db::PgWorker> worker, HeartbeatRow row,
                             std::function<std::int64_t()> spool_batches,
                             std::chrono::milliseconds interval)
    : impl_(std::make_shared<Impl>(std::move(ex), std::move(worker), std::move(row),
                                   std::move(spool_batches), interval)) {}

NodeHeartbeat::~NodeHeartbeat() { impl_->stop(); }
void NodeHeartbeat::start() { impl_->start(); }
void NodeHeartbeat::stop() { impl_->stop(); }

}  // namespace stsrelay::app
