#include "src/app/daemon/cluster_services.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include "src/app/cli/version.hpp"
#include "src/db/pg_conninfo.hpp"
#include "src/db/pg_migrate.hpp"

namespace stsrelay::app {
namespace {

// How long a report run waits for the shared database before it gives up on a read (the
// statements themselves are bounded by statement_timeout; this adds the connect and the queue).
constexpr std::chrono::milliseconds kReadWait{30'000};

}  // namespace

std::string cluster_node_name(const ClusterConfig& cluster) {
  if (!cluster.node_name.empty()) return cluster.node_name;
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') return "stsrelay";
  return host;
}

core::Result<db::PgSettings> cluster_pg_settings(const ClusterConfig& cluster,
                                                 const std::string& node) {
  db::PgSettings settings;
  settings.conninfo = cluster.database;
  settings.application_name = "stsrelay " + node;
  if (!cluster.password_file.empty()) {
    auto password = db::read_password_file(cluster.password_file);
    if (!password) {
      return core::Error{password.error().kind,
                         "cluster.password_file: " + password.error().message};
    }
    settings.password = std::move(*password);
  }
  return settings;
}

core::Result<std::unique_ptr<ClusterServices>> ClusterServices::start(
    const ClusterConfig& cluster, const std::filesystem::path& state_dir,
    const core::Clock& clock) {
  std::unique_ptr<ClusterServices> s(new ClusterServices());
  s->node_ = cluster_node_name(cluster);
  auto settings = cluster_pg_settings(cluster, s->node_);
  if (!settings) return settings.error();
  db::PgWorkerOptions options;
  options.reconnect = {std::chrono::milliseconds{250}, std::chrono::milliseconds{2'000}};
  options.on_connect = [](db::PgConnection& conn) {
    return db::migrate(conn, db::shared_schema());
  };
  s->worker_ = std::make_shared<db::PgWorker>(*settings, clock, std::move(options));
  auto writer = tlsrpt::ClusterCounterWriter::open(state_dir / "cluster_spool.db", s->node_,
                                                   s->worker_, clock);
  if (!writer) return writer.error();
  s->writer_ = std::move(*writer);
  s->writer_view_ = s->writer_.get();
  s->reader_ = std::make_unique<tlsrpt::PgCounterReader>(*s->worker_, kReadWait);
  s->leases_ = std::make_unique<tlsrpt::PgReportLeases>(
      *s->worker_, s->node_, std::chrono::duration_cast<std::chrono::milliseconds>(cluster.report_lease),
      kReadWait);
  s->reports_ = std::make_unique<tlsrpt::PgReportStore>(*s->worker_, s->node_, kReadWait);
  spdlog::info("cluster: node {} shares TLS-RPT counts and reports in postgresql {}", s->node_,
               s->worker_->target());
  return s;
}

void ClusterServices::start_heartbeat(const boost::asio::any_io_executor& ex,
                                      const core::Clock& clock) {
  HeartbeatRow row{node_, std::string(version()), clock.now(), 0};
  heartbeat_ = std::make_unique<NodeHeartbeat>(ex, worker_, std::move(row), [this] {
    return counter_stats().pending;
  });
  heartbeat_->start();
}

void ClusterServices::stop_heartbeat() {
  if (heartbeat_) heartbeat_->stop();
}

ClusterServices::~ClusterServices() {
  heartbeat_.reset();
  // The writer (if the recorder did not take it) hands over its spool before the worker goes.
  writer_.reset();
  if (worker_) worker_->stop();
}

std::unique_ptr<tlsrpt::CounterWriter> ClusterServices::take_counter_writer() {
  return std::move(writer_);
}

tlsrpt::ClusterWriterStats ClusterServices::counter_stats() const {
  return writer_view_ != nullptr ? writer_view_->stats() : tlsrpt::ClusterWriterStats{};
}

}  // namespace stsrelay::app
