#include "src/app/metrics_server.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>

#include "src/net/listen_address.hpp"

namespace stsrelay::app {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

class MetricsServer::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(asio::io_context& io, MetricsSources sources)
      : io_(io), strand_(asio::make_strand(io)), acceptor_(strand_), sources_(std::move(sources)) {}

  static asio::awaitable<void> accept_loop(std::shared_ptr<Impl> self) {
    while (!self->stopped_) {
      boost::system::error_code ec;
      tcp::socket socket = co_await self->acceptor_.async_accept(
          asio::make_strand(self->io_), asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        if (self->stopped_ || ec == asio::error::operation_aborted) break;
        spdlog::warn("metrics: accept failed: {}", ec.message());
        continue;
      }
      auto executor = socket.get_executor();
      asio::co_spawn(executor, serve(self, std::move(socket)), asio::detached);
    }
  }

  // Whether the delivery scheduler ran a posted no-op within 2 s.
  static asio::awaitable<bool> delivery_alive(std::shared_ptr<Impl> self) {
    auto executor = co_await asio::this_coro::executor;
    auto timer = std::make_shared<asio::steady_timer>(executor, std::chrono::seconds(2));
    auto answered = std::make_shared<std::atomic<bool>>(false);
    self->sources_.ping_delivery([timer, answered, executor] {
      answered->store(true);
      asio::post(executor, [timer] { timer->cancel(); });
    });
    boost::system::error_code ec;
    co_await timer->async_wait(asio::redirect_error(asio::use_awaitable, ec));
    co_return answered->load();
  }

  static asio::awaitable<void> serve(std::shared_ptr<Impl> self, tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    stream.expires_after(std::chrono::seconds(5));
    beast::flat_buffer buffer(8192);
    http::request_parser<http::empty_body> parser;
    parser.header_limit(8192);
    parser.body_limit(0);
    boost::system::error_code ec;
    co_await http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;  // a client that sent nothing usable gets nothing
    const auto& request = parser.get();
    http::response<http::string_body> response;
    response.version(request.version());
    response.keep_alive(false);
    response.set(http::field::server, "stsrelay");
    const std::string target(request.target());
    if (request.method() != http::verb::get) {
      response.result(http::status::method_not_allowed);
      response.set(http::field::allow, "GET");
      response.body() = "GET only\n";
    } else if (target == "/metrics") {
      response.result(http::status::ok);
      response.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
      response.body() = render_metrics(self->sources_.snapshot());
    } else if (target == "/healthz") {
      std::vector<HealthCheck> checks = self->sources_.checks();
      const bool alive = co_await delivery_alive(self);
      checks.push_back({"delivery", alive, alive ? "" : "the scheduler did not answer in 2s"});
      const HealthReport report = render_health(checks);
      response.result(report.healthy ? http::status::ok : http::status::service_unavailable);
      response.set(http::field::content_type, "text/plain; charset=utf-8");
      response.body() = report.body;
    } else {
      response.result(http::status::not_found);
      response.body() = "not found: /metrics and /healthz are served here\n";
    }
    response.prepare_payload();
    co_await http::async_write(stream, response, asio::redirect_error(asio::use_awaitable, ec));
    stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  }

  asio::io_context& io_;
  asio::strand<asio::io_context::executor_type> strand_;
  tcp::acceptor acceptor_;
  MetricsSources sources_;
  std::atomic<bool> stopped_{false};
};

core::Result<std::unique_ptr<MetricsServer>> MetricsServer::start(asio::io_context& io,
                                                                  const std::string& listen,
                                                                  MetricsSources sources) {
  auto address = net::parse_listen_address(listen);
  if (!address) return core::Error::invalid("metrics.listen: " + address.error().message);
  auto impl = std::make_shared<Impl>(io, std::move(sources));
  boost::system::error_code ec;
  const tcp::endpoint endpoint(asio::ip::make_address(address->host, ec), address->port);
  if (ec) return core::Error::invalid("metrics.listen " + listen + ": " + ec.message());
  impl->acceptor_.open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) impl->acceptor_.bind(endpoint, ec);
  if (!ec) impl->acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return core::Error::permanent("metrics.listen " + listen + ": " + ec.message());
  asio::co_spawn(impl->strand_, Impl::accept_loop(impl), asio::detached);
  spdlog::info("metrics: serving /metrics and /healthz on {}", listen);
  return std::unique_ptr<MetricsServer>(new MetricsServer(std::move(impl)));
}

MetricsServer::MetricsServer(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

MetricsServer::~MetricsServer() { stop(); }

void MetricsServer::stop() {
  if (!impl_ || impl_->stopped_.exchange(true)) return;
  auto impl = impl_;
  asio::post(impl->strand_, [impl] {
    boost::system::error_code ec;
    impl->acceptor_.close(ec);
  });
}

}  // namespace stsrelay::app
