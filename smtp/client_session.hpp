// One outbound SMTP connection to one address of one MX or configured next hop (RFC 5321 §3,
// §4): connect (from a chosen source address, if any), greeting, EHLO (HELO when EHLO is
// refused with 5xx), STARTTLS when offered and a TLS context is given (RFC 3207), EHLO again,
// the caller's TLS verdict, AUTH when credentials are given (RFC 4954, only over TLS), then any
// number of transactions, each MAIL, RCPT×n, DATA (pipelined as one group when the server
// offers PIPELINING, RFC 2920), with RSET before every transaction after the first, and QUIT.
// With implicit TLS (RFC 8314 §3.3, port 465) the handshake comes right after the connect,
// before the greeting, and STARTTLS is never sent.
//
// Every read, write, connect and handshake has a deadline (RFC 5321 §4.5.3.2 values by
// default); a deadline that passes closes the connection, so a stalled server cannot pin the
// coroutine. Replies are parsed with bounded memory (reply_parser.hpp).
//
// Usage from a coroutine running on `executor` (a strand when the io_context has several
// threads: the session's timers run there):
//
//   ClientSession s(executor, options);
//   OpenOutcome o = co_await s.open("192.0.2.25", 25);
//   if (o.ok()) { TransactionOutcome t = co_await s.send(envelope, content); ... }
//   if (s.is_reusable()) keep it for the next message to the same destination, else
//   co_await s.quit();
//
// Dry runs (delivery.dry_run): `probe()` does everything up to and including the TLS verdict,
// then QUITs before MAIL FROM.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "smtp/client_auth.hpp"
#include "smtp/client_outcome.hpp"
#include "smtp/reply_parser.hpp"
#include "src/core/content_source.hpp"
#include "src/core/envelope.hpp"

namespace boost::asio::ssl { class context; }

namespace stsrelay::smtp {

// RFC 5321 §4.5.3.2 recommends the reply timeouts; connect, STARTTLS, RSET and QUIT are ours
// (Postfix's defaults: 30s, 300s, 20s, 300s; QUIT shorter, nothing depends on its answer).
struct ClientTimeouts {
  std::chrono::milliseconds connect = std::chrono::seconds(30);
  std::chrono::milliseconds greeting = std::chrono::minutes(5);    // §4.5.3.2.1
  std::chrono::milliseconds ehlo = std::chrono::minutes(5);
  std::chrono::milliseconds starttls = std::chrono::minutes(5);    // reply and handshake
  std::chrono::milliseconds auth = std::chrono::minutes(5);        // each AUTH reply
  std::chrono::milliseconds mail = std::chrono::minutes(5);        // §4.5.3.2.2
  std::chrono::milliseconds rcpt = std::chrono::minutes(5);        // §4.5.3.2.3
  std::chrono::milliseconds data_init = std::chrono::minutes(2);   // §4.5.3.2.4
  std::chrono::milliseconds data_block = std::chrono::minutes(3);  // §4.5.3.2.5, each write
  std::chrono::milliseconds data_end = std::chrono::minutes(10);   // §4.5.3.2.6
  std::chrono::milliseconds rset = std::chrono::seconds(20);
  std::chrono::milliseconds quit = std::chrono::seconds(30);
};

using TlsGate = std::function<TlsVerdict(const TlsStage&)>;

struct ClientOptions {
  std::string helo_name;  // delivery.helo_name or server.hostname
  std::string mx_host;    // the MX name from DNS: SNI and the certificate name check
  // When set, the SNI name instead of mx_host: DANE's TLSA base domain, which is the
  // CNAME-expanded host when its TLSA records are found there (RFC 7672 §2.2.2, §8.1).
  std::string sni_host;
  // From net::make_client_tls_context(); null: never STARTTLS.
  std::shared_ptr<boost::asio::ssl::context> tls_context;
  // false: stay in plain text even when STARTTLS is offered (a retry after a failed handshake,
  // as opportunistic TLS allows, RFC 7435 §4.2).
  bool starttls = true;
  // RFC 8314 §3.3: TLS from the first byte (port 465, "submissions"): the handshake right after
  // the TCP connect, then greeting and EHLO over TLS, no STARTTLS. Needs `tls_context`. The
  // result is reported in OpenOutcome::tls as a STARTTLS handshake's is (`offered` true), and
  // `tls_gate` judges it the same way. `starttls` does not apply: there is no plain text to
  // fall back to on such a port.
  bool implicit_tls = false;
  // Empty: always proceed (opportunistic TLS: an unverified certificate still gets the message).
  TlsGate tls_gate;
  // Keep the presented chain (DER) in the TLS result for the gate: DANE needs it (RFC 7672 §3).
  bool keep_peer_chain = false;
  // RFC 4954: AUTH after the TLS verdict, before any transaction; PLAIN when offered, else
  // LOGIN (client_auth.hpp). Refused locally when the session is not encrypted. Never logged.
  std::optional<ClientCredentials> auth;
  // Our end's IP literal (IPv4 or IPv6, of the destination's family), bound with port 0 before
  // the connect; empty: the operating system chooses.
  std::string source_address;
  ClientTimeouts timeouts;
  ReplyLimits reply_limits;
  // RCPT commands per pipelined group: bounds what is written before replies are read, so
  // neither side can block on full socket buffers (RFC 2920 §3.1 on deadlock).
  std::size_t pipeline_group = 100;
};

class ClientSession {
 public:
  ClientSession(boost::asio::any_io_executor executor, ClientOptions options);
  ~ClientSession();
  ClientSession(const ClientSession&) = delete;
  ClientSession& operator=(const ClientSession&) = delete;

  // Connects to `address` (an IPv4 or IPv6 literal) and runs greeting, EHLO, STARTTLS, EHLO, the
  // TLS verdict and AUTH. On failure the connection is closed (after QUIT where the protocol
  // allows).
  // A failed TLS handshake leaves `tls.result` set with the OpenSSL reason; the caller may try
  // the host again with `starttls = false` when its policy allows plain text.
  boost::asio::awaitable<OpenOutcome> open(std::string address, std::uint16_t port);

  // One transaction for all recipients of `envelope`. `content` (CRLF line endings) must stay
  // valid until the call completes.
  boost::asio::awaitable<TransactionOutcome> send(const core::Envelope& envelope,
                                                  std::string_view content);
  // The same for content read in chunks (a large message from the queue): it is scanned once
  // for its traits (8-bit, UTF-8 headers) and then sent chunk by chunk, never held whole. A
  // read error ends the transaction as a local temporary failure (451 4.3.0) and closes the
  // connection in the middle of DATA, so the server drops what it got.
  boost::asio::awaitable<TransactionOutcome> send(const core::Envelope& envelope,
                                                  core::ContentSource& content);

  // QUIT and close; harmless when already closed.
  boost::asio::awaitable<void> quit();

  // Open, no failure since, not quit: the caller may send another message on it (its own policy
  // bounds the count and idle time). A server that closed an idle connection is found by the
  // RSET that starts the next transaction (phase rset).
  bool is_reusable() const;
  std::size_t transactions() const;  // transactions started on this connection
  std::string peer() const;          // "192.0.2.25:25"

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

// The dry-run path: open(), then QUIT before MAIL FROM.
boost::asio::awaitable<OpenOutcome> probe(boost::asio::any_io_executor executor,
                                          ClientOptions options, std::string address,
                                          std::uint16_t port);

}  // namespace stsrelay::smtp
