// The inbound SMTP server: listeners, connection limits, and one coroutine session per
// connection (each on its own strand of the shared io_context). Asio stays out of this header.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "smtp/message_sink.hpp"
#include "smtp/server_settings.hpp"
#include "src/core/clock.hpp"
#include "src/core/duration_histogram.hpp"
#include "src/core/result.hpp"

namespace boost::asio { class io_context; }

namespace stsrelay::smtp {

struct ServerCounters {
  std::size_t active_connections = 0;
  std::uint64_t connections_total = 0;
  std::uint64_t messages_accepted = 0;
  std::uint64_t messages_rejected = 0;
  std::uint64_t connections_refused = 0;  // over max_connections / max_connections_per_ip
  // From the end of DATA to the stored message's answer (fix-ups, DKIM, the group commit).
  core::DurationHistogram::Snapshot store_wait;
};

class Server {
 public:
  Server(boost::asio::io_context& io, ServerSettings settings, MessageSink& sink);
  // The same with the clock used for Received: dates (tests pass a FakeClock).
  Server(boost::asio::io_context& io, ServerSettings settings, MessageSink& sink,
         const core::Clock& clock);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Loads TLS material and AUTH users, binds every listener and starts accepting. The error
  // names the address or file that failed.
  core::Status start();

  // Applies new settings (SIGHUP): listeners opened/closed as needed, new limits, relay networks
  // and TLS material for new sessions. Sessions in progress keep their connection. On error the
  // old settings stay in force.
  core::Status reload(ServerSettings settings);

  // Stops accepting; sessions waiting for a command get 421 4.3.2 and close; sessions in DATA
  // or storing finish that transaction (a store already handed to the sink is always awaited)
  // for up to `grace`, then are closed. Calls `done` once every session has ended. The
  // Server, the sink and the io_context must outlive that call.
  void async_stop(std::chrono::milliseconds grace, std::function<void()> done);

  // Thread-safe.
  ServerCounters counters() const;

  // The addresses actually bound, e.g. "127.0.0.1:41234" for a "127.0.0.1:0" listener.
  std::vector<std::string> local_endpoints() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace stsrelay::smtp
