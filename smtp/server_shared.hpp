// State the SMTP server shares with its sessions (internal to the smtp module): the current
// configuration snapshot, connection accounting, counters and the session registry used by
// graceful shutdown. Thread-safe: sessions run on many strands of a multi-threaded io_context.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "smtp/auth_users.hpp"
#include "smtp/message_sink.hpp"
#include "smtp/server.hpp"
#include "smtp/server_settings.hpp"
#include "src/core/clock.hpp"
#include "src/core/duration_histogram.hpp"
#include "src/net/cidr.hpp"

namespace stsrelay::smtp {

class Session;

// One immutable snapshot per start()/reload(); sessions keep the one they started with.
struct ServerConfig {
  ServerSettings settings;
  std::shared_ptr<boost::asio::ssl::context> tls;  // null: STARTTLS not offered
  std::shared_ptr<const AuthUsers> users;          // null or empty: AUTH not offered
  net::NetworkList relay_networks;
};

struct ServerShared {
  ServerShared(boost::asio::io_context& io_context, MessageSink& message_sink,
               const core::Clock& wall_clock);
  ~ServerShared();

  std::shared_ptr<const ServerConfig> config() const;
  void set_config(std::shared_ptr<const ServerConfig> c);

  // Admits a connection from `ip` under the limits of `cfg`, or returns false (421 4.7.0).
  bool admit(const std::string& ip, const ServerConfig& cfg);
  void add_session(std::uint64_t id, const std::shared_ptr<Session>& s);
  // Called once by every admitted session when it ends.
  void release(const std::string& ip, std::uint64_t id);

  // Asks every session to stop (421 4.3.2 at the next command) / closes them outright.
  void stop_sessions();
  void close_sessions();
  // Calls `done` (on the io_context) once no session is left.
  void when_idle(std::function<void()> done);

  std::uint64_t next_session_id() { return ++session_counter_; }

  boost::asio::io_context& io;
  MessageSink& sink;
  const core::Clock& clock;
  // PBKDF2 verification is CPU-heavy: it runs here, never on the I/O threads.
  boost::asio::thread_pool auth_pool{2};
  // 16 random hex digits, for the unique part of a Message-ID the server adds.
  std::string unique_token();

  std::atomic<std::uint64_t> connections_total{0};
  std::atomic<std::uint64_t> connections_refused{0};
  std::atomic<std::uint64_t> messages_accepted{0};
  std::atomic<std::uint64_t> messages_rejected{0};
  // From the end of DATA to the sink's answer: fix-ups, signing and the durable commit.
  core::DurationHistogram store_wait;
  std::size_t active_connections() const;

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const ServerConfig> config_;
  std::size_t active_ = 0;
  std::map<std::string, std::size_t> per_ip_;
  std::map<std::uint64_t, std::weak_ptr<Session>> sessions_;
  std::vector<std::function<void()>> idle_waiters_;
  std::mt19937_64 random_;
  bool stopping_ = false;  // no new connections; new sessions are asked to stop at once
  bool closing_ = false;   // the grace period is over: new sessions are closed at once
  std::vector<std::shared_ptr<Session>> live_sessions();  // with mu_ held
  std::atomic<std::uint64_t> session_counter_{0};
};

}  // namespace stsrelay::smtp
