// The metrics endpoint over loopback with sources that the test controls: routing, the
// Prometheus content type, request bounds, and each /healthz check failing on its own.
#include "src/app/metrics/metrics_server.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <atomic>
#include <memory>
#include <optional>
#include <thread>

namespace stsrelay::app {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

struct Reply {
  int status = 0;
  std::string headers;
  std::string body;
};

// Sends `request` and reads until the server closes. A receive timeout keeps a broken server
// from hanging the test; the assertions are on what arrived, not on when.
Reply http_exchange(std::uint16_t port, const std::string& request) {
  asio::io_context io;
  tcp::socket socket(io);
  socket.connect({asio::ip::make_address("127.0.0.1"), port});
  timeval tv{10, 0};
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  boost::system::error_code ec;
  if (!request.empty()) asio::write(socket, asio::buffer(request), ec);
  std::string raw;
  asio::read(socket, asio::dynamic_buffer(raw), ec);
  Reply r;
  if (raw.rfind("HTTP/1.1 ", 0) != 0) return r;
  r.status = std::stoi(raw.substr(9, 3));
  const auto end = raw.find("\r\n\r\n");
  r.headers = raw.substr(0, end);
  if (end != std::string::npos) r.body = raw.substr(end + 4);
  return r;
}

Reply get(std::uint16_t port, const std::string& target) {
  return http_exchange(port, "GET " + target + " HTTP/1.1\r\nHost: localhost\r\n\r\n");
}

MetricsSnapshot sample_snapshot() {
  MetricsSnapshot s;
  s.messages_accepted = 42;
  s.recipients_by_state = {{"queued", 3}};
  return s;
}

// The server on an io_context run by a thread of its own, with sources the test sets before
// start().
class Harness {
 public:
  Harness() : work_(asio::make_work_guard(io_)) {
    sources_.snapshot = [] { return sample_snapshot(); };
    sources_.check_queue = [] { return HealthCheck{"queue", true, ""}; };
    sources_.smtp_endpoints = [this] { return endpoints_; };
    sources_.check_delivery = [](std::function<void(bool)> done) { done(true); };
    limits_.request_timeout = std::chrono::milliseconds(300);
    limits_.header_limit = 1024;
    limits_.check_timeout = std::chrono::milliseconds(300);
  }

  ~Harness() {
    server_.reset();
    work_.reset();
    io_.stop();
    if (thread_.joinable()) thread_.join();
  }

  std::uint16_t start() {
    auto server = MetricsServer::start(io_, "127.0.0.1:0", sources_, limits_);
    EXPECT_TRUE(server.ok()) << server.error().message;
    server_ = std::move(*server);
    thread_ = std::thread([this] { io_.run(); });
    const std::string bound = server_->local_endpoint();
    return static_cast<std::uint16_t>(std::stoi(bound.substr(bound.rfind(':') + 1)));
  }

  // A listener that answers every connection with `greeting` and reads until the client
  // closes: what the SMTP check expects of the real server.
  std::string start_greeter(std::string greeting) {
    auto acceptor = std::make_shared<tcp::acceptor>(
        io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    const std::uint16_t port = acceptor->local_endpoint().port();
    asio::co_spawn(io_, greet(acceptor, std::move(greeting)), asio::detached);
    return "127.0.0.1:" + std::to_string(port);
  }

  static asio::awaitable<void> greet(std::shared_ptr<tcp::acceptor> acceptor,
                                     std::string greeting) {
    for (;;) {
      tcp::socket socket = co_await acceptor->async_accept(asio::use_awaitable);
      boost::system::error_code ec;
      co_await asio::async_write(socket, asio::buffer(greeting),
                                 asio::redirect_error(asio::use_awaitable, ec));
      std::string ignored;
      co_await asio::async_read(socket, asio::dynamic_buffer(ignored),
                                asio::redirect_error(asio::use_awaitable, ec));
    }
  }

  // An address where nothing listens: bound for a moment, then closed.
  static std::string closed_address() {
    asio::io_context io;
    tcp::acceptor a(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    return "127.0.0.1:" + std::to_string(a.local_endpoint().port());
  }

  asio::io_context io_;  // first: destroyed last
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  MetricsSources sources_;
  MetricsLimits limits_;
  std::vector<std::string> endpoints_;
  std::unique_ptr<MetricsServer> server_;
  std::thread thread_;
};

TEST(MetricsServer, MetricsInTheTextFormat) {
  Harness h;
  const std::uint16_t port = h.start();
  for (const char* target : {"/metrics", "/metrics?name[]=x"}) {
    SCOPED_TRACE(target);
    const Reply r = get(port, target);
    EXPECT_EQ(r.status, 200);
    EXPECT_NE(r.headers.find("Content-Type: text/plain; version=0.0.4; charset=utf-8"),
              std::string::npos)
        << r.headers;
    EXPECT_EQ(r.body, render_metrics(sample_snapshot()));
  }
}

TEST(MetricsServer, RequestsThatAreNotServed) {
  Harness h;
  const std::uint16_t port = h.start();
  struct Row {
    const char* name;
    std::string request;
    int status;
  };
  const Row rows[] = {
      {"unknown path", "GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n", 404},
      {"not GET", "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", 405},
      {"header over the limit",
       "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Filler: " + std::string(2000, 'a') + "\r\n\r\n",
       431},
      {"not HTTP", "HELO example.com\r\n\r\n", 400},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    EXPECT_EQ(http_exchange(port, row.request).status, row.status);
  }
}

TEST(MetricsServer, SilentClientIsClosedWithoutAnswer) {
  Harness h;
  const std::uint16_t port = h.start();
  const Reply r = http_exchange(port, "");  // connect, send nothing, read until closed
  EXPECT_EQ(r.status, 0);
  const Reply half = http_exchange(port, "GET /metr");
  EXPECT_EQ(half.status, 0);
  EXPECT_EQ(get(port, "/metrics").status, 200);  // and the server still serves
}

TEST(MetricsServer, HealthyWhenEveryCheckPasses) {
  Harness h;
  h.endpoints_ = {h.start_greeter("220-relay.test ESMTP\r\n220 ready\r\n"),
                  h.start_greeter("220 relay.test\r\n")};
  const std::uint16_t port = h.start();
  const Reply r = get(port, "/healthz");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "smtp ok\nqueue ok\ndelivery ok\n");
}

TEST(MetricsServer, DnssecLineInformsWithoutFailing) {
  Harness h;
  h.endpoints_ = {h.start_greeter("220 relay.test\r\n")};
  h.sources_.check_dnssec = [] {
    HealthCheck line{"dnssec", true, "not validating: DANE off (no AD)"};
    line.informational = true;
    return line;
  };
  const std::uint16_t port = h.start();
  const Reply r = get(port, "/healthz");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body,
            "smtp ok\nqueue ok\ndelivery ok\ndnssec not validating: DANE off (no AD)\n");
}

TEST(MetricsServer, EachCheckFailsOnItsOwn) {
  struct Row {
    const char* name;
    std::function<void(Harness&)> arrange;
    std::string body;  // the line expected in the 503 body
  };
  const std::string refused = Harness::closed_address();
  const Row rows[] = {
      {"no listener", [](Harness& t) { t.endpoints_.clear(); }, "smtp failing: not listening\n"},
      {"listener refuses connections",
       [&](Harness& t) { t.endpoints_ = {refused}; },
       "smtp failing: " + refused + ": connect: Connection refused\n"},
      {"listener greets 421",
       [](Harness& t) {
         t.endpoints_ = {t.start_greeter("421 4.7.0 too many connections\r\n")};
       },
       "4.7.0 too many connections\n"},
      {"listener never greets",
       [](Harness& t) { t.endpoints_ = {t.start_greeter("")}; },
       ": no greeting in time\n"},
      {"queue read fails",
       [](Harness& t) {
         t.sources_.check_queue = [] { return HealthCheck{"queue", false, "disk I/O error"}; };
       },
       "queue failing: disk I/O error\n"},
      {"delivery agent does not answer",
       [](Harness& t) {
         t.sources_.check_delivery = [](std::function<void(bool)>) {};
       },
       "delivery failing: the agent did not answer in 300ms\n"},
      {"scheduler ended",
       [](Harness& t) {
         t.sources_.check_delivery = [](std::function<void(bool)> done) { done(false); };
       },
       "delivery failing: the scheduler is not running\n"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    Harness t;
    t.endpoints_ = {t.start_greeter("220 relay.test\r\n")};
    row.arrange(t);
    const Reply r = get(t.start(), "/healthz");
    EXPECT_EQ(r.status, 503);
    EXPECT_NE(r.body.find(row.body), std::string::npos) << r.body;
  }
}

TEST(MetricsServer, DeliveryAnswerFromAnotherThread) {
  Harness h;
  h.endpoints_ = {h.start_greeter("220 relay.test\r\n")};
  std::thread answerer;  // set on the io thread, joined after the answer arrived
  h.sources_.check_delivery = [&answerer](std::function<void(bool)> done) {
    answerer = std::thread([done = std::move(done)] { done(true); });
  };
  const std::uint16_t port = h.start();
  EXPECT_EQ(get(port, "/healthz").body, "smtp ok\nqueue ok\ndelivery ok\n");
  answerer.join();
}

TEST(MetricsServer, AddressInUseIsAnError) {
  Harness h;
  const std::uint16_t port = h.start();
  auto second = MetricsServer::start(h.io_, "127.0.0.1:" + std::to_string(port), h.sources_);
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.error().message.find("metrics.listen"), std::string::npos);
}

}  // namespace
}  // namespace stsrelay::app
