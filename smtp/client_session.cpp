// The opening of an outbound SMTP session (source address, connect, implicit TLS, greeting,
// EHLO/HELO, STARTTLS, EHLO, the caller's TLS verdict), QUIT, and the deadline-bounded I/O under
// every step. AUTH is in client_session_auth.cpp, the transaction in client_transaction.cpp.
#include "smtp/client_session_impl.hpp"

#include <openssl/ssl.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <spdlog/spdlog.h>

#include "src/net/cert_verify.hpp"
#include "src/net/tlsa_forms.hpp"

namespace stsrelay::smtp {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

std::string format_duration(std::chrono::milliseconds d) {
  if (d.count() % 1000 == 0) return std::to_string(d.count() / 1000) + "s";
  return std::to_string(d.count()) + "ms";
}

// RFC 6066 §3: the SNI host name is a DNS name without a trailing dot, never an IP literal.
std::string sni_name(std::string_view mx_host) {
  std::string name(mx_host);
  if (!name.empty() && name.back() == '.') name.pop_back();
  if (net::is_ip_literal(name)) return {};
  return name;
}

}  // namespace

ClientSession::Impl::Impl(asio::any_io_executor executor, ClientOptions options)
    : executor_(executor),
      options_(std::move(options)),
      plain_(executor),
      timer_(executor),
      parser_(options_.reply_limits) {}

ClientSession::Impl::Deadline::Deadline(Impl& impl, Duration timeout) : impl_(impl) {
  impl.timed_out_ = false;
  const std::uint64_t generation = ++impl.deadline_generation_;
  impl.timer_.expires_after(timeout);
  impl.timer_.async_wait([weak = impl.weak_from_this(), generation](const error_code& ec) {
    auto self = weak.lock();
    if (!self || ec || generation != self->deadline_generation_) return;
    // Closing the socket completes the pending operation with an error: the coroutine is freed
    // however the server behaves.
    self->timed_out_ = true;
    self->close();
  });
}

ClientSession::Impl::Deadline::~Deadline() {
  ++impl_.deadline_generation_;
  impl_.timer_.cancel();
}

ClientSession::Impl::tcp::socket& ClientSession::Impl::socket() {
  return tls_ ? tls_->next_layer() : plain_;
}

void ClientSession::Impl::close() {
  error_code ignored;
  socket().close(ignored);
  connected_ = false;
  usable_ = false;
}

std::string ClientSession::Impl::io_reason(const error_code& ec, Duration timeout) const {
  if (timed_out_) return "timed out after " + format_duration(timeout);
  if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated) {
    return "connection closed by the server";
  }
  return ec.message();
}

asio::awaitable<std::string> ClientSession::Impl::write(std::string_view bytes, Duration timeout) {
  if (!connected_) co_return "not connected";
  error_code ec;
  {
    Deadline deadline(*this, timeout);
    if (tls_) {
      co_await asio::async_write(*tls_, asio::buffer(bytes),
                                 asio::redirect_error(asio::use_awaitable, ec));
    } else {
      co_await asio::async_write(plain_, asio::buffer(bytes),
                                 asio::redirect_error(asio::use_awaitable, ec));
    }
  }
  if (!ec) co_return std::string();
  std::string reason = io_reason(ec, timeout);
  close();
  co_return reason;
}

asio::awaitable<ReplyOrFailure> ClientSession::Impl::read_reply(Duration timeout) {
  ReplyOrFailure out;
  if (!connected_) {
    out.reason = "not connected";
    co_return out;
  }
  Deadline deadline(*this, timeout);
  for (;;) {
    std::string_view input = pending_;
    ReplyStep step = parser_.feed(input);
    pending_.erase(0, pending_.size() - input.size());
    if (auto* reply = std::get_if<Reply>(&step)) {
      out.reply = std::move(*reply);
      // RFC 5321 §3.8: 421 means the server is closing the transmission channel.
      if (out.reply->code == 421) close();
      co_return out;
    }
    if (auto* error = std::get_if<ReplyError>(&step)) {
      out.reason = "protocol error: " + error->reason;
      close();
      co_return out;
    }
    error_code ec;
    std::size_t n = 0;
    if (tls_) {
      n = co_await tls_->async_read_some(asio::buffer(buffer_),
                                         asio::redirect_error(asio::use_awaitable, ec));
    } else {
      n = co_await plain_.async_read_some(asio::buffer(buffer_),
                                          asio::redirect_error(asio::use_awaitable, ec));
    }
    if (ec) {
      out.reason = io_reason(ec, timeout);
      out.timed_out = timed_out_;
      close();
      co_return out;
    }
    pending_.append(buffer_.data(), n);
  }
}

asio::awaitable<ReplyOrFailure> ClientSession::Impl::command(std::string_view line,
                                                             Duration timeout) {
  if (std::string error = co_await write(line, timeout); !error.empty()) {
    co_return ReplyOrFailure{std::nullopt, error, timed_out_};
  }
  co_return co_await read_reply(timeout);
}

asio::awaitable<void> ClientSession::Impl::quit_quietly() {
  if (connected_) {
    // RFC 5321 §4.1.1.10: the reply to QUIT is awaited, but nothing depends on it.
    co_await command("QUIT\r\n", options_.timeouts.quit);
  }
  close();
}

asio::awaitable<void> ClientSession::Impl::quit() { co_await quit_quietly(); }

asio::awaitable<bool> ClientSession::Impl::ehlo(OpenOutcome& out) {
  const auto& timeouts = options_.timeouts;
  ReplyOrFailure r = co_await command("EHLO " + options_.helo_name + "\r\n", timeouts.ehlo);
  if (r.ok() && r.code() / 100 == 2) {
    caps_ = parse_ehlo(*r.reply);
    out.capabilities = caps_;
    co_return true;
  }
  // RFC 5321 §4.1.4 / §3.2: a server that does not know EHLO refuses it with 5xx; HELO then.
  if (r.ok() && r.code() / 100 == 5 && connected_) {
    r = co_await command("HELO " + options_.helo_name + "\r\n", timeouts.ehlo);
    if (r.ok() && r.code() / 100 == 2) {
      caps_ = Capabilities{};
      out.capabilities = caps_;
      out.helo_fallback = true;
      co_return true;
    }
  }
  out.failure = r.failure(ClientPhase::ehlo);
  if (r.ok()) co_await quit_quietly();
  close();
  co_return false;
}

asio::awaitable<bool> ClientSession::Impl::starttls(OpenOutcome& out) {
  out.tls.offered = caps_.starttls;
  if (!caps_.starttls || !options_.starttls || !options_.tls_context) co_return true;
  const auto timeout = options_.timeouts.starttls;
  ReplyOrFailure r = co_await command("STARTTLS\r\n", timeout);
  if (!r.ok() || r.code() == 421) {
    out.failure = r.failure(ClientPhase::starttls);
    close();
    co_return false;
  }
  out.tls.starttls_reply = r.reply;
  // Refused (454 "TLS not available", or 5xx): go on in plain text; the TLS verdict decides.
  if (r.code() != 220) co_return true;
  // RFC 3207 §4.2 and CVE-2011-0411: nothing the server sent before the handshake may be read
  // as if it came after it.
  if (!pending_.empty() || parser_.in_reply()) {
    out.failure = StepFailure{ClientPhase::starttls, r.reply,
                              "the server sent data after its reply to STARTTLS", false};
    close();
    co_return false;
  }

  if (!co_await handshake(out)) co_return false;
  // RFC 3207 §4.2: forget everything learned before TLS and ask again.
  caps_ = Capabilities{};
  co_return co_await ehlo(out);
}

// The TLS handshake on the connected socket, after STARTTLS's 220 or (implicit TLS) right after
// the connect; its result goes to out.tls either way.
asio::awaitable<bool> ClientSession::Impl::handshake(OpenOutcome& out) {
  const auto timeout = options_.timeouts.starttls;
  tls_.emplace(std::move(plain_), *options_.tls_context);
  SSL* ssl = tls_->native_handle();
  net::TlsResult result;
  result.host = options_.mx_host;
  if (const std::string sni =
          sni_name(options_.sni_host.empty() ? options_.mx_host : options_.sni_host);
      !sni.empty()) {
    SSL_set_tlsext_host_name(ssl, sni.c_str());
  }
  error_code ec;
  {
    Deadline deadline(*this, timeout);
    co_await tls_->async_handshake(asio::ssl::stream_base::client,
                                   asio::redirect_error(asio::use_awaitable, ec));
  }
  if (ec) {
    result.handshake_error = io_reason(ec, timeout);
    out.tls.result = result;
    out.failure = StepFailure{ClientPhase::tls, std::nullopt,
                              "TLS handshake failed: " + result.handshake_error, timed_out_};
    close();
    co_return false;
  }
  result.handshake_ok = true;
  result.protocol = SSL_get_version(ssl);
  if (const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl)) {
    result.cipher = SSL_CIPHER_get_name(cipher);
  }
  result.cert = net::judge_peer(ssl, options_.mx_host);
  if (options_.keep_peer_chain) result.chain_der = net::peer_chain_der(ssl);
  out.tls.result = std::move(result);
  tls_active_ = true;
  co_return true;
}

// Binds the socket to options_.source_address (port 0: any) before the connect. Empty string:
// bound; else why not, naming the address.
std::string ClientSession::Impl::bind_source(const asio::ip::address& destination) {
  const std::string& text = options_.source_address;
  error_code ec;
  const asio::ip::address source = asio::ip::make_address(text, ec);
  if (ec) return "source address " + text + " is not an IP address";
  if (source.is_v4() != destination.is_v4()) {
    return "source address " + text + " is " + (source.is_v4() ? "IPv4" : "IPv6") +
           " but the destination " + destination.to_string() + " is " +
           (destination.is_v4() ? "IPv4" : "IPv6");
  }
  plain_.open(source.is_v4() ? tcp::v4() : tcp::v6(), ec);
  if (!ec) plain_.bind(tcp::endpoint(source, 0), ec);
  if (ec) return "cannot bind source address " + text + ": " + ec.message();
  return {};
}

asio::awaitable<OpenOutcome> ClientSession::Impl::open(std::string address, std::uint16_t port) {
  OpenOutcome out;
  auto self = shared_from_this();
  error_code ec;
  const asio::ip::address ip = asio::ip::make_address(address, ec);
  peer_ = (ip.is_v6() ? "[" + address + "]" : address) + ":" + std::to_string(port);
  if (ec || connected_ || tls_) {
    out.failure = StepFailure{ClientPhase::connect, std::nullopt,
                              ec ? "not an IP address: " + address : "session already used",
                              false};
    co_return out;
  }
  if (options_.implicit_tls && !options_.tls_context) {
    out.failure = StepFailure{ClientPhase::tls, std::nullopt,
                              "implicit TLS without a TLS context", false};
    co_return out;
  }
  if (!options_.source_address.empty()) {
    if (std::string error = bind_source(ip); !error.empty()) {
      out.failure = StepFailure{ClientPhase::connect, std::nullopt, std::move(error), false};
      close();
      co_return out;
    }
  }
  {
    Deadline deadline(*this, options_.timeouts.connect);
    // An open (bound) socket stays as it is; a closed one is opened for ip's family.
    co_await plain_.async_connect(tcp::endpoint(ip, port),
                                  asio::redirect_error(asio::use_awaitable, ec));
  }
  if (ec) {
    out.failure = StepFailure{ClientPhase::connect, std::nullopt,
                              io_reason(ec, options_.timeouts.connect), timed_out_};
    close();
    co_return out;
  }
  connected_ = true;
  // Commands and content are written whole, each in one write: Nagle's algorithm would only
  // hold a write back until the previous one is acknowledged, which a server that answers only
  // at the end of data delays (delayed ACK, 40 ms on Linux) — for every message.
  plain_.set_option(tcp::no_delay(true), ec);
  if (ec) spdlog::debug("smtp client: TCP_NODELAY not set: {}", ec.message());
  ec.clear();
  {
    const tcp::endpoint local = plain_.local_endpoint(ec);
    if (!ec) out.local_address = local.address().to_string();
  }

  if (options_.implicit_tls) {
    // RFC 8314 §3.3: the TLS handshake starts at once, before the server says anything; TLS is
    // what the port offers, so it counts as offered.
    out.tls.offered = true;
    if (!co_await handshake(out)) co_return out;
  }

  ReplyOrFailure greeting = co_await read_reply(options_.timeouts.greeting);
  out.greeting = greeting.reply;
  if (!greeting.ok() || greeting.code() != 220) {
    // A 554 greeting: RFC 5321 §3.1 says the client should still QUIT.
    out.failure = greeting.failure(ClientPhase::greeting);
    co_await quit_quietly();
    co_return out;
  }
  if (!co_await ehlo(out)) co_return out;
  // RFC 8314 §3.3: no STARTTLS inside implicit TLS.
  if (!options_.implicit_tls && !co_await starttls(out)) co_return out;

  if (options_.tls_gate) {
    TlsVerdict verdict = options_.tls_gate(out.tls);
    if (!verdict.proceed) {
      out.abandoned = true;
      out.failure = StepFailure{ClientPhase::tls, std::nullopt,
                                "abandoned before MAIL FROM: " + verdict.reason, false};
      co_await quit_quietly();
      co_return out;
    }
  }
  if (options_.auth && !co_await authenticate(out)) co_return out;
  usable_ = true;
  co_return out;
}

ClientSession::ClientSession(asio::any_io_executor executor, ClientOptions options)
    : impl_(std::make_shared<Impl>(executor, std::move(options))) {}

ClientSession::~ClientSession() { impl_->close(); }

asio::awaitable<OpenOutcome> ClientSession::open(std::string address, std::uint16_t port) {
  auto impl = impl_;
  co_return co_await impl->open(std::move(address), port);
}

asio::awaitable<TransactionOutcome> ClientSession::send(const core::Envelope& envelope,
                                                        std::string_view content) {
  auto impl = impl_;
  core::StringSource source(content);
  co_return co_await impl->send(envelope, source);
}

asio::awaitable<TransactionOutcome> ClientSession::send(const core::Envelope& envelope,
                                                        core::ContentSource& content) {
  auto impl = impl_;
  co_return co_await impl->send(envelope, content);
}

asio::awaitable<void> ClientSession::quit() {
  auto impl = impl_;
  co_await impl->quit();
}

bool ClientSession::is_reusable() const { return impl_->usable(); }
std::size_t ClientSession::transactions() const { return impl_->transactions(); }
std::string ClientSession::peer() const { return impl_->peer(); }

asio::awaitable<OpenOutcome> probe(asio::any_io_executor executor, ClientOptions options,
                                   std::string address, std::uint16_t port) {
  ClientSession session(executor, std::move(options));
  OpenOutcome out = co_await session.open(std::move(address), port);
  // Dry run: everything up to the TLS verdict, then QUIT before MAIL FROM.
  co_await session.quit();
  co_return out;
}

}  // namespace stsrelay::smtp
