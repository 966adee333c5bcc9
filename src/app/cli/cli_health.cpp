// `stsrelay health`: asks the running daemon's /healthz ([metrics] listen) and prints one line,
// "healthy: smtp ok; queue ok; delivery ok" or "unhealthy: <why>". Exit 0 when healthy, 1 for
// everything else: unhealthy, no answer within 5 s, and a configuration without a metrics
// address too, because the Docker HEALTHCHECK that runs it reserves exit status 2.
#include <CLI/CLI.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <iostream>
#include <optional>

#include "src/app/cli/cli_common.hpp"
#include "src/app/metrics/metrics_probe.hpp"
#include "src/app/metrics/metrics_text.hpp"
#include "src/net/listen_address.hpp"

namespace stsrelay::app {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

struct Answer {
  int status = 0;
  std::string body;
  std::string error;
};

asio::awaitable<void> ask(std::string host, std::uint16_t port, Answer& answer) {
  auto executor = co_await asio::this_coro::executor;
  beast::tcp_stream stream(executor);
  stream.expires_after(std::chrono::seconds(5));
  boost::system::error_code ec;
  const asio::ip::tcp::endpoint endpoint(asio::ip::make_address(host, ec), port);
  if (ec) {
    answer.error = ec.message();
    co_return;
  }
  co_await stream.async_connect(endpoint, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    answer.error = "connect to " + net::format_endpoint(host, port) + ": " + ec.message();
    co_return;
  }
  http::request<http::empty_body> request(http::verb::get, "/healthz", 11);
  request.set(http::field::host, host);
  request.set(http::field::connection, "close");
  co_await http::async_write(stream, request, asio::redirect_error(asio::use_awaitable, ec));
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  if (!ec) {
    co_await http::async_read(stream, buffer, response,
                              asio::redirect_error(asio::use_awaitable, ec));
  }
  if (ec) {
    answer.error = "reading /healthz: " + ec.message();
    co_return;
  }
  answer.status = static_cast<int>(response.result_int());
  answer.body = response.body();
}

int run_health(const CliContext& ctx) {
  auto unhealthy = [](const std::string& why) {
    std::cout << "unhealthy: " << why << "\n";
    return kExitFailure;
  };
  auto config = load_config_for_cli(ctx);  // prints what is wrong
  if (!config) return unhealthy("the configuration " + ctx.config_path + " is not usable");
  if (config->metrics.listen.empty()) {
    return unhealthy("metrics.listen is not set: the daemon serves no /healthz to ask");
  }
  // A wildcard address is asked through loopback.
  auto address = probe_address(config->metrics.listen);
  if (!address) return unhealthy("metrics.listen: " + address.error().message);
  asio::io_context io;
  Answer answer;
  asio::co_spawn(io, ask(address->host, address->port, answer), asio::detached);
  io.run_for(std::chrono::seconds(6));
  if (answer.status == 0) {
    return unhealthy(answer.error.empty() ? std::string("no answer in 5s") : answer.error);
  }
  std::cout << summarize_health(answer.status, answer.body) << "\n";
  return answer.status == 200 ? kExitOk : kExitFailure;
}

}  // namespace

void add_health_command(CLI::App& app, CliContext& ctx) {
  CLI::App* cmd = app.add_subcommand(
      "health", "ask the running daemon whether it is healthy ([metrics] listen, /healthz)");
  run_when_chosen(*cmd, ctx, [&ctx] { return run_health(ctx); });
}

}  // namespace stsrelay::app
