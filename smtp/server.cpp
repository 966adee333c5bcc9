// Server: configuration snapshots, listeners (one acceptor coroutine per listen address),
// admission under the connection limits, reload and graceful stop. Sessions live in
// server_session.cpp.
#include "smtp/server.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "smtp/server_session.hpp"
#include "smtp/server_shared.hpp"
#include "src/net/listen_address.hpp"
#include "src/net/server_tls_context.hpp"

namespace stsrelay::smtp {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

namespace {

const core::SystemClock kSystemClock;

core::Result<std::shared_ptr<const ServerConfig>> build_config(ServerSettings settings) {
  auto cfg = std::make_shared<ServerConfig>();
  if (settings.hostname.empty()) return core::Error::invalid("server.hostname is empty");
  if (settings.tls_cert.empty() != settings.tls_key.empty()) {
    return core::Error::invalid("server.tls_cert and server.tls_key must be set together");
  }
  if (!settings.tls_cert.empty()) {
    auto tls = net::load_server_tls_context(settings.tls_cert, settings.tls_key);
    if (!tls) return tls.error();
    cfg->tls = tls.value();
  }
  if (!settings.auth_users_file.empty()) {
    auto users = AuthUsers::load(settings.auth_users_file);
    if (!users) {
      return core::Error{users.error().kind, "cannot load relay.auth_users_file \"" +
                                                 settings.auth_users_file +
                                                 "\": " + users.error().message};
    }
    cfg->users = std::make_shared<const AuthUsers>(std::move(users).value());
  }
  auto networks = net::NetworkList::parse(settings.allow_networks);
  if (!networks) return core::Error::invalid("relay.allow_networks: " + networks.error().message);
  cfg->relay_networks = std::move(networks).value();
  for (const std::string& spec : settings.listen) {
    if (auto la = net::parse_listen_address(spec); !la) return la.error();
  }
  cfg->settings = std::move(settings);
  return std::shared_ptr<const ServerConfig>(std::move(cfg));
}

std::string client_address(const tcp::endpoint& ep) {
  asio::ip::address a = ep.address();
  // A dual-stack socket reports IPv4 clients as ::ffff:a.b.c.d; logs, Received: and the relay
  // networks all want the plain IPv4 form.
  if (a.is_v6() && a.to_v6().is_v4_mapped()) {
    a = asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6());
  }
  return a.to_string();
}

void accept_connection(const std::shared_ptr<ServerShared>& shared, tcp::socket socket) {
  error_code ec;
  tcp::endpoint peer = socket.remote_endpoint(ec);
  if (ec) return;  // the client is already gone
  const std::string ip = client_address(peer);
  std::shared_ptr<const ServerConfig> cfg = shared->config();
  if (!shared->admit(ip, *cfg)) {
    shared->connections_refused++;
    spdlog::info("smtp: refused connection from [{}]: too many connections", ip);
    // A fresh socket's send buffer takes these few octets at once; never block on it.
    const std::string reply =
        format_reply(ServerProtocol::too_many_connections_reply(cfg->settings.hostname));
    socket.non_blocking(true, ec);
    asio::write(socket, asio::buffer(reply), ec);
    socket.shutdown(tcp::socket::shutdown_both, ec);
    socket.close(ec);
    return;
  }
  shared->connections_total++;
  // Replies are written whole, each in one write: without this, a reply written while the
  // previous one is unacknowledged waits for the client's delayed ACK (40 ms on Linux).
  socket.set_option(tcp::no_delay(true), ec);
  if (ec) spdlog::debug("smtp: TCP_NODELAY not set for [{}]: {}", ip, ec.message());
  const std::uint64_t id = shared->next_session_id();
  auto session = std::make_shared<Session>(shared, cfg, std::move(socket), ip, id);
  shared->add_session(id, session);
  session->start();
}

asio::awaitable<void> accept_loop(std::shared_ptr<ServerShared> shared,
                                  std::shared_ptr<tcp::acceptor> acceptor) {
  asio::steady_timer backoff(acceptor->get_executor());
  while (acceptor->is_open()) {
    error_code ec;
    // Each connection gets its own strand of the shared io_context.
    tcp::socket socket = co_await acceptor->async_accept(
        asio::any_io_executor(asio::make_strand(shared->io)),
        asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor->is_open()) co_return;
      // EMFILE and friends: do not spin; try again shortly.
      spdlog::warn("smtp: accept failed: {}", ec.message());
      backoff.expires_after(std::chrono::milliseconds(100));
      co_await backoff.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    accept_connection(shared, std::move(socket));
  }
}

struct Listener {
  std::string spec;   // as configured
  std::string bound;  // as bound ("127.0.0.1:41234")
  std::shared_ptr<tcp::acceptor> acceptor;
};

core::Result<Listener> open_listener(asio::io_context& io, const std::string& spec) {
  auto la = net::parse_listen_address(spec);
  if (!la) return la.error();
  auto fail = [&](const char* step, const error_code& ec) {
    return core::Error::temporary("cannot listen on \"" + spec + "\": " + step + ": " +
                                  ec.message());
  };
  error_code ec;
  tcp::endpoint ep(asio::ip::make_address(la->host, ec), la->port);
  if (ec) return fail("address", ec);
  auto acceptor = std::make_shared<tcp::acceptor>(asio::make_strand(io));
  acceptor->open(ep.protocol(), ec);
  if (ec) return fail("socket", ec);
  acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  // Each entry binds exactly its family: "0.0.0.0:25" and "[::]:25" can both be listed.
  if (ep.address().is_v6()) acceptor->set_option(asio::ip::v6_only(true), ec);
  acceptor->bind(ep, ec);
  if (ec) return fail("bind", ec);
  acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return fail("listen", ec);
  tcp::endpoint local = acceptor->local_endpoint(ec);
  if (ec) return fail("local address", ec);
  return Listener{spec, net::format_endpoint(local.address().to_string(), local.port()),
                  std::move(acceptor)};
}

void close_listener(const Listener& l) {
  asio::post(l.acceptor->get_executor(), [acceptor = l.acceptor]() {
    error_code ignored;
    acceptor->close(ignored);
  });
}

}  // namespace

struct Server::Impl {
  Impl(asio::io_context& io, ServerSettings s, MessageSink& sink, const core::Clock& clock)
      : shared(std::make_shared<ServerShared>(io, sink, clock)), initial(std::move(s)) {}

  core::Status apply(ServerSettings settings);

  std::shared_ptr<ServerShared> shared;
  ServerSettings initial;
  mutable std::mutex mu;
  std::vector<Listener> listeners;
  bool started = false;
  bool stopping = false;
};

core::Status Server::Impl::apply(ServerSettings settings) {
  auto cfg = build_config(std::move(settings));
  if (!cfg) return cfg.error();
  const auto& wanted = cfg.value()->settings.listen;
  std::lock_guard lock(mu);
  if (stopping) return core::Error::invalid("the SMTP server is stopping");
  std::vector<Listener> opened;
  for (const std::string& spec : wanted) {
    auto same = [&](const Listener& l) { return l.spec == spec; };
    if (std::any_of(listeners.begin(), listeners.end(), same) ||
        std::any_of(opened.begin(), opened.end(), same)) {
      continue;
    }
    auto l = open_listener(shared->io, spec);
    if (!l) {
      for (const Listener& o : opened) close_listener(o);
      return l.error();
    }
    opened.push_back(std::move(l).value());
  }
  std::vector<Listener> kept;
  for (Listener& l : listeners) {
    if (std::find(wanted.begin(), wanted.end(), l.spec) != wanted.end()) {
      kept.push_back(std::move(l));
    } else {
      spdlog::info("smtp: no longer listening on {}", l.bound);
      close_listener(l);
    }
  }
  shared->set_config(cfg.value());
  for (Listener& l : opened) {
    spdlog::info("smtp: listening on {}", l.bound);
    asio::co_spawn(l.acceptor->get_executor(), accept_loop(shared, l.acceptor), asio::detached);
    kept.push_back(std::move(l));
  }
  listeners = std::move(kept);
  return core::Ok{};
}

Server::Server(asio::io_context& io, ServerSettings settings, MessageSink& sink)
    : Server(io, std::move(settings), sink, kSystemClock) {}

Server::Server(asio::io_context& io, ServerSettings settings, MessageSink& sink,
               const core::Clock& clock)
    : impl_(std::make_shared<Impl>(io, std::move(settings), sink, clock)) {}

Server::~Server() {
  std::lock_guard lock(impl_->mu);
  for (const Listener& l : impl_->listeners) close_listener(l);
  impl_->listeners.clear();
  impl_->shared->close_sessions();
}

core::Status Server::start() {
  {
    std::lock_guard lock(impl_->mu);
    if (impl_->started) return core::Error::invalid("the SMTP server is already started");
    impl_->started = true;
  }
  auto status = impl_->apply(impl_->initial);
  if (!status) {
    std::lock_guard lock(impl_->mu);
    impl_->started = false;
  }
  return status;
}

core::Status Server::reload(ServerSettings settings) {
  {
    std::lock_guard lock(impl_->mu);
    if (!impl_->started) return core::Error::invalid("the SMTP server is not started");
  }
  return impl_->apply(std::move(settings));
}

void Server::async_stop(std::chrono::milliseconds grace, std::function<void()> done) {
  std::shared_ptr<ServerShared> shared = impl_->shared;
  {
    std::lock_guard lock(impl_->mu);
    impl_->stopping = true;
    for (const Listener& l : impl_->listeners) close_listener(l);
    impl_->listeners.clear();
  }
  shared->stop_sessions();
  auto timer = std::make_shared<asio::steady_timer>(shared->io, grace);
  timer->async_wait([shared](const error_code& ec) {
    if (!ec) shared->close_sessions();
  });
  shared->when_idle([timer, done = std::move(done)]() {
    timer->cancel();
    if (done) done();
  });
}

ServerCounters Server::counters() const {
  const ServerShared& s = *impl_->shared;
  ServerCounters c;
  c.active_connections = s.active_connections();
  c.connections_total = s.connections_total.load();
  c.messages_accepted = s.messages_accepted.load();
  c.messages_rejected = s.messages_rejected.load();
  c.connections_refused = s.connections_refused.load();
  c.store_wait = s.store_wait.snapshot();
  return c;
}

std::vector<std::string> Server::local_endpoints() const {
  std::lock_guard lock(impl_->mu);
  std::vector<std::string> out;
  for (const Listener& l : impl_->listeners) out.push_back(l.bound);
  return out;
}

}  // namespace stsrelay::smtp
