// End-to-end STARTTLS and AUTH tests of the Asio session, with a self-signed certificate made
// at test time and a users file made with hash_password().
#include <gtest/gtest.h>

#include <fstream>

#include "self_signed_cert.hpp"
#include "server_fixture.hpp"
#include "smtp/auth_users.hpp"
#include "smtp/sasl.hpp"
#include "src/core/base64.hpp"

namespace stsrelay::smtp::testing {
namespace {

class ServerTlsTest : public ServerFixture {
 protected:
  ServerSettings tls_settings(bool with_users) {
    ServerSettings s = base_settings();
    auto files = stsrelay::testing::write_self_signed_cert(dir(), "relay.example.org");
    s.tls_cert = files.cert.string();
    s.tls_key = files.key.string();
    if (with_users) {
      s.auth_users_file = (dir() / "users").string();
      std::ofstream(s.auth_users_file) << "# test users\nalice:" << hash_password("s3cret")
                                       << "\n";
    }
    return s;
  }

  // Connects, says EHLO, STARTTLS, handshakes; returns the client inside TLS.
  std::unique_ptr<TestClient> tls_client() {
    auto c = connect();
    c->reply();
    c->send("EHLO client.example\r\n");
    c->reply();
    c->send("STARTTLS\r\n");
    EXPECT_EQ(c->reply_line(), "220 2.0.0 Ready to start TLS");
    c->start_tls();
    return c;
  }
};

TEST_F(ServerTlsTest, StarttlsOfferedAndAuthOnlyInsideTls) {
  start(tls_settings(true));
  auto c = connect();
  c->reply();
  c->send("EHLO client.example\r\n");
  std::string ehlo = c->reply();
  EXPECT_NE(ehlo.find("250 STARTTLS\r\n"), std::string::npos) << ehlo;
  EXPECT_EQ(ehlo.find("AUTH"), std::string::npos) << ehlo;
  c->send("AUTH PLAIN " + core::encode_base64(std::string("\0alice\0s3cret", 13)) + "\r\n");
  EXPECT_EQ(c->reply_line(),
            "538 5.7.11 Encryption required for requested authentication mechanism");
  c->send("STARTTLS\r\n");
  EXPECT_EQ(c->reply_line(), "220 2.0.0 Ready to start TLS");
  std::string version = c->start_tls();
  EXPECT_TRUE(version == "TLSv1.3" || version == "TLSv1.2") << version;
  c->send("EHLO client.example\r\n");
  ehlo = c->reply();
  EXPECT_EQ(ehlo.find("STARTTLS"), std::string::npos) << ehlo;
  EXPECT_NE(ehlo.find("250 AUTH PLAIN LOGIN\r\n"), std::string::npos) << ehlo;
  c->send("STARTTLS\r\n");
  EXPECT_EQ(c->reply_line(), "503 5.5.1 TLS already active");
}

TEST_F(ServerTlsTest, PipelinedInjectionAfterStarttlsIsDiscarded) {
  ServerSettings s = tls_settings(false);
  s.allow_networks = {};  // relaying needs AUTH; the injection must not make us an open relay
  start(s);
  auto c = connect();
  c->reply();
  c->send("EHLO client.example\r\n");
  c->reply();
  // CVE-2011-0411: commands behind STARTTLS in the same packet, in the clear.
  c->send("STARTTLS\r\nMAIL FROM:<evil@example.com>\r\nRCPT TO:<victim@example.net>\r\n");
  EXPECT_EQ(c->reply_line(), "220 2.0.0 Ready to start TLS");
  c->start_tls();
  // Had the injected MAIL run, this would be "Nested MAIL"; had EHLO state survived, 250.
  c->send("MAIL FROM:<a@example.com>\r\n");
  EXPECT_EQ(c->reply_line(), "503 5.5.1 Send HELO/EHLO first");
  c->send("EHLO client.example\r\nMAIL FROM:<a@example.com>\r\n");
  c->reply();
  EXPECT_EQ(c->reply_line(), "250 2.1.0 Ok");
  EXPECT_EQ(sink_.received(), 0u);
}

TEST_F(ServerTlsTest, AuthenticatedClientRelaysAndIsLogged) {
  ServerSettings s = tls_settings(true);
  s.allow_networks = {};
  start(s);
  auto c = tls_client();
  c->send("EHLO client.example\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.net>\r\n");
  c->reply();
  c->reply();
  EXPECT_EQ(c->reply_line(), "554 5.7.1 <b@example.net>: Relay access denied");
  c->send("RSET\r\nAUTH PLAIN " + core::encode_base64(std::string("\0alice\0s3cret", 13)) + "\r\n");
  c->reply();
  EXPECT_EQ(c->reply_line(), "235 2.7.0 Authentication successful");
  c->send("MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.net>\r\nRCPT TO:<c@example.net>\r\n"
          "DATA\r\n");
  EXPECT_EQ(c->reply_line(), "250 2.1.0 Ok");
  EXPECT_EQ(c->reply_line(), "250 2.1.5 Ok");
  EXPECT_EQ(c->reply_line(), "250 2.1.5 Ok");
  EXPECT_EQ(c->reply_line(), "354 End data with <CR><LF>.<CR><LF>");
  c->send("Subject: t\r\n\r\nx\r\n.\r\n");
  EXPECT_EQ(c->reply_line(), "250 2.0.0 Ok: queued as Q1");
  auto stored = sink_.stored();
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].envelope.auth_user, "alice");
  EXPECT_TRUE(stored[0].envelope.tls.starts_with("TLSv1.")) << stored[0].envelope.tls;
  const std::string& content = stored[0].content;
  EXPECT_NE(content.find("with ESMTPSA (TLSv1."), std::string::npos) << content;
  EXPECT_EQ(content.find(" for <"), std::string::npos) << content;  // two recipients
}

// RFC 8689: REQUIRETLS is offered inside TLS and tags the envelope; "TLS-Required: No" tags it
// tls_optional unless REQUIRETLS was given (§4.1), and stays in the stored message.
TEST_F(ServerTlsTest, RequireTlsAndTlsRequiredHeaderTagTheEnvelope) {
  start(tls_settings(false));
  auto c = tls_client();
  c->send("EHLO client.example\r\n");
  const std::string ehlo = c->reply();
  EXPECT_NE(ehlo.find("250 REQUIRETLS\r\n"), std::string::npos) << ehlo;  // no AUTH users
  c->send("MAIL FROM:<a@example.com> REQUIRETLS\r\nRCPT TO:<b@example.net>\r\nDATA\r\n");
  EXPECT_EQ(c->reply_line(), "250 2.1.0 Ok");
  EXPECT_EQ(c->reply_line(), "250 2.1.5 Ok");
  EXPECT_EQ(c->reply_line(), "354 End data with <CR><LF>.<CR><LF>");
  c->send("Subject: t\r\nTLS-Required: No\r\n\r\nx\r\n.\r\n");
  EXPECT_EQ(c->reply_line(), "250 2.0.0 Ok: queued as Q1");
  c->send("MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n");
  EXPECT_EQ(c->reply_line(), "250 2.1.0 Ok");
  EXPECT_EQ(c->reply_line(), "250 2.1.5 Ok");
  EXPECT_EQ(c->reply_line(), "354 End data with <CR><LF>.<CR><LF>");
  c->send("Subject: t\r\ntls-required:  no\r\n\r\nx\r\n.\r\n");
  EXPECT_EQ(c->reply_line(), "250 2.0.0 Ok: queued as Q2");
  auto stored = sink_.stored();
  ASSERT_EQ(stored.size(), 2u);
  EXPECT_TRUE(stored[0].envelope.require_tls);
  EXPECT_FALSE(stored[0].envelope.tls_optional);
  EXPECT_FALSE(stored[1].envelope.require_tls);
  EXPECT_TRUE(stored[1].envelope.tls_optional);
  EXPECT_NE(stored[1].content.find("\r\ntls-required:  no\r\n"), std::string::npos);
}

TEST_F(ServerTlsTest, AuthLoginAndFailureBudget) {
  ServerSettings s = tls_settings(true);
  s.max_auth_failures = 2;
  start(s);
  auto c = tls_client();
  c->send("EHLO client.example\r\n");
  c->reply();
  c->send("AUTH LOGIN\r\n");
  EXPECT_EQ(c->reply_line(), "334 VXNlcm5hbWU6");
  c->send(core::encode_base64("alice") + "\r\n");
  EXPECT_EQ(c->reply_line(), "334 UGFzc3dvcmQ6");
  c->send(core::encode_base64("wrong") + "\r\n");
  EXPECT_EQ(c->reply_line(), "535 5.7.8 Authentication credentials invalid");
  c->send("AUTH PLAIN\r\n");
  EXPECT_EQ(c->reply_line(), "334 ");
  c->send(core::encode_base64(std::string("\0mallory\0guess", 14)) + "\r\n");
  EXPECT_EQ(c->reply_line(), "535 5.7.8 Authentication credentials invalid");
  EXPECT_EQ(c->reply_line(), "421 4.7.0 relay.example.org Error: too many authentication failures");
  EXPECT_TRUE(c->closed_by_server());
}

TEST_F(ServerTlsTest, HandshakeGarbageClosesTheConnection) {
  start(tls_settings(false));
  auto c = connect();
  c->reply();
  c->send("STARTTLS\r\n");
  EXPECT_EQ(c->reply_line(), "220 2.0.0 Ready to start TLS");
  c->send_raw("this is not a TLS ClientHello\r\n");
  EXPECT_TRUE(c->closed_by_server());
  EXPECT_TRUE(wait_until([&] { return server_->counters().active_connections == 0; }));
}

}  // namespace
}  // namespace stsrelay::smtp::testing
