// STARTTLS in the client session against the scripted server with certificates made at test
// time: a verified session, an untrusted certificate that still gets the message, the TLS
// verdict abandoning the host before MAIL FROM, STARTTLS refused (454), a failed handshake,
// data injected after the STARTTLS reply, SNI, and the dry-run probe.
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <filesystem>

#include "client_fake_server.hpp"
#include "smtp/client_session.hpp"
#include "temp_dir.hpp"
#include "test_ca.hpp"
#include "test_client_tls.hpp"

namespace stsrelay::smtp {
namespace {

namespace asio = boost::asio;
namespace fake = testing;
using namespace std::chrono_literals;
using stsrelay::testing::KeyAndCert;
using stsrelay::testing::TestCa;

int record_sni(SSL* ssl, int*, void* arg) {
  const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  *static_cast<std::string*>(arg) = name ? name : "";
  return SSL_TLSEXT_ERR_OK;
}

class ClientSessionTls : public ::testing::Test {
 protected:
  void SetUp() override {
    client_ctx_ = stsrelay::testing::client_context_trusting(ca_, dir_.path());
    ASSERT_NE(client_ctx_, nullptr);
  }

  std::shared_ptr<asio::ssl::context> server_ctx(const KeyAndCert& leaf) {
    auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
    SSL_CTX_use_certificate(ctx->native_handle(), leaf.cert.get());
    SSL_CTX_use_PrivateKey(ctx->native_handle(), leaf.key.get());
    SSL_CTX_set_tlsext_servername_callback(ctx->native_handle(), record_sni);
    SSL_CTX_set_tlsext_servername_arg(ctx->native_handle(), &sni_seen_);
    return ctx;
  }

  ClientOptions options() {
    ClientOptions o;
    o.helo_name = "relay.example.org";
    o.mx_host = "mx.example.test";
    o.tls_context = client_ctx_;
    ClientTimeouts& t = o.timeouts;
    t.connect = t.greeting = t.ehlo = t.starttls = t.mail = t.rcpt = t.data_init =
        t.data_block = t.data_end = t.rset = t.quit = 5s;
    return o;
  }

  struct Result {
    OpenOutcome open;
    std::optional<TransactionOutcome> sent;
  };

  static asio::awaitable<Result> deliver(asio::any_io_executor ex, std::uint16_t port,
                                         ClientOptions o) {
    ClientSession session(ex, std::move(o));
    Result r;
    r.open = co_await session.open("127.0.0.1", port);
    if (r.open.ok()) {
      core::Envelope e;
      e.sender = "alice@example.com";
      e.recipients.push_back({"bob@example.net", 0, ""});
      r.sent = co_await session.send(e, "Subject: x\r\n\r\nhi\r\n");
    }
    co_await session.quit();
    co_return r;
  }

  template <class T>
  T run(asio::io_context& io, fake::FakeSmtpServer& server, asio::awaitable<T> coro) {
    std::optional<T> result;
    asio::co_spawn(io, std::move(coro), [&](std::exception_ptr e, T value) {
      if (e) std::rethrow_exception(e);
      result = std::move(value);
    });
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (!(result && (server.finished || !server.error.empty())) &&
           std::chrono::steady_clock::now() < deadline) {
      io.run_one_for(100ms);
    }
    EXPECT_TRUE(result.has_value()) << "the client did not finish";
    return result ? std::move(*result) : T{};
  }

  // For a server that stalls: runs until the client alone has finished (or 30 s passed).
  std::optional<Result> run_client(asio::io_context& io, asio::awaitable<Result> coro) {
    std::optional<Result> result;
    asio::co_spawn(io, std::move(coro),
                   [&](std::exception_ptr, Result r) { result = std::move(r); });
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (!result && std::chrono::steady_clock::now() < deadline) io.run_one_for(100ms);
    return result;
  }

  // 220, EHLO offering STARTTLS, STARTTLS → 220, handshake, EHLO again.
  static std::vector<fake::Step> up_to_tls() {
    return {fake::send("220 mx.example.test ESMTP\r\n"), fake::expect("EHLO relay.example.org"),
            fake::send("250-mx.example.test\r\n250-PIPELINING\r\n250 STARTTLS\r\n"),
            fake::expect("STARTTLS"), fake::send("220 2.0.0 ready\r\n"), fake::starttls(),
            fake::expect("EHLO relay.example.org"),
            fake::send("250-mx.example.test\r\n250 PIPELINING\r\n")};
  }
  static std::vector<fake::Step> transaction_and_quit() {
    return {fake::expect("MAIL"), fake::expect("RCPT"), fake::expect("DATA"),
            fake::send("250 ok\r\n250 ok\r\n354 go\r\n"), fake::expect_data(),
            fake::send("250 ok\r\n"), fake::expect("QUIT"), fake::send("221 bye\r\n")};
  }
  static std::vector<fake::Step> join(std::vector<fake::Step> a, std::vector<fake::Step> b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
  }

  TestCa ca_{"Test CA"};
  stsrelay::testing::TempDir dir_{"client-tls"};
  std::shared_ptr<asio::ssl::context> client_ctx_;
  std::string sni_seen_;
};

TEST_F(ClientSessionTls, VerifiedCertificate) {
  asio::io_context io;
  KeyAndCert leaf = ca_.issue({"mx.example.test", {"DNS:mx.example.test"}});
  fake::FakeSmtpServer server(io, join(up_to_tls(), transaction_and_quit()), server_ctx(leaf));
  Result r = run(io, server, deliver(io.get_executor(), server.port(), options()));
  EXPECT_TRUE(server.finished) << server.error;
  ASSERT_TRUE(r.open.ok()) << r.open.failure->describe();
  EXPECT_TRUE(r.open.tls.offered);
  EXPECT_TRUE(r.open.tls.active());
  const net::TlsResult& tls = *r.open.tls.result;
  EXPECT_TRUE(tls.verified()) << net::describe(tls);
  EXPECT_FALSE(r.open.tls.failure_type());
  EXPECT_EQ(tls.protocol, "TLSv1.3");
  EXPECT_FALSE(tls.cipher.empty());
  EXPECT_EQ(tls.cert.subject, "CN=mx.example.test");
  EXPECT_EQ(sni_seen_, "mx.example.test");
  // The capabilities are the second EHLO's (RFC 3207 §4.2).
  EXPECT_FALSE(r.open.capabilities.starttls);
  ASSERT_TRUE(r.sent);
  EXPECT_TRUE(r.sent->recipients[0].delivered());
}

TEST_F(ClientSessionTls, UnverifiedCertificatesStillGetTheMessageWithoutAPolicy) {
  struct Row {
    const char* name;
    bool other_ca;
    stsrelay::testing::LeafSpec leaf;
    net::TlsFailureType type;
  };
  const Row rows[] = {
      {"untrusted CA", true, {"mx", {"DNS:mx.example.test"}},
       net::TlsFailureType::certificate_not_trusted},
      {"wrong host", false, {"other", {"DNS:other.example.test"}},
       net::TlsFailureType::certificate_host_mismatch},
      {"expired", false, {"mx", {"DNS:mx.example.test"}, -400 * 86400L, -86400L},
       net::TlsFailureType::certificate_expired},
  };
  TestCa other("Other CA");
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    asio::io_context io;
    KeyAndCert leaf = row.other_ca ? other.issue(row.leaf) : ca_.issue(row.leaf);
    fake::FakeSmtpServer server(io, join(up_to_tls(), transaction_and_quit()), server_ctx(leaf));
    Result r = run(io, server, deliver(io.get_executor(), server.port(), options()));
    EXPECT_TRUE(server.finished) << server.error;
    ASSERT_TRUE(r.open.ok());
    EXPECT_TRUE(r.open.tls.active());
    EXPECT_FALSE(r.open.tls.result->verified());
    EXPECT_EQ(r.open.tls.failure_type(), row.type);
    ASSERT_TRUE(r.sent);
    EXPECT_TRUE(r.sent->recipients[0].delivered());
  }
}

TEST_F(ClientSessionTls, VerdictAbandonsTheHostBeforeMailFrom) {
  asio::io_context io;
  TestCa other("Other CA");
  KeyAndCert leaf = other.issue({"mx", {"DNS:mx.example.test"}});
  // After the second EHLO the server expects QUIT: a MAIL would fail the script.
  fake::FakeSmtpServer server(
      io, join(up_to_tls(), {fake::expect("QUIT"), fake::send("221 bye\r\n")}),
      server_ctx(leaf));
  ClientOptions o = options();
  std::optional<TlsStage> seen;
  o.tls_gate = [&](const TlsStage& stage) {
    seen = stage;
    if (auto type = stage.failure_type()) return TlsVerdict{false, std::string(net::to_string(*type))};
    return TlsVerdict{};
  };
  Result r = run(io, server, deliver(io.get_executor(), server.port(), o));
  EXPECT_TRUE(server.finished) << server.error;
  ASSERT_TRUE(seen);
  EXPECT_TRUE(r.open.abandoned);
  ASSERT_TRUE(r.open.failure);
  EXPECT_EQ(r.open.failure->phase, ClientPhase::tls);
  EXPECT_EQ(r.open.failure->reason, "abandoned before MAIL FROM: certificate-not-trusted");
  EXPECT_FALSE(r.sent);
}

TEST_F(ClientSessionTls, StarttlsRefusedGoesOnInPlainText) {
  asio::io_context io;
  fake::FakeSmtpServer server(
      io,
      join({fake::send("220 mx\r\n"), fake::expect("EHLO"),
            fake::send("250-mx\r\n250-PIPELINING\r\n250 STARTTLS\r\n"), fake::expect("STARTTLS"),
            fake::send("454 4.7.0 TLS not available\r\n")},
           transaction_and_quit()));
  std::optional<TlsStage> seen;
  ClientOptions o = options();
  o.tls_gate = [&](const TlsStage& stage) {
    seen = stage;
    return TlsVerdict{};
  };
  Result r = run(io, server, deliver(io.get_executor(), server.port(), o));
  EXPECT_TRUE(server.finished) << server.error;
  ASSERT_TRUE(r.open.ok());
  ASSERT_TRUE(seen);  // the verdict is asked without TLS too
  EXPECT_TRUE(seen->offered);
  EXPECT_EQ(seen->starttls_reply->code, 454);
  EXPECT_FALSE(seen->result);
  EXPECT_EQ(r.open.tls.failure_type(), net::TlsFailureType::starttls_not_supported);
  ASSERT_TRUE(r.sent);
  EXPECT_TRUE(r.sent->recipients[0].delivered());
}

TEST_F(ClientSessionTls, NoStarttlsWhenNotOffered) {
  asio::io_context io;
  fake::FakeSmtpServer server(
      io, join({fake::send("220 mx\r\n"), fake::expect("EHLO"),
                fake::send("250-mx\r\n250 PIPELINING\r\n")},
               transaction_and_quit()));
  Result r = run(io, server, deliver(io.get_executor(), server.port(), options()));
  EXPECT_TRUE(server.finished) << server.error;
  EXPECT_FALSE(r.open.tls.offered);
  EXPECT_EQ(r.open.tls.failure_type(), net::TlsFailureType::starttls_not_supported);
  EXPECT_TRUE(r.sent->recipients[0].delivered());
}

TEST_F(ClientSessionTls, FailedHandshakeReportsOpenSslReason) {
  asio::io_context io;
  fake::FakeSmtpServer server(
      io, {fake::send("220 mx\r\n"), fake::expect("EHLO"), fake::send("250-mx\r\n250 STARTTLS\r\n"),
           fake::expect("STARTTLS"), fake::send("220 ready\r\n"),
           fake::stall()});  // never answers the ClientHello
  ClientOptions o = options();
  o.timeouts.starttls = 300ms;
  std::optional<Result> result =
      run_client(io, deliver(io.get_executor(), server.port(), o));
  ASSERT_TRUE(result);
  ASSERT_TRUE(result->open.failure);
  EXPECT_EQ(result->open.failure->phase, ClientPhase::tls);
  EXPECT_TRUE(result->open.failure->timed_out);
  ASSERT_TRUE(result->open.tls.result);
  EXPECT_FALSE(result->open.tls.result->handshake_ok);
  EXPECT_EQ(result->open.tls.result->handshake_error, "timed out after 300ms");
  EXPECT_EQ(result->open.tls.failure_type(), net::TlsFailureType::validation_failure);
}

TEST_F(ClientSessionTls, HandshakeWithAPlainTextServerFails) {
  asio::io_context io;
  fake::FakeSmtpServer server(
      io, {fake::send("220 mx\r\n"), fake::expect("EHLO"), fake::send("250-mx\r\n250 STARTTLS\r\n"),
           fake::expect("STARTTLS"), fake::send("220 ready\r\n"),
           fake::send("this is not TLS at all, sorry\r\n\r\n\r\n\r\n"), fake::stall()});
  std::optional<Result> result =
      run_client(io, deliver(io.get_executor(), server.port(), options()));
  ASSERT_TRUE(result);
  // Either the bytes arrived with the 220 (refused as injection) or during the handshake.
  ASSERT_TRUE(result->open.failure);
  const ClientPhase phase = result->open.failure->phase;
  EXPECT_TRUE(phase == ClientPhase::tls || phase == ClientPhase::starttls);
  if (phase == ClientPhase::tls) {
    EXPECT_FALSE(result->open.tls.result->handshake_error.empty());
    EXPECT_FALSE(result->open.failure->timed_out);
  }
}

TEST_F(ClientSessionTls, DataAfterTheStarttlsReplyIsRefused) {
  asio::io_context io;
  // CVE-2011-0411: a command injected behind the 220 must not be taken as a TLS-protected reply.
  fake::FakeSmtpServer server(
      io, {fake::send("220 mx\r\n"), fake::expect("EHLO"), fake::send("250-mx\r\n250 STARTTLS\r\n"),
           fake::expect("STARTTLS"), fake::send("220 ready\r\n250 injected\r\n"), fake::stall()});
  std::optional<Result> result =
      run_client(io, deliver(io.get_executor(), server.port(), options()));
  ASSERT_TRUE(result);
  ASSERT_TRUE(result->open.failure);
  EXPECT_EQ(result->open.failure->phase, ClientPhase::starttls);
  EXPECT_EQ(result->open.failure->reason, "the server sent data after its reply to STARTTLS");
}

TEST_F(ClientSessionTls, ProbeStopsBeforeMailFrom) {
  asio::io_context io;
  KeyAndCert leaf = ca_.issue({"mx.example.test", {"DNS:mx.example.test"}});
  fake::FakeSmtpServer server(
      io, join(up_to_tls(), {fake::expect("QUIT"), fake::send("221 bye\r\n")}), server_ctx(leaf));
  OpenOutcome o = run(io, server, probe(io.get_executor(), options(), "127.0.0.1", server.port()));
  EXPECT_TRUE(server.finished) << server.error;
  EXPECT_TRUE(o.ok());
  EXPECT_TRUE(o.tls.result->verified());
  EXPECT_EQ(server.received.back(), "QUIT");
}

}  // namespace
}  // namespace stsrelay::smtp
