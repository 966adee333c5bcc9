#include "src/app/metrics/metrics_smtp_probe.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <array>
#include <string_view>

#include "src/app/metrics/metrics_probe.hpp"

namespace stsrelay::app {
namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

namespace {

// One listener: empty when it greets with 220, otherwise why not.
asio::awaitable<std::string> probe_one(const std::string& bound,
                                       std::chrono::milliseconds timeout) {
  auto address = probe_address(bound);
  if (!address) co_return bound + ": " + address.error().message;
  boost::system::error_code ec;
  const tcp::endpoint endpoint(asio::ip::make_address(address->host, ec), address->port);
  if (ec) co_return bound + ": " + ec.message();

  beast::tcp_stream stream(co_await asio::this_coro::executor);
  stream.expires_after(timeout);
  co_await stream.async_connect(endpoint, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return bound + ": connect: " + ec.message();

  std::string received;
  std::array<char, 512> chunk{};
  GreetingVerdict verdict;
  while (!verdict.complete) {
    const std::size_t n = co_await stream.async_read_some(
        asio::buffer(chunk), asio::redirect_error(asio::use_awaitable, ec));
    if (ec == beast::error::timeout) co_return bound + ": no greeting in time";
    if (ec) co_return bound + ": reading the greeting: " + ec.message();
    received.append(chunk.data(), n);
    verdict = judge_greeting(received);
  }
  if (!verdict.ok) co_return bound + ": greeting " + verdict.reply;

  // A polite end, so the server logs no broken session; its errors no longer matter.
  static constexpr std::string_view kQuit = "QUIT\r\n";
  co_await asio::async_write(stream, asio::buffer(kQuit.data(), kQuit.size()),
                             asio::redirect_error(asio::use_awaitable, ec));
  while (!ec) {
    co_await stream.async_read_some(asio::buffer(chunk),
                                    asio::redirect_error(asio::use_awaitable, ec));
  }
  co_return std::string();
}

}  // namespace

asio::awaitable<HealthCheck> probe_smtp(std::vector<std::string> endpoints,
                                        std::chrono::milliseconds timeout) {
  if (endpoints.empty()) co_return HealthCheck{"smtp", false, "not listening"};
  std::string failures;
  for (const std::string& bound : endpoints) {
    const std::string failure = co_await probe_one(bound, timeout);
    if (failure.empty()) continue;
    if (!failures.empty()) failures += ", ";
    failures += failure;
  }
  co_return HealthCheck{"smtp", failures.empty(), failures};
}

}  // namespace stsrelay::app
