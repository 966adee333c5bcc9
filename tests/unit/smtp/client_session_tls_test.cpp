// STARTTLS in the client session against the scripted server with certificates made at test
// time: a verified session, an untrusted certificate that still gets the message, the TLS
// verdict abandoning the host before MAIL FROM, STARTTLS refused (454), a failed handshake,
// data injected after the STARTTLS reply, SNI, and the dry-run probe; implicit TLS (RFC 8314),
// AUTH after TLS (RFC 4954) and REQUIRETLS (RFC 8689).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <filesystem>

#include "client_fake_server.hpp"
#include "smtp/client_session.hpp"
#include "src/core/base64.hpp"
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
                                         ClientOptions o, bool require_tls = false) {
    ClientSession session(ex, std::move(o));
    Result r;
    r.open = co_await session.open("127.0.0.1", port);
    if (r.open.ok()) {
      core::Envelope e;
      e.sender = "alice@example.com";
      e.recipients.push_back({"bob@example.net", 0, ""});
      e.require_tls = require_tls;
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

  // 220, EHLO offering STARTTLS, STARTTLS → 220, handshake, EHLO again (answered with
  // `second_ehlo`).
  static std::vector<fake::Step> up_to_tls(
      std::string second_ehlo = "250-mx.example.test\r\n250 PIPELINING\r\n") {
    return {fake::send("220 mx.example.test ESMTP\r\n"), fake::expect("EHLO relay.example.org"),
            fake::send("250-mx.example.test\r\n250-PIPELINING\r\n250 STARTTLS\r\n"),
            fake::expect("STARTTLS"), fake::send("220 2.0.0 ready\r\n"), fake::starttls(),
            fake::expect("EHLO relay.example.org"), fake::send(std::move(second_ehlo))};
  }
  // RFC 8314 §3.3: the handshake first, then the greeting and EHLO over TLS.
  static std::vector<fake::Step> implicit_up_to_ehlo(
      std::string ehlo = "250-mx.example.test\r\n250 PIPELINING\r\n") {
    return {fake::starttls(), fake::send("220 mx.example.test ESMTP\r\n"),
            fake::expect("EHLO relay.example.org"), fake::send(std::move(ehlo))};
  }
  static std::vector<fake::Step> quit() {
    return {fake::expect("QUIT"), fake::send("221 bye\r\n")};
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

// ---- Implicit TLS (RFC 8314 §3.3) ----------------------------------------------------------

TEST_F(ClientSessionTls, ImplicitTlsHandshakesBeforeTheGreeting) {
  asio::io_context io;
  KeyAndCert leaf = ca_.issue({"mx.example.test", {"DNS:mx.example.test"}});
  // STARTTLS listed inside implicit TLS is never used: the script fails on a STARTTLS line.
  fake::FakeSmtpServer server(
      io,
      join(implicit_up_to_ehlo("250-mx.example.test\r\n250-STARTTLS\r\n250 PIPELINING\r\n"),
           transaction_and_quit()),
      server_ctx(leaf));
  ClientOptions o = options();
  o.implicit_tls = true;
  std::optional<TlsStage> seen;
  o.tls_gate = [&](const TlsStage& stage) {
    seen = stage;
    return TlsVerdict{};
  };
  Result r = run(io, server, deliver(io.get_executor(), server.port(), o));
  EXPECT_TRUE(server.finished) << server.error;
  ASSERT_TRUE(r.open.ok()) << r.open.failure->describe();
  EXPECT_EQ(r.open.greeting->lines.front(), "mx.example.test ESMTP");
  ASSERT_TRUE(seen);  // the verdict is asked as after STARTTLS
  EXPECT_TRUE(seen->offered);
  EXPECT_FALSE(seen->starttls_reply);
  ASSERT_TRUE(seen->result);
  EXPECT_TRUE(seen->result->verified()) << net::describe(*seen->result);
  EXPECT_TRUE(r.open.tls.active());
  EXPECT_FALSE(r.open.tls.failure_type());
  EXPECT_EQ(sni_seen_, "mx.example.test");
  EXPECT_EQ(std::count(server.received.begin(), server.received.end(), "STARTTLS"), 0);
  ASSERT_TRUE(r.sent);
  EXPECT_TRUE(r.sent->recipients[0].delivered());
}

TEST_F(ClientSessionTls, ImplicitTlsVerdictAbandonsTheHost) {
  asio::io_context io;
  TestCa other("Other CA");
  KeyAndCert leaf = other.issue({"mx", {"DNS:mx.example.test"}});
  fake::FakeSmtpServer server(io, join(implicit_up_to_ehlo(), quit()), server_ctx(leaf));
  ClientOptions o = options();
  o.implicit_tls = true;
  o.tls_gate = [](const TlsStage& stage) {
    const auto type = stage.failure_type();
    return type ? TlsVerdict{false, std::string(net::to_string(*type))} : TlsVerdict{};
  };
  Result r = run(io, server, deliver(io.get_executor(), server.port(), o));
  EXPECT_TRUE(server.finished) << server.error;
  EXPECT_TRUE(r.open.abandoned);
  ASSERT_TRUE(r.open.failure);
  EXPECT_EQ(r.open.failure->phase, ClientPhase::tls);
  EXPECT_EQ(r.open.failure->reason, "abandoned before MAIL FROM: certificate-not-trusted");
  EXPECT_FALSE(r.sent);
}

TEST_F(ClientSessionTls, ImplicitTlsHandshakeFailures) {
  struct Row {
    const char* name;
    std::vector<fake::Step> server;
    bool timed_out;
  };
  const Row rows[] = {
      {"a plain-text server greets instead", {fake::send("220 mx ESMTP\r\n"), fake::stall()},
       false},
      {"a silent server", {fake::stall()}, true},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    asio::io_context io;
    fake::FakeSmtpServer server(io, row.server);
    ClientOptions o = options();
    o.implicit_tls = true;
    o.timeouts.starttls = 300ms;
    std::optional<Result> result = run_client(io, deliver(io.get_executor(), server.port(), o));
    ASSERT_TRUE(result);
    const OpenOutcome& open = result->open;
    ASSERT_TRUE(open.failure);
    EXPECT_EQ(open.failure->phase, ClientPhase::tls);
    EXPECT_FALSE(open.failure->permanent());
    EXPECT_EQ(open.failure->timed_out, row.timed_out);
    EXPECT_FALSE(open.greeting);
    EXPECT_TRUE(open.tls.offered);
    ASSERT_TRUE(open.tls.result);
    EXPECT_FALSE(open.tls.result->handshake_ok);
    EXPECT_FALSE(open.tls.result->handshake_error.empty());
    EXPECT_EQ(open.failure->reason, "TLS handshake failed: " + open.tls.result->handshake_error);
    if (row.timed_out) {
      EXPECT_EQ(open.tls.result->handshake_error, "timed out after 300ms");
    }
    EXPECT_TRUE(open.tls.failure_type());
    EXPECT_FALSE(result->sent);
  }
}

// ---- AUTH (RFC 4954) after TLS -------------------------------------------------------------

TEST_F(ClientSessionTls, AuthTable) {
  const std::string plain =
      "AUTH PLAIN " + core::encode_base64(std::string("\0user@example.com\0s3cret", 24));
  struct Row {
    const char* name;
    bool implicit;
    std::string ehlo;                  // the EHLO reply after TLS
    std::vector<fake::Step> after;     // the server after that reply
    std::string mechanism;             // on success
    int code;                          // the failure's reply code, 0: none or no failure
    std::string reason;                // the failure's reason, empty: success
  };
  const std::string auth_both =
      "250-mx.example.test\r\n250-PIPELINING\r\n250 AUTH LOGIN PLAIN\r\n";
  const Row rows[] = {
      {"PLAIN 235", false, auth_both,
       join({fake::expect(plain), fake::send("235 2.7.0 Authentication successful\r\n")},
            transaction_and_quit()),
       "PLAIN", 0, ""},
      {"PLAIN 235 over implicit TLS", true, auth_both,
       join({fake::expect(plain), fake::send("235 2.7.0 Authentication successful\r\n")},
            transaction_and_quit()),
       "PLAIN", 0, ""},
      {"LOGIN 235", false,
       "250-mx.example.test\r\n250-PIPELINING\r\n250 AUTH CRAM-MD5 LOGIN\r\n",
       join({fake::expect("AUTH LOGIN"), fake::send("334 VXNlcm5hbWU6\r\n"),
             fake::expect(core::encode_base64("user@example.com")),
             fake::send("334 UGFzc3dvcmQ6\r\n"), fake::expect(core::encode_base64("s3cret")),
             fake::send("235 2.7.0 ok\r\n")},
            transaction_and_quit()),
       "LOGIN", 0, ""},
      {"535 5.7.8 is permanent", false, auth_both,
       join({fake::expect(plain),
             fake::send("535 5.7.8 Authentication credentials invalid\r\n")},
            quit()),
       "", 535, "AUTH PLAIN refused"},
      {"454 4.7.0 is temporary", false, auth_both,
       join({fake::expect(plain),
             fake::send("454 4.7.0 Temporary authentication failure\r\n")},
            quit()),
       "", 454, "AUTH PLAIN refused"},
      {"no mechanism in common", false,
       "250-mx.example.test\r\n250 AUTH CRAM-MD5 XOAUTH2\r\n", quit(), "", 0,
       "AUTH: the server offers neither PLAIN nor LOGIN (it offers CRAM-MD5 XOAUTH2)"},
      {"no AUTH offered at all", false, "250-mx.example.test\r\n250 PIPELINING\r\n", quit(),
       "", 0, "AUTH: the server offers neither PLAIN nor LOGIN (it offers no AUTH at all)"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    asio::io_context io;
    KeyAndCert leaf = ca_.issue({"mx.example.test", {"DNS:mx.example.test"}});
    fake::FakeSmtpServer server(
        io, join(row.implicit ? implicit_up_to_ehlo(row.ehlo) : up_to_tls(row.ehlo), row.after),
        server_ctx(leaf));
    ClientOptions o = options();
    o.implicit_tls = row.implicit;
    o.auth = ClientCredentials{"user@example.com", "s3cret"};
    Result r = run(io, server, deliver(io.get_executor(), server.port(), o));
    EXPECT_TRUE(server.finished) << server.error;
    EXPECT_TRUE(r.open.tls.active());
    if (row.reason.empty()) {
      ASSERT_TRUE(r.open.ok()) << r.open.failure->describe();
      EXPECT_EQ(r.open.auth_mechanism, row.mechanism);
      ASSERT_TRUE(r.sent);
      EXPECT_TRUE(r.sent->recipients[0].delivered());
      continue;
    }
    ASSERT_TRUE(r.open.failure);
    const StepFailure& f = *r.open.failure;
    EXPECT_EQ(f.phase, ClientPhase::auth);
    EXPECT_EQ(f.reason, row.reason);
    EXPECT_EQ(f.reply ? f.reply->code : 0, row.code);
    EXPECT_EQ(f.permanent(), row.code / 100 == 5);
    EXPECT_TRUE(r.open.auth_mechanism.empty());
    EXPECT_FALSE(r.sent);
    // What the caller logs never carries the password, plain or encoded.
    const std::string said = f.describe();
    EXPECT_EQ(said.find("s3cret"), std::string::npos) << said;
    EXPECT_EQ(said.find(plain.substr(11)), std::string::npos) << said;
    EXPECT_EQ(said.find(core::encode_base64("s3cret")), std::string::npos) << said;
  }
}

// ---- REQUIRETLS (RFC 8689) -----------------------------------------------------------------

TEST_F(ClientSessionTls, RequireTlsParameterWhenOffered) {
  asio::io_context io;
  KeyAndCert leaf = ca_.issue({"mx.example.test", {"DNS:mx.example.test"}});
  fake::FakeSmtpServer server(
      io,
      join(up_to_tls("250-mx.example.test\r\n250-PIPELINING\r\n250 REQUIRETLS\r\n"),
           {fake::expect("MAIL FROM:<alice@example.com> REQUIRETLS"), fake::expect("RCPT"),
            fake::expect("DATA"), fake::send("250 ok\r\n250 ok\r\n354 go\r\n"),
            fake::expect_data(), fake::send("250 ok\r\n"), fake::expect("QUIT"),
            fake::send("221 bye\r\n")}),
      server_ctx(leaf));
  Result r = run(io, server, deliver(io.get_executor(), server.port(), options(), true));
  EXPECT_TRUE(server.finished) << server.error;
  EXPECT_TRUE(r.open.capabilities.requiretls);
  ASSERT_TRUE(r.sent);
  EXPECT_TRUE(r.sent->recipients[0].delivered());
  EXPECT_EQ(std::count(server.received.begin(), server.received.end(),
                       "MAIL FROM:<alice@example.com> REQUIRETLS"),
            1);
}

TEST_F(ClientSessionTls, RequireTlsRefusedLocallyWhenNotOffered) {
  asio::io_context io;
  KeyAndCert leaf = ca_.issue({"mx.example.test", {"DNS:mx.example.test"}});
  // QUIT right after the EHLO that follows TLS: no MAIL FROM.
  fake::FakeSmtpServer server(io, join(up_to_tls(), quit()), server_ctx(leaf));
  Result r = run(io, server, deliver(io.get_executor(), server.port(), options(), true));
  EXPECT_TRUE(server.finished) << server.error;
  ASSERT_TRUE(r.open.ok());
  ASSERT_TRUE(r.sent);
  ASSERT_TRUE(r.sent->failure);
  EXPECT_EQ(r.sent->failure->phase, ClientPhase::local);
  EXPECT_TRUE(r.sent->failure->permanent());
  EXPECT_EQ(r.sent->failure->describe(),
            "local: 550 5.7.30 REQUIRETLS support required: mx.example.test does not offer "
            "REQUIRETLS");
  EXPECT_EQ(r.sent->recipients[0].phase, ClientPhase::local);
  EXPECT_EQ(r.sent->recipients[0].reply->enhanced, "5.7.30");
}

}  // namespace
}  // namespace stsrelay::smtp
