// The inbound SMTP server: listeners, connection limits, and one coroutine session per
// connection (each on its own strand of the shared io_context). Asio stays out of this header.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>

#include "smtp/message_sink.hpp"
#include "smtp/server_settings.hpp"
#include "src/core/result.hpp"

namespace boost::asio { class io_context; }

namespace stsrelay::smtp {

struct ServerCounters {
  std::size_t active_connections = 0;
  std::uint64_t connections_total = 0;
  std::uint64_t messages_accepted = 0;
  std::uint64_t messages_rejected = 0;
};

class Server {
 public:
  Server(boost::asio::io_context& io, ServerSettings settings, MessageSink& sink);
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

  // Stops accepting, lets sessions finish the transaction in progress for up to `grace`, then
  // closes the rest with 421 4.3.2; calls `done` once every session has ended.
  void async_stop(std::chrono::milliseconds grace, std::function<void()> done);

  ServerCounters counters() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace stsrelay::smtp
