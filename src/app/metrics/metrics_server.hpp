// The metrics and health endpoint ([metrics] listen): a small HTTP/1.1 server on the daemon's
// io_context answering GET /metrics (metrics_text.hpp) and GET /healthz (200 healthy, 503 not),
// one request per connection, each bounded in header size and in time.
//
// Reads that may block (the queue database) run on one worker thread of the server's own, never
// on the io_context's threads that serve SMTP sessions.
//
// /healthz checks, side by side, each bounded by MetricsLimits::check_timeout:
//   smtp      every listener greets a new connection with 220 (metrics_smtp_probe.hpp);
//   queue     queue.db answers a read;
//   delivery  the delivery agent's strand runs a posted check, and its scheduler loop runs.
// and, for information only, whether the resolvers validate DNSSEC ("dnssec validating").
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "src/app/metrics/metrics_text.hpp"
#include "src/core/result.hpp"

namespace boost::asio { class io_context; }

namespace stsrelay::app {

struct MetricsSources {
  // Called on the worker thread; may block briefly.
  std::function<MetricsSnapshot()> snapshot;
  std::function<HealthCheck()> check_queue;
  // Any thread, cheap; unset on a node alone: the shared database of a fleet (degraded, never
  // failing, when it does not answer: mail goes on and counts wait in the spool).
  std::function<HealthCheck()> check_database;
  // Any thread: the SMTP server's bound addresses now.
  std::function<std::vector<std::string>()> smtp_endpoints;
  // Any thread: arranges for `done(scheduling)` to run on the delivery agent's strand.
  std::function<void(std::function<void(bool scheduling)> done)> check_delivery;
  // Any thread, optional: an informational line (DNSSEC validation) that never fails /healthz.
  std::function<HealthCheck()> check_dnssec;
};

struct MetricsLimits {
  std::chrono::milliseconds request_timeout{5000};  // from accept to the answer written
  std::size_t header_limit = 8192;                  // request line and headers, octets
  std::chrono::milliseconds check_timeout{2000};    // each /healthz check
};

class MetricsServer {
 public:
  // Binds `listen` ("127.0.0.1:9325"; port 0 picks one) and starts accepting.
  static core::Result<std::unique_ptr<MetricsServer>> start(boost::asio::io_context& io,
                                                            const std::string& listen,
                                                            MetricsSources sources,
                                                            MetricsLimits limits = {});
  // Stops accepting and waits until reads handed to the worker thread are done; destroy it
  // before what `sources` reads. Requests in progress then end with the io_context.
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  void stop();  // closes the listener; requests in progress finish
  std::string local_endpoint() const;  // "127.0.0.1:9325", the port as bound

  class Impl;

 private:
  explicit MetricsServer(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace stsrelay::app
