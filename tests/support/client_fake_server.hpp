// A scripted SMTP server for the client session and delivery tests: one connection on
// 127.0.0.1 (an ephemeral port), or several connections one after the other on a chosen
// loopback address, each with a list of steps (send bytes, expect a command line, take the DATA
// content, STARTTLS, stall, close), and a record of what the client sent. Runs as a coroutine
// on the test's io_context; loopback only.
#pragma once

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace stsrelay::smtp::testing {

namespace asio = boost::asio;
using asio::ip::tcp;

struct Step {
  enum class Kind { send, expect, expect_data, starttls, stall, close, send_huge };
  Kind kind;
  std::string text;
  std::size_t size = 0;
};
inline Step send(std::string bytes) { return {Step::Kind::send, std::move(bytes)}; }
inline Step expect(std::string prefix) { return {Step::Kind::expect, std::move(prefix)}; }
inline Step expect_data() { return {Step::Kind::expect_data, {}}; }
inline Step starttls() { return {Step::Kind::starttls, {}}; }
inline Step stall() { return {Step::Kind::stall, {}}; }
inline Step close() { return {Step::Kind::close, {}}; }
// "250 " followed by `n` octets without a line end.
inline Step send_huge(std::size_t n) { return {Step::Kind::send_huge, {}, n}; }

class FakeSmtpServer {
 public:
  FakeSmtpServer(asio::io_context& io, std::vector<Step> script,
                 std::shared_ptr<asio::ssl::context> tls = nullptr)
      : FakeSmtpServer(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0),
                       {std::move(script)}, std::move(tls)) {}

  // One script per connection, accepted in turn on `at` (a loopback address; port 0: any).
  FakeSmtpServer(asio::io_context& io, tcp::endpoint at, std::vector<std::vector<Step>> scripts,
                 std::shared_ptr<asio::ssl::context> tls = nullptr)
      : io_(io), acceptor_(io, at), scripts_(std::move(scripts)), tls_context_(std::move(tls)) {
    asio::co_spawn(io_, run(), asio::detached);
  }

  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

  // Stops accepting and closes the connection in progress. Once the io_context has run the
  // aborted operations, `ended` is set and the server may be destroyed while the io_context
  // goes on running.
  void shut_down() {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    if (stream_) stream_->next_layer().close(ignored);
    if (socket_) socket_->close(ignored);
  }

  std::vector<std::string> received;  // command lines, without CRLF
  std::vector<std::string> data;      // DATA contents as on the wire, without the final "."
  std::string error;                  // the first step that did not go as scripted
  bool finished = false;              // the whole script ran (every connection's)
  std::size_t connections = 0;        // accepted so far
  bool ended = false;                 // nothing of the server is pending on the io_context
  std::size_t huge_sent = 0;          // octets of send_huge that the client took

 private:
  asio::awaitable<std::string> read_line() {
    boost::system::error_code ec;
    std::size_t n = 0;
    if (stream_) {
      n = co_await asio::async_read_until(*stream_, buffer_, "\r\n",
                                          asio::redirect_error(asio::use_awaitable, ec));
    } else {
      n = co_await asio::async_read_until(*socket_, buffer_, "\r\n",
                                          asio::redirect_error(asio::use_awaitable, ec));
    }
    if (ec) throw boost::system::system_error(ec, "read");
    std::string line(asio::buffers_begin(buffer_.data()),
                     asio::buffers_begin(buffer_.data()) + static_cast<std::ptrdiff_t>(n - 2));
    buffer_.consume(n);
    co_return line;
  }

  asio::awaitable<void> write(std::string_view bytes) {
    if (stream_) {
      co_await asio::async_write(*stream_, asio::buffer(bytes), asio::use_awaitable);
    } else {
      co_await asio::async_write(*socket_, asio::buffer(bytes), asio::use_awaitable);
    }
  }

  asio::awaitable<void> run() {
    for (const std::vector<Step>& script : scripts_) {
      co_await run_connection(script);
      if (!error.empty()) break;
    }
    finished = error.empty();
    ended = true;
  }

  asio::awaitable<void> run_connection(const std::vector<Step>& script) {
    try {
      socket_.emplace(co_await acceptor_.async_accept(asio::use_awaitable));
      ++connections;
      bool stop = false;
      for (const Step& step : script) {
        if (stop) break;
        switch (step.kind) {
          case Step::Kind::send: co_await write(step.text); break;
          case Step::Kind::expect: {
            std::string line = co_await read_line();
            received.push_back(line);
            if (line.rfind(step.text, 0) != 0) {
              error = "expected \"" + step.text + "\", got \"" + line + "\"";
              stop = true;
            }
            break;
          }
          case Step::Kind::expect_data: {
            std::string content;
            for (std::string line = co_await read_line(); line != ".";
                 line = co_await read_line()) {
              content += line + "\r\n";
            }
            data.push_back(content);
            break;
          }
          case Step::Kind::starttls: {
            if (buffer_.size() != 0) {
              error = "client sent data before the TLS handshake";
              stop = true;
              break;
            }
            stream_.emplace(std::move(*socket_), *tls_context_);
            co_await stream_->async_handshake(asio::ssl::stream_base::server,
                                              asio::use_awaitable);
            break;
          }
          case Step::Kind::stall: {
            asio::steady_timer timer(io_, std::chrono::hours(1));
            co_await timer.async_wait(asio::use_awaitable);
            break;
          }
          case Step::Kind::close: stop = true; break;
          case Step::Kind::send_huge: {
            co_await write("250 ");
            const std::string chunk(64 * 1024, 'x');
            while (huge_sent < step.size) {
              co_await write(chunk);
              huge_sent += chunk.size();
            }
            break;
          }
        }
      }
    } catch (const std::exception& e) {
      if (error.empty()) error = std::string("server: ") + e.what();
    }
    // Close whatever is open, so the client sees the end of the connection.
    boost::system::error_code ignored;
    if (stream_) stream_->next_layer().close(ignored);
    if (socket_) socket_->close(ignored);
    stream_.reset();
    socket_.reset();
    buffer_.consume(buffer_.size());
  }

  asio::io_context& io_;
  tcp::acceptor acceptor_;
  std::vector<std::vector<Step>> scripts_;
  std::shared_ptr<asio::ssl::context> tls_context_;
  std::optional<tcp::socket> socket_;
  std::optional<asio::ssl::stream<tcp::socket>> stream_;
  asio::streambuf buffer_;
};

}  // namespace stsrelay::smtp::testing
