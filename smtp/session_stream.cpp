#include "smtp/session_stream.hpp"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace stsrelay::smtp {

namespace asio = boost::asio;

asio::awaitable<std::size_t> SessionStream::read_some(asio::mutable_buffer buffer,
                                                      error_code& ec) {
  auto token = asio::redirect_error(asio::use_awaitable, ec);
  if (tls_) co_return co_await tls_->async_read_some(buffer, token);
  co_return co_await socket_.async_read_some(buffer, token);
}

asio::awaitable<void> SessionStream::write(asio::const_buffer buffer, error_code& ec) {
  auto token = asio::redirect_error(asio::use_awaitable, ec);
  if (tls_) {
    co_await asio::async_write(*tls_, buffer, token);
  } else {
    co_await asio::async_write(socket_, buffer, token);
  }
}

asio::awaitable<void> SessionStream::handshake(asio::ssl::context& ctx, error_code& ec) {
  tls_.emplace(std::move(socket_), ctx);
  co_await tls_->async_handshake(asio::ssl::stream_base::server,
                                 asio::redirect_error(asio::use_awaitable, ec));
}

std::string SessionStream::tls_summary() {
  if (!tls_) return {};
  SSL* ssl = tls_->native_handle();
  const char* version = SSL_get_version(ssl);
  const char* cipher = SSL_get_cipher_name(ssl);
  return std::string(version ? version : "?") + ":" + (cipher ? cipher : "?");
}

void SessionStream::cancel() {
  error_code ignored;
  tcp_socket().cancel(ignored);
}

void SessionStream::close() {
  error_code ignored;
  tcp_socket().shutdown(tcp::socket::shutdown_both, ignored);
  tcp_socket().close(ignored);
}

}  // namespace stsrelay::smtp
