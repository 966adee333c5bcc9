// The metrics and health endpoint ([metrics] listen): a small HTTP/1.1 server on the daemon's
// io_context answering GET /metrics (metrics_text.hpp) and GET /healthz (200 healthy, 503 not),
// one request per connection, each bounded in size (8 KiB of header) and time (5 s).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "src/app/metrics_text.hpp"
#include "src/core/result.hpp"

namespace boost::asio { class io_context; }

namespace stsrelay::app {

struct MetricsSources {
  std::function<MetricsSnapshot()> snapshot;
  // Checks that answer at once (listeners, the queue database).
  std::function<std::vector<HealthCheck>()> checks;
  // Posts `done` to the delivery scheduler's strand; a scheduler that does not run it within
  // 2 s is reported as failing.
  std::function<void(std::function<void()> done)> ping_delivery;
};

class MetricsServer {
 public:
  static core::Result<std::unique_ptr<MetricsServer>> start(boost::asio::io_context& io,
                                                            const std::string& listen,
                                                            MetricsSources sources);
  ~MetricsServer();
  void stop();  // closes the listener; requests in progress finish

  class Impl;

 private:
  explicit MetricsServer(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace stsrelay::app
