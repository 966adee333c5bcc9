// The /healthz SMTP check: connects to every address the SMTP server is bound to, reads the
// greeting (metrics_probe.hpp decides), says QUIT and waits for the server to close, all within
// `timeout` per address. A real connection: it shows in stsrelay_smtp_connections_total, and
// fails while max_connections (or max_connections_per_ip for 127.0.0.1) is reached, because
// clients then are refused too.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "src/app/metrics/metrics_text.hpp"

namespace stsrelay::app {

// Runs on the calling coroutine's executor. No endpoints: failing ("not listening").
boost::asio::awaitable<HealthCheck> probe_smtp(std::vector<std::string> endpoints,
                                               std::chrono::milliseconds timeout);

}  // namespace stsrelay::app
