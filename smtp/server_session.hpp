// One inbound SMTP connection: the Asio shell around ServerProtocol. It runs as a coroutine on
// the connection's own strand, puts a deadline on every read and write (a watchdog coroutine
// cancels the socket when it passes), performs the protocol's actions (TLS handshake, DATA,
// password check on the auth thread pool, store through the MessageSink) and flushes replies
// only when no further complete command is buffered (RFC 2920 §3.1).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <array>
#include <chrono>
#include <memory>
#include <string>

#include "smtp/incoming_message.hpp"
#include "smtp/line_reader.hpp"
#include "smtp/server_protocol.hpp"
#include "smtp/server_shared.hpp"
#include "smtp/session_stream.hpp"

namespace stsrelay::smtp {

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(std::shared_ptr<ServerShared> shared, std::shared_ptr<const ServerConfig> config,
          boost::asio::ip::tcp::socket socket, std::string client_ip, std::uint64_t id);

  // Spawns the session coroutine on the socket's strand.
  void start();
  // Thread-safe. A session waiting for a command answers 421 4.3.2 and closes; one in DATA
  // or storing finishes that transaction first.
  void request_stop();
  // Thread-safe. Closes the connection now (end of the shutdown grace period).
  void force_close();

 private:
  using Clock = std::chrono::steady_clock;

  boost::asio::awaitable<void> run();
  boost::asio::awaitable<void> watchdog();
  // Each returns false when the connection is finished (error, timeout, close).
  boost::asio::awaitable<bool> perform(Step step);
  boost::asio::awaitable<bool> flush(std::chrono::seconds timeout);
  boost::asio::awaitable<bool> read_more(char* buf, std::size_t size, std::size_t& n,
                                         std::chrono::seconds timeout);
  boost::asio::awaitable<bool> start_tls();
  boost::asio::awaitable<bool> receive_data();
  boost::asio::awaitable<bool> verify_auth();
  boost::asio::awaitable<bool> store_message(IncomingMessage incoming, bool long_lines);
  void queue(const Reply& r) { out_ += format_reply(r); }
  void arm(std::chrono::seconds timeout);
  void disarm() { deadline_ = Clock::time_point::max(); }
  void log_accepted(const core::Envelope& env, const std::string& queue_id, std::uint64_t size,
                    const std::string& fixups, const std::string& sink_fields) const;

  std::shared_ptr<ServerShared> shared_;
  std::shared_ptr<const ServerConfig> config_;
  SessionStream stream_;
  std::string client_ip_;
  std::uint64_t id_;
  std::uint64_t transactions_ = 0;
  ServerProtocol protocol_;
  LineReader lines_;
  std::string out_;
  std::array<char, 4096> buf_{};

  boost::asio::steady_timer timer_;
  Clock::time_point deadline_ = Clock::time_point::max();
  bool timed_out_ = false;
  bool finished_ = false;
  bool stop_requested_ = false;
  bool waiting_for_command_ = false;
};

}  // namespace stsrelay::smtp
