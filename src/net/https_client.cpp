#include "src/net/https_client.hpp"

#include <algorithm>
#include <chrono>
#include <exception>
#include <functional>
#include <utility>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "src/net/cert_verify.hpp"
#include "src/net/await_callback.hpp"
#include "src/net/h2_session.hpp"
#include "src/net/https_http1.hpp"
#include "src/net/https_tls.hpp"
#include "src/net/https_url.hpp"

namespace stsrelay::net {
namespace asio = boost::asio;
using namespace https_detail;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

// Closes the connection when its time is up, so that whatever operation is pending fails and the
// request coroutine sees fired(). The state lives in a shared_ptr because a timer handler that
// was already queued may run after the watchdog is gone or re-armed: it checks the expiry and
// that it is still armed before acting.
class Watchdog {
 public:
  explicit Watchdog(const asio::any_io_executor& ex) : state_(std::make_shared<State>(ex)) {}
  ~Watchdog() { disarm(); }
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  void arm(Clock::time_point when, std::function<void()> on_fire) {
    state_->fired = false;
    state_->on_fire = std::move(on_fire);
    state_->timer.expires_at(when);
    state_->timer.async_wait([state = state_](const boost::system::error_code& ec) {
      if (ec || !state->on_fire || state->timer.expiry() > Clock::now()) return;
      state->fired = true;
      auto fire = std::move(state->on_fire);
      state->on_fire = nullptr;
      fire();
    });
  }
  void disarm() {
    state_->on_fire = nullptr;
    state_->timer.cancel();
  }
  bool fired() const { return state_->fired; }

 private:
  struct State {
    explicit State(const asio::any_io_executor& ex) : timer(ex) {}
    asio::steady_timer timer;
    std::function<void()> on_fire;
    bool fired = false;
  };
  std::shared_ptr<State> state_;
};

asio::ip::address to_asio(const IpAddress& a) {
  if (a.family == IpFamily::v4) {
    asio::ip::address_v4::bytes_type b;
    std::copy_n(a.bytes.begin(), 4, b.begin());
    return asio::ip::address_v4(b);
  }
  asio::ip::address_v6::bytes_type b;
  std::copy_n(a.bytes.begin(), 16, b.begin());
  return asio::ip::address_v6(b);
}

std::string endpoint_text(const IpAddress& a, std::uint16_t port) {
  return a.family == IpFamily::v6 ? "[" + a.to_string() + "]:" + std::to_string(port)
                                  : a.to_string() + ":" + std::to_string(port);
}

std::string describe_lookup(std::string_view type, const DnsResult<IpAddress>& r) {
  std::string out = std::string(type) + " " + std::string(to_string(r.status));
  if (!r.reason.empty()) out += " (" + r.reason + ")";
  return out;
}

HttpsError timeout_error(const HttpsRequest& request, std::string_view step) {
  return {HttpsErrorKind::timeout, false,
          "no complete response within " + std::to_string(request.timeout.count()) +
              " ms (while " + std::string(step) + ")"};
}

}  // namespace

class HttpsClient::Impl : public std::enable_shared_from_this<HttpsClient::Impl> {
 public:
  Impl(asio::any_io_executor ex, Resolver& resolver, HttpsClientSettings settings,
       std::shared_ptr<asio::ssl::context> tls)
      : ex_(std::move(ex)),
        resolver_(resolver),
        settings_(std::move(settings)),
        tls_(std::move(tls)) {}

  static asio::awaitable<void> serve(std::shared_ptr<Impl> self, HttpsRequest request,
                                     Callback done) {
    HttpsResult result = HttpsError{HttpsErrorKind::protocol, false, "not started"};
    try {
      result = co_await self->run(std::move(request));
    } catch (const std::exception& e) {
      // Allocation failures and the like: still one answer, never a lost callback.
      result = HttpsError{HttpsErrorKind::protocol, false,
                          std::string("HTTPS request failed: ") + e.what()};
    }
    done(std::move(result));
  }

  asio::any_io_executor ex_;

 private:
  // A, then AAAA: IPv4 is tried first because it is what policy hosts reliably serve; every
  // address is tried in turn anyway.
  asio::awaitable<HttpsResult> run(HttpsRequest request);
  asio::awaitable<std::vector<IpAddress>> resolve(const std::string& host, std::string& why);

  Resolver& resolver_;
  HttpsClientSettings settings_;
  std::shared_ptr<asio::ssl::context> tls_;
};

asio::awaitable<std::vector<IpAddress>> HttpsClient::Impl::resolve(const std::string& host,
                                                                   std::string& why) {
  const DnsResult<IpAddress> a = co_await await_call(resolver_, &Resolver::resolve_a, host);
  const DnsResult<IpAddress> aaaa = co_await await_call(resolver_, &Resolver::resolve_aaaa, host);
  std::vector<IpAddress> out = a.records;
  out.insert(out.end(), aaaa.records.begin(), aaaa.records.end());
  if (out.empty()) {
    why = "no address for " + host + ": " + describe_lookup("A", a) + ", " +
          describe_lookup("AAAA", aaaa);
  }
  co_return out;
}

asio::awaitable<HttpsResult> HttpsClient::Impl::run(HttpsRequest request) {
  auto url = parse_https_url(request.url);
  if (!url) co_return HttpsError{HttpsErrorKind::url, false, url.error().message};
  const Clock::time_point deadline = Clock::now() + request.timeout;
  const auto ex = co_await asio::this_coro::executor;

  std::string dns_failure;
  const std::vector<IpAddress> addresses = co_await resolve(url->host, dns_failure);
  if (addresses.empty()) co_return HttpsError{HttpsErrorKind::dns, false, dns_failure};
  if (Clock::now() >= deadline) co_return timeout_error(request, "resolving " + url->host);

  Watchdog watchdog(ex);
  std::shared_ptr<TlsStream> stream;
  std::string peer;
  std::string connect_failures;
  for (const IpAddress& address : addresses) {
    if (Clock::now() >= deadline) break;
    auto attempt = std::make_shared<TlsStream>(ex, *tls_);
    const std::string where = endpoint_text(address, url->port);
    watchdog.arm(std::min(Clock::now() + request.connect_timeout, deadline), [attempt] {
      boost::system::error_code ignored;
      attempt->lowest_layer().close(ignored);
    });
    auto [ec] = co_await attempt->lowest_layer().async_connect(
        Tcp::endpoint(to_asio(address), url->port), kTuple);
    watchdog.disarm();
    if (!ec) {
      stream = std::move(attempt);
      peer = where;
      break;
    }
    if (!connect_failures.empty()) connect_failures += "; ";
    connect_failures += where + ": " + (watchdog.fired() ? "timed out" : ec.message());
  }
  if (!stream) {
    if (Clock::now() >= deadline) {
      co_return timeout_error(request, "connecting: " + connect_failures);
    }
    co_return HttpsError{HttpsErrorKind::connect, false,
                         "cannot connect to " + url->host + ": " + connect_failures};
  }

  // From here on, the total deadline closes the connection.
  watchdog.arm(deadline, [stream] {
    boost::system::error_code ignored;
    stream->lowest_layer().close(ignored);
  });
  if (auto prepared = prepare_tls_stream(*stream, url->host); !prepared) {
    co_return HttpsError{HttpsErrorKind::tls, false, prepared.error().message};
  }
  if (auto [ec] = co_await stream->async_handshake(asio::ssl::stream_base::client, kTuple); ec) {
    if (watchdog.fired()) co_return timeout_error(request, "in the TLS handshake with " + peer);
    co_return describe_handshake_failure(*stream, ec, peer);
  }

  const HttpProtocol protocol = negotiated_protocol(*stream);
  // Two statements, not `?:`: GCC 12 mishandles co_await inside a conditional expression.
  HttpsResult result = HttpsError{HttpsErrorKind::protocol, false, "no exchange"};
  if (protocol == HttpProtocol::h2) {
    result = co_await exchange_h2(*stream, *url, request, settings_.user_agent);
  } else {
    result = co_await exchange_http1(*stream, *url, request, settings_.user_agent);
  }
  const bool fired = watchdog.fired();
  watchdog.disarm();
  boost::system::error_code ignored;
  stream->lowest_layer().close(ignored);
  if (!result.ok() && fired) {
    co_return timeout_error(request, std::string("in the ") + std::string(to_string(protocol)) +
                                         " exchange with " + peer);
  }
  if (result.ok()) {
    HttpsResponse& response = result.value();
    response.peer = peer;
    // The chain verified in the handshake; what remains is to say which names and until when.
    CertVerdict cert = judge_peer(stream->native_handle(), url->host);
    response.certificate_names = std::move(cert.dns_names);
    response.certificate_not_after = std::move(cert.not_after);
  }
  co_return result;
}

core::Result<std::unique_ptr<HttpsClient>> HttpsClient::create(asio::any_io_executor ex,
                                                               Resolver& resolver,
                                                               HttpsClientSettings settings) {
  auto tls = make_tls_context(settings.ca_file);
  if (!tls) return tls.error();
  auto impl = std::make_shared<Impl>(std::move(ex), resolver, std::move(settings),
                                     std::move(tls.value()));
  return std::unique_ptr<HttpsClient>(new HttpsClient(std::move(impl)));
}

HttpsClient::~HttpsClient() = default;

void HttpsClient::fetch(HttpsRequest request, Callback done) {
  asio::co_spawn(asio::make_strand(impl_->ex_),
                 Impl::serve(impl_, std::move(request), std::move(done)), asio::detached);
}

}  // namespace stsrelay::net
