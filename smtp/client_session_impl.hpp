// Internal to the SMTP client session (includes Asio and OpenSSL): the connection state, the
// deadline that closes a stalled connection, and reply/command I/O. client_session.cpp holds
// the opening steps, client_transaction.cpp the MAIL/RCPT/DATA transaction.
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>

#include "smtp/client_session.hpp"
#include "src/core/content_source.hpp"

namespace stsrelay::smtp {

class TransactionRecipients;  // client_transaction.cpp

// The answer to one command: a reply, or why there is none.
struct ReplyOrFailure {
  std::optional<Reply> reply;
  std::string reason;
  bool timed_out = false;

  bool ok() const { return reply.has_value(); }
  int code() const { return reply ? reply->code : 0; }
  StepFailure failure(ClientPhase phase) const { return {phase, reply, reason, timed_out}; }
};

class ClientSession::Impl : public std::enable_shared_from_this<Impl> {
 public:
  using tcp = boost::asio::ip::tcp;
  using Duration = std::chrono::milliseconds;

  Impl(boost::asio::any_io_executor executor, ClientOptions options);

  boost::asio::awaitable<OpenOutcome> open(std::string address, std::uint16_t port);
  boost::asio::awaitable<TransactionOutcome> send(const core::Envelope& envelope,
                                                  core::ContentSource& content);
  boost::asio::awaitable<void> quit();
  void close();

  bool usable() const { return usable_; }
  std::size_t transactions() const { return transactions_; }
  const std::string& peer() const { return peer_; }

 private:
  // Closes the connection when `timeout` passes before disarm(); at most one at a time.
  class Deadline {
   public:
    Deadline(Impl& impl, Duration timeout);
    ~Deadline();
    Deadline(const Deadline&) = delete;
    Deadline& operator=(const Deadline&) = delete;

   private:
    Impl& impl_;
  };

  tcp::socket& socket();
  // I/O: each failure marks the session unusable. Empty string means success.
  boost::asio::awaitable<std::string> write(std::string_view bytes, Duration timeout);
  boost::asio::awaitable<ReplyOrFailure> read_reply(Duration timeout);
  boost::asio::awaitable<ReplyOrFailure> command(std::string_view line, Duration timeout);
  std::string io_reason(const boost::system::error_code& ec, Duration timeout) const;

  // Opening steps (client_session.cpp). Each returns false after recording the failure in
  // `out` and closing the connection.
  std::string bind_source(const boost::asio::ip::address& destination);
  boost::asio::awaitable<bool> ehlo(OpenOutcome& out);
  boost::asio::awaitable<bool> starttls(OpenOutcome& out);
  boost::asio::awaitable<bool> handshake(OpenOutcome& out);
  boost::asio::awaitable<bool> authenticate(OpenOutcome& out);
  boost::asio::awaitable<void> quit_quietly();

  // Transaction steps (client_transaction.cpp).
  boost::asio::awaitable<void> run_pipelined(const core::Envelope& envelope,
                                             core::ContentSource& content,
                                             const std::string& mail,
                                             TransactionOutcome& out,
                                             TransactionRecipients& rcpts);
  boost::asio::awaitable<void> run_in_lockstep(const core::Envelope& envelope,
                                               core::ContentSource& content,
                                               const std::string& mail, TransactionOutcome& out,
                                               TransactionRecipients& rcpts);
  boost::asio::awaitable<void> send_content(core::ContentSource& content, TransactionOutcome& out,
                                            TransactionRecipients& rcpts);

  boost::asio::any_io_executor executor_;
  ClientOptions options_;
  tcp::socket plain_;
  std::optional<boost::asio::ssl::stream<tcp::socket>> tls_;
  boost::asio::steady_timer timer_;
  std::uint64_t deadline_generation_ = 0;
  bool timed_out_ = false;

  ReplyParser parser_;
  std::string pending_;  // received bytes not yet parsed (after a complete reply)
  std::array<char, 4096> buffer_{};

  Capabilities caps_;
  std::string peer_;
  bool connected_ = false;
  bool tls_active_ = false;  // the handshake succeeded (STARTTLS or implicit TLS)
  bool usable_ = false;
  std::size_t transactions_ = 0;
};

}  // namespace stsrelay::smtp
