#include "src/app/metrics/metrics_server.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/spdlog.h>

#include <array>
#include <atomic>
#include <chrono>
#include <optional>
#include <type_traits>

#include "src/app/metrics/metrics_smtp_probe.hpp"
#include "src/net/listen_address.hpp"

namespace stsrelay::app {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

using Response = http::response<http::string_body>;

Response text_response(http::status status, std::string body) {
  Response r;
  r.result(status);
  r.set(http::field::content_type, "text/plain; charset=utf-8");
  r.body() = std::move(body);
  return r;
}

// The answer to a request that could not be read, or none when the client went away or was too
// slow (there is nobody to tell).
std::optional<Response> read_failure_response(const boost::system::error_code& ec) {
  if (ec == http::error::header_limit || ec == http::error::buffer_overflow) {
    return text_response(http::status::request_header_fields_too_large, "header too large\n");
  }
  const bool parse_error = ec.category() == http::make_error_code(http::error::bad_target).category();
  if (parse_error && ec != http::error::end_of_stream && ec != http::error::partial_message) {
    return text_response(http::status::bad_request, "bad request\n");
  }
  return std::nullopt;
}

}  // namespace

class MetricsServer::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(asio::io_context& io, MetricsSources sources, MetricsLimits limits)
      : io_(io),
        strand_(asio::make_strand(io)),
        acceptor_(strand_),
        sources_(std::move(sources)),
        limits_(limits) {}

  static asio::awaitable<void> accept_loop(std::shared_ptr<Impl> self) {
    asio::steady_timer backoff(self->strand_);
    while (!self->stopped_) {
      boost::system::error_code ec;
      tcp::socket socket = co_await self->acceptor_.async_accept(
          asio::make_strand(self->io_), asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        if (self->stopped_ || ec == asio::error::operation_aborted) break;
        // EMFILE and friends: do not spin.
        spdlog::warn("metrics: accept failed: {}", ec.message());
        backoff.expires_after(std::chrono::milliseconds(100));
        co_await backoff.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        continue;
      }
      auto executor = socket.get_executor();
      asio::co_spawn(executor, serve(self, std::move(socket)), asio::detached);
    }
  }

  // `fn()` on the worker thread; the caller resumes on its own executor.
  template <typename Fn>
  static asio::awaitable<std::invoke_result_t<Fn>> on_worker(std::shared_ptr<Impl> self, Fn fn) {
    co_return co_await asio::co_spawn(
        self->worker_.get_executor(),
        [fn = std::move(fn)]() -> asio::awaitable<std::invoke_result_t<Fn>> { co_return fn(); },
        asio::use_awaitable);
  }

  static asio::awaitable<Response> health(std::shared_ptr<Impl> self) {
    auto executor = co_await asio::this_coro::executor;
    // The delivery check goes first and is awaited last, so the checks run side by side.
    struct Ping {
      std::atomic<bool> answered{false};
      std::atomic<bool> scheduling{false};
    };
    auto ping = std::make_shared<Ping>();
    auto timer = std::make_shared<asio::steady_timer>(executor, self->limits_.check_timeout);
    self->sources_.check_delivery([ping, timer, executor](bool scheduling) {
      ping->scheduling = scheduling;
      ping->answered = true;
      asio::post(executor, [timer] { timer->cancel(); });
    });

    std::vector<HealthCheck> checks;
    checks.push_back(co_await probe_smtp(self->sources_.smtp_endpoints(),
                                         self->limits_.check_timeout));
    // Raw pointers into the worker: this coroutine holds `self` until the read is back, and
    // the worker must never hold the last reference (the Impl owns the worker's thread).
    Impl* impl = self.get();
    checks.push_back(co_await on_worker(self, [impl] { return impl->sources_.check_queue(); }));
    if (self->sources_.check_database) checks.push_back(self->sources_.check_database());

    // This coroutine runs on a strand, and so does the posted cancel: an answer that came
    // before this test is seen here, one that comes later cancels the wait.
    if (!ping->answered) {
      boost::system::error_code ec;
      co_await timer->async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    if (!ping->answered) {
      checks.push_back({"delivery", false,
                        "the agent did not answer in " +
                            std::to_string(self->limits_.check_timeout.count()) + "ms"});
    } else if (!ping->scheduling) {
      checks.push_back({"delivery", false, "the scheduler is not running"});
    } else {
      checks.push_back({"delivery", true, ""});
    }
    if (self->sources_.check_dnssec) checks.push_back(self->sources_.check_dnssec());
    const HealthReport report = render_health(checks);
    co_return text_response(report.healthy ? http::status::ok : http::status::service_unavailable,
                            report.body);
  }

  static asio::awaitable<Response> answer(std::shared_ptr<Impl> self,
                                          const http::request<http::empty_body>& request) {
    std::string_view target(request.target().data(), request.target().size());
    target = target.substr(0, target.find('?'));  // scrapers may add parameters
    if (request.method() != http::verb::get) {
      Response r = text_response(http::status::method_not_allowed, "GET only\n");
      r.set(http::field::allow, "GET");
      co_return r;
    }
    if (target == "/metrics") {
      Response r(http::status::ok, 11);
      r.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
      Impl* impl = self.get();  // see health()
      r.body() = co_await on_worker(self, [impl] {
        return render_metrics(impl->sources_.snapshot());
      });
      co_return r;
    }
    if (target == "/healthz") co_return co_await health(self);
    co_return text_response(http::status::not_found,
                            "not found: /metrics and /healthz are served here\n");
  }

  static asio::awaitable<void> serve(std::shared_ptr<Impl> self, tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    stream.expires_after(self->limits_.request_timeout);
    beast::flat_buffer buffer;
    http::request_parser<http::empty_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(self->limits_.header_limit));
    boost::system::error_code ec;
    co_await http::async_read(stream, buffer, parser,
                              asio::redirect_error(asio::use_awaitable, ec));
    Response response;
    if (ec) {
      auto failure = read_failure_response(ec);
      if (!failure) co_return;
      response = std::move(*failure);
    } else {
      response = co_await answer(self, parser.get());
    }
    response.version(11);
    response.keep_alive(false);
    response.set(http::field::server, "stsrelay");
    response.prepare_payload();
    // The checks may have used up the first bound; writing and closing get one of their own.
    stream.expires_after(self->limits_.request_timeout);
    co_await http::async_write(stream, response, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    // A lingering close: closing with unread request octets would send a reset that may
    // destroy the answer before the client read it (a header over the limit, for one).
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    std::array<char, 1024> sink{};
    while (!ec) {
      co_await stream.async_read_some(asio::buffer(sink),
                                      asio::redirect_error(asio::use_awaitable, ec));
    }
  }

  asio::io_context& io_;
  asio::strand<asio::io_context::executor_type> strand_;
  tcp::acceptor acceptor_;
  const MetricsSources sources_;
  const MetricsLimits limits_;
  asio::thread_pool worker_{1};
  std::string bound_;  // set before the accept loop starts, then only read
  std::atomic<bool> stopped_{false};
};

core::Result<std::unique_ptr<MetricsServer>> MetricsServer::start(asio::io_context& io,
                                                                  const std::string& listen,
                                                                  MetricsSources sources,
                                                                  MetricsLimits limits) {
  auto address = net::parse_listen_address(listen);
  if (!address) return core::Error::invalid("metrics.listen: " + address.error().message);
  auto impl = std::make_shared<Impl>(io, std::move(sources), limits);
  boost::system::error_code ec;
  const tcp::endpoint endpoint(asio::ip::make_address(address->host, ec), address->port);
  if (ec) return core::Error::invalid("metrics.listen \"" + listen + "\": " + ec.message());
  auto fail = [&](const char* step) {
    return core::Error::temporary("metrics.listen: cannot listen on \"" + listen + "\": " + step +
                                  ": " + ec.message());
  };
  impl->acceptor_.open(endpoint.protocol(), ec);
  if (ec) return fail("socket");
  impl->acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  impl->acceptor_.bind(endpoint, ec);
  if (ec) return fail("bind");
  impl->acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return fail("listen");
  const tcp::endpoint local = impl->acceptor_.local_endpoint(ec);
  if (ec) return fail("local address");
  impl->bound_ = net::format_endpoint(local.address().to_string(), local.port());
  asio::co_spawn(impl->strand_, Impl::accept_loop(impl), asio::detached);
  spdlog::info("metrics: serving /metrics and /healthz on {}", impl->bound_);
  return std::unique_ptr<MetricsServer>(new MetricsServer(std::move(impl)));
}

MetricsServer::MetricsServer(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

MetricsServer::~MetricsServer() {
  stop();
  // Reads already handed to the worker finish now, while what they read still exists; none
  // starts later. (Their requests end with the io_context.)
  impl_->worker_.join();
}

void MetricsServer::stop() {
  if (impl_->stopped_.exchange(true)) return;
  auto impl = impl_;
  asio::post(impl->strand_, [impl] {
    boost::system::error_code ec;
    impl->acceptor_.close(ec);
  });
}

std::string MetricsServer::local_endpoint() const { return impl_->bound_; }

}  // namespace stsrelay::app
