// Where the metrics endpoint reads the daemon's figures: the SMTP server's counters, the queue
// (recipients by state, through a queue.db reader of its own), the delivery agent's attempt
// counters and scheduler, the MTA-STS policy resolver, the DNS resolver and the TLS-RPT
// recorder. Kept out of daemon.cpp so the daemon only starts and stops the endpoint.
#pragma once

#include <filesystem>

#include "src/app/metrics/metrics_server.hpp"
#include "src/core/result.hpp"

namespace stsrelay::smtp { class Server; }
namespace stsrelay::delivery { class DeliveryAgent; }
namespace stsrelay::sts { class PolicyResolver; }
namespace stsrelay::net { class CaresResolver; }
namespace stsrelay::tlsrpt { class Recorder; }

namespace stsrelay::app {

class QueueSink;
class ClusterServices;
class DnssecMonitor;

// Every part must outlive the MetricsServer given these sources; `recorder` may be null
// (tlsrpt.enabled = false).
struct MetricsParts {
  const smtp::Server* server = nullptr;
  delivery::DeliveryAgent* agent = nullptr;
  const sts::PolicyResolver* policies = nullptr;
  const net::CaresResolver* dns = nullptr;
  const tlsrpt::Recorder* recorder = nullptr;
  const QueueSink* sink = nullptr;  // DKIM signatures of accepted mail
  const ClusterServices* cluster = nullptr;  // null unless [cluster] database is set
  const DnssecMonitor* dnssec = nullptr;  // whether the resolvers validate (may be null)
};

// Opens a reader of `queue_db`; the error names the file.
core::Result<MetricsSources> make_metrics_sources(const std::filesystem::path& queue_db,
                                                  MetricsParts parts);

}  // namespace stsrelay::app
