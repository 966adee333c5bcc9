// The daemon's wiring: configuration -> logging -> queue -> SMTP server -> resolver and
// delivery agent -> signals. What each
// part does lives in its own module; this file only starts, reloads and stops them, in order.
#include "src/app/daemon/daemon.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/strand.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>
#include <thread>
#include <vector>

#include "queue/store.hpp"
#include "smtp/server.hpp"
#include "src/app/cli/cli_common.hpp"
#include "src/app/config/config_load.hpp"
#include "src/app/config/delivery_settings_map.hpp"
#include "src/app/daemon/dnssec_monitor.hpp"
#include "src/app/daemon/large_buffers.hpp"
#include "src/app/daemon/spool_dir.hpp"
#include "src/app/daemon/queue_sink.hpp"
#include "src/app/config/route_credentials_load.hpp"
#include "src/app/config/signing_keys_load.hpp"
#include "src/app/config/reload_plan.hpp"
#include "src/app/metrics/metrics_sources.hpp"
#include "src/app/reports/report_scheduler.hpp"
#include "src/app/config/server_settings_map.hpp"
#include "src/app/daemon/sts_services.hpp"
#include "src/app/daemon/cluster_services.hpp"
#include "src/app/cli/version.hpp"
#include "src/core/logging.hpp"
#include "src/delivery/delivery_agent.hpp"
#include "src/net/dns_cares_resolver.hpp"
#include "src/net/dnssec_gate.hpp"
#include "sts/policy_resolver.hpp"
#include "tlsrpt/recorder.hpp"

namespace stsrelay::app {
namespace {

namespace asio = boost::asio;

// How long sessions in the middle of a transaction get to finish after SIGTERM/SIGINT before
// they are closed (the server then says 421 4.3.2; the client retries later).
constexpr std::chrono::seconds kStopGrace{10};
constexpr unsigned kMaxThreads = 4;

unsigned pool_size() {
  return std::clamp(std::thread::hardware_concurrency(), 1u, kMaxThreads);
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += ',';
    out += item;
  }
  return out;
}

std::string_view signal_name(int signal) {
  switch (signal) {
    case SIGTERM: return "SIGTERM";
    case SIGINT: return "SIGINT";
    case SIGHUP: return "SIGHUP";
    default: return "signal";
  }
}

// Multi-line errors (one configuration problem per line) as one log line each.
void log_lines(spdlog::level::level_enum level, std::string_view prefix,
               std::string_view message) {
  std::size_t start = 0;
  while (start <= message.size()) {
    const auto nl = message.find('\n', start);
    spdlog::log(level, "{}{}", prefix,
                message.substr(start, nl == std::string_view::npos ? nl : nl - start));
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
}

// The delivery settings with what is read from files: the DKIM keys (for DSNs) and the routes'
// auth_file passwords. A file that cannot be read refuses the start or the reload.
core::Result<delivery::DeliverySettings> delivery_settings(
    const Config& config, std::shared_ptr<const dkim::SigningKeys> keys) {
  auto routes = load_routes(config.routes);
  if (!routes) return routes.error();
  delivery::DeliverySettings settings = to_delivery_settings(config);
  settings.signing_keys = std::move(keys);
  settings.routes = std::move(*routes);
  return settings;
}

void log_signing_keys(const DkimConfig& dkim) {
  for (const DkimSignConfig& s : dkim.sign) {
    spdlog::info("dkim: signing mail from {} with selector {} ({})", s.domain, s.selector,
                 s.key_file);
  }
}

class Daemon {
 public:
  Daemon(std::string config_path, Config config, unsigned threads)
      : config_path_(std::move(config_path)),
        config_(std::move(config)),
        threads_(threads),
        io_(static_cast<int>(threads)),
        strand_(asio::make_strand(io_)),
        signals_(strand_, SIGTERM, SIGINT, SIGHUP),
        work_(asio::make_work_guard(io_)) {}

  int run() {
    if (auto started = start(); !started) {
      spdlog::error("not started: {}", started.error().message);
      shut_down();
      return kExitFailure;
    }
    await_signal();
    spdlog::info("stsrelay {} started: listen={} state_dir={} threads={}", version(),
                 join(server_->local_endpoints()), config_.queue.state_dir, threads_);

    std::vector<std::thread> pool;
    for (unsigned i = 1; i < threads_; ++i) pool.emplace_back([this] { run_io(); });
    run_io();
    for (auto& t : pool) t.join();

    shut_down();
    if (failed_) return kExitFailure;
    spdlog::info("stsrelay stopped");
    return kExitOk;
  }

 private:
  core::Status start() {
    const std::filesystem::path state_dir(config_.queue.state_dir);
    std::error_code ec;
    std::filesystem::create_directories(state_dir, ec);
    if (ec) {
      return core::Error::permanent("queue.state_dir " + state_dir.string() + ": " +
                                    ec.message());
    }
    auto store = queue::Store::open(state_dir / "queue.db", clock_);
    if (!store) return store.error();
    store_ = std::move(*store);
    const std::filesystem::path spool_dir = state_dir / "incoming";
    if (auto spool = prepare_spool_dir(spool_dir); !spool) return spool.error();
    sink_ = std::make_unique<QueueSink>(*store_, spool_dir);
    auto keys = load_signing_keys(config_.dkim);
    if (!keys) return keys.error();
    sink_->set_signing_keys(*keys);
    log_signing_keys(config_.dkim);
    auto settings = delivery_settings(config_, sink_->signing_keys());
    if (!settings) return settings.error();
    server_ = std::make_unique<smtp::Server>(io_, to_server_settings(config_), *sink_);
    if (auto s = server_->start(); !s) return s;
    auto resolver_settings = to_resolver_settings(config_);
    if (!resolver_settings) return resolver_settings.error();
    // The validation probe gets a resolver of its own without a cache, so that every probe
    // reaches the servers and is not answered by the delivery resolver's cache.
    net::ResolverSettings probe_settings = *resolver_settings;
    probe_settings.cache.max_entries = 0;
    auto resolver =
        net::CaresResolver::create(io_.get_executor(), std::move(*resolver_settings), clock_);
    if (!resolver) return resolver.error();
    resolver_ = std::move(*resolver);
    auto probe_resolver =
        net::CaresResolver::create(io_.get_executor(), std::move(probe_settings), clock_);
    if (!probe_resolver) return probe_resolver.error();
    probe_resolver_ = std::move(*probe_resolver);
    gate_ = std::make_unique<net::DnssecGate>(*resolver_);
    dnssec_ = std::make_unique<DnssecMonitor>(io_.get_executor(), *probe_resolver_, *gate_,
                                              dnssec_monitor_settings(config_));
    auto sts = StsServices::start(io_.get_executor(), *resolver_, config_, state_dir, clock_);
    if (!sts) return sts.error();
    sts_ = std::move(*sts);
    if (config_.cluster.enabled()) {
      auto cluster = ClusterServices::start(config_.cluster, state_dir, clock_);
      if (!cluster) return cluster.error();
      cluster_ = std::move(*cluster);
      cluster_->start_heartbeat(io_.get_executor(), clock_);
      sts_->join_cluster(io_.get_executor(), {cluster_->worker(), cluster_->node()}, clock_);
    }
    if (config_.tlsrpt.enabled && cluster_) {
      recorder_ = tlsrpt::Recorder::create(cluster_->take_counter_writer());
    } else if (config_.tlsrpt.enabled) {
      auto recorder = tlsrpt::Recorder::open(state_dir / "tlsrpt.db");
      if (!recorder) return recorder.error();
      recorder_ = std::move(*recorder);
    }
    // Delivery asks through the gate: DANE's DNSSEC facts are only as good as the probe says.
    agent_ = std::make_unique<delivery::DeliveryAgent>(
        io_, *store_, *gate_, clock_, std::move(*settings),
        delivery::PolicyServices{&sts_->resolver(), recorder_.get()});
    if (!config_.metrics.listen.empty()) {
      auto sources = make_metrics_sources(
          state_dir / "queue.db",
          {server_.get(), agent_.get(), &sts_->resolver(), resolver_.get(), recorder_.get(),
           sink_.get(), cluster_.get(),
           dnssec_.get()});
      if (!sources) return sources.error();
      auto metrics = MetricsServer::start(io_, config_.metrics.listen, std::move(*sources));
      if (!metrics) return metrics.error();
      metrics_ = std::move(*metrics);
    }
    if (recorder_) {
      auto reports = ReportScheduler::start(io_.get_executor(), *resolver_, *store_, *recorder_,
                                            config_, state_dir, clock_,
                                            [this] { return sink_->signing_keys(); },
                                            cluster_.get());
      if (!reports) return reports.error();
      reports_ = std::move(*reports);
    }
    return agent_->start();
  }

  // After the io_context stopped (or start-up failed): the server goes before the queue it
  // feeds, and the queue finishes what is waiting before it closes.
  void shut_down() {
    metrics_.reset();
    agent_.reset();
    reports_.reset();
    // What delivery recorded in the last second is written before the process ends.
    if (recorder_) {
      if (auto closed = recorder_->close(); !closed) {
        spdlog::error("tlsrpt: writing the last outcomes failed: {}", closed.error().message);
      }
    }
    recorder_.reset();
    cluster_.reset();  // after the recorder: its spool is handed over through the worker
    sts_.reset();
    dnssec_.reset();
    gate_.reset();
    probe_resolver_.reset();
    resolver_.reset();
    server_.reset();
    sink_.reset();
    if (store_) store_->close();
    store_.reset();
  }

  void run_io() {
    try {
      io_.run();
    } catch (const std::exception& e) {
      // A handler that throws is a bug; stop everything rather than run half a daemon.
      spdlog::critical("stopping after an unexpected error: {}", e.what());
      failed_ = true;
      io_.stop();
    }
  }

  // Signal handlers run on strand_, one at a time.
  void await_signal() {
    signals_.async_wait([this](const boost::system::error_code& ec, int signal) {
      if (ec == asio::error::operation_aborted) return;
      if (ec) {
        spdlog::error("waiting for signals failed: {}", ec.message());
        return;
      }
      on_signal(signal);
    });
  }

  void on_signal(int signal) {
    if (signal == SIGHUP) {
      if (!stopping_) reload();
    } else if (stopping_) {
      spdlog::info("{}: already stopping (at most {}s)", signal_name(signal), kStopGrace.count());
    } else {
      stopping_ = true;
      sts_->stop();
      dnssec_->stop();
      if (reports_) reports_->stop();
      if (metrics_) metrics_->stop();
      if (cluster_) cluster_->stop_heartbeat();
      spdlog::info("{}: stopping: no new connections; transactions in progress get {}s",
                   signal_name(signal), kStopGrace.count());
      // The server and the delivery agent stop side by side; deliveries still running after
      // the grace period are abandoned (their recipients stay queued on disk).
      server_->async_stop(kStopGrace, [this] { asio::post(strand_, [this] { part_stopped(0); }); });
      agent_->async_stop(kStopGrace, [this](std::size_t abandoned) {
        asio::post(strand_, [this, abandoned] { part_stopped(abandoned); });
      });
    }
    await_signal();
  }

  // strand_ only: once both the server and the agent stopped, the io_context may end.
  void part_stopped(std::size_t abandoned_deliveries) {
    abandoned_ += abandoned_deliveries;
    if (++parts_stopped_ < 2) return;
    signals_.cancel();
    work_.reset();  // io_.run() returns once nothing is left to do
    // Abandoned deliveries would keep it running until their sessions time out.
    if (abandoned_ > 0) io_.stop();
  }

  void reload() {
    spdlog::info("SIGHUP: reloading {}", config_path_);
    auto loaded = load_config(config_path_);
    if (!loaded) {
      log_lines(spdlog::level::err, "reload refused: ", loaded.error().message);
      spdlog::error("reload: the running configuration stays in force");
      return;
    }
    ReloadPlan plan = plan_reload(config_, std::move(*loaded));
    for (const auto& key : plan.restart_required) {
      spdlog::warn("reload: {} changed; the new value takes effect after a restart", key);
    }
    if (auto applied = apply(plan.next); !applied) {
      spdlog::error("reload refused: {}; the running configuration stays in force",
                    applied.error().message);
      return;
    }
    config_ = std::move(plan.next);
    spdlog::info("reload: configuration applied");
  }

  // Puts a validated configuration in force, all or nothing: the delivery settings (with the
  // STS enforcement and overrides) are prepared first, the server reload may still refuse, and
  // only then is delivery switched over; the remaining steps cannot fail.
  // delivery.dns_servers takes effect after a restart (the resolver is made once).
  core::Status apply(const Config& next) {
    // The key files are read again even when the tables did not change: rotating a key in
    // place (same file, new contents) and SIGHUP is how operators replace one.
    auto keys = load_signing_keys(next.dkim);
    if (!keys) return keys.error();
    auto settings = delivery_settings(next, *keys);
    if (!settings) return settings.error();
    auto delivery = agent_->prepare(std::move(*settings));
    if (!delivery) return delivery.error();
    if (auto s = server_->reload(to_server_settings(next)); !s) return s;
    sink_->set_signing_keys(std::move(*keys));
    log_signing_keys(next.dkim);
    agent_->commit(std::move(*delivery));
    core::set_log_level(next.log.level);
    // Probes again at once: SIGHUP is also how an operator says "the resolvers changed".
    dnssec_->reconfigure(dnssec_monitor_settings(next));
    return core::Ok{};
  }

  const std::string config_path_;
  Config config_;  // in force; read and replaced on strand_ only
  const unsigned threads_;
  core::SystemClock clock_;
  asio::io_context io_;
  asio::strand<asio::io_context::executor_type> strand_;
  asio::signal_set signals_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::unique_ptr<queue::Store> store_;
  std::unique_ptr<QueueSink> sink_;
  std::unique_ptr<smtp::Server> server_;
  std::unique_ptr<net::CaresResolver> resolver_;
  std::unique_ptr<net::CaresResolver> probe_resolver_;  // DNSSEC validation probe, no cache
  std::unique_ptr<net::DnssecGate> gate_;               // resolver_ as delivery sees it
  std::unique_ptr<DnssecMonitor> dnssec_;
  std::unique_ptr<StsServices> sts_;
  std::unique_ptr<ClusterServices> cluster_;     // null unless [cluster] database is set
  std::unique_ptr<tlsrpt::Recorder> recorder_;  // null when tlsrpt.enabled is false
  std::unique_ptr<ReportScheduler> reports_;     // null when tlsrpt.enabled is false
  std::unique_ptr<MetricsServer> metrics_;       // null without [metrics] listen
  std::unique_ptr<delivery::DeliveryAgent> agent_;
  int parts_stopped_ = 0;         // strand_ only
  std::size_t abandoned_ = 0;     // strand_ only
  bool stopping_ = false;         // strand_ only
  std::atomic<bool> failed_{false};
};

}  // namespace

int run_daemon(const std::string& config_path) {
  auto config = load_config(config_path);
  if (!config) {
    print_error(config.error().message);
    return kExitUsage;
  }
  // Validated: the level name is one setup_logging knows.
  core::setup_logging(config->log.level, config->log.format);
  return_large_buffers_to_the_system();
  Daemon daemon(config_path, std::move(*config), pool_size());
  return daemon.run();
}

}  // namespace stsrelay::app
