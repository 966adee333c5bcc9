// The byte stream of one SMTP server session: a TCP socket, which STARTTLS (RFC 3207) turns
// into a TLS stream over the same connection. Internal to the server (includes Asio).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>

#include <optional>
#include <string>

namespace stsrelay::smtp {

class SessionStream {
 public:
  using tcp = boost::asio::ip::tcp;
  using error_code = boost::system::error_code;

  explicit SessionStream(tcp::socket socket) : socket_(std::move(socket)) {}

  boost::asio::awaitable<std::size_t> read_some(boost::asio::mutable_buffer buffer,
                                                error_code& ec);
  boost::asio::awaitable<void> write(boost::asio::const_buffer buffer, error_code& ec);
  // Server-side handshake; afterwards every read and write goes through TLS.
  boost::asio::awaitable<void> handshake(boost::asio::ssl::context& ctx, error_code& ec);

  tcp::socket::executor_type get_executor() { return tcp_socket().get_executor(); }
  bool tls_active() const { return tls_.has_value(); }
  // "TLSv1.3:TLS_AES_256_GCM_SHA384" (protocol version and cipher of the session).
  std::string tls_summary();

  // Aborts pending operations (timeouts, shutdown); they complete with operation_aborted.
  void cancel();
  void close();

 private:
  tcp::socket& tcp_socket() { return tls_ ? tls_->next_layer() : socket_; }

  tcp::socket socket_;  // moved into tls_ by handshake()
  std::optional<boost::asio::ssl::stream<tcp::socket>> tls_;
};

}  // namespace stsrelay::smtp
