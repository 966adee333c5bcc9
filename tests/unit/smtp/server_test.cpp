// End-to-end tests of the Asio session on 127.0.0.1: a raw client against the real server.
#include <gtest/gtest.h>

#include "server_fixture.hpp"

namespace stsrelay::smtp::testing {
namespace {

using ServerTest = ServerFixture;

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

TEST_F(ServerTest, GreetingAndEhlo) {
  start(base_settings());
  auto c = connect();
  EXPECT_EQ(c->reply(), "220 relay.example.org ESMTP stsrelay\r\n");
  c->send("EHLO client.example\r\n");
  EXPECT_EQ(c->reply(),
            "250-relay.example.org\r\n250-PIPELINING\r\n250-SIZE 10000\r\n250-8BITMIME\r\n"
            "250-ENHANCEDSTATUSCODES\r\n250-SMTPUTF8\r\n250 DSN\r\n");
  c->send("QUIT\r\n");
  EXPECT_EQ(c->reply_line(), "221 2.0.0 Bye");
  EXPECT_TRUE(c->closed_by_server());
}

TEST_F(ServerTest, PipelinedTransactionIsStoredWithReceivedHeader) {
  start(base_settings());
  auto c = connect();
  c->reply();
  // RFC 2920: the whole envelope in one write; the replies come back in order.
  c->send(
      "EHLO client.example\r\nMAIL FROM:<sender@example.com> BODY=8BITMIME\r\n"
      "RCPT TO:<rcpt@example.net> NOTIFY=SUCCESS,FAILURE\r\nDATA\r\n");
  EXPECT_TRUE(starts_with(c->reply(), "250-relay.example.org"));
  EXPECT_EQ(c->reply_line(), "250 2.1.0 Ok");
  EXPECT_EQ(c->reply_line(), "250 2.1.5 Ok");
  EXPECT_EQ(c->reply_line(), "354 End data with <CR><LF>.<CR><LF>");
  c->send("Subject: hi\r\n\r\n..leading dot\r\n.\r\nQUIT\r\n");
  EXPECT_EQ(c->reply_line(), "250 2.0.0 Ok: queued as Q1");
  EXPECT_EQ(c->reply_line(), "221 2.0.0 Bye");

  auto stored = sink_.stored();
  ASSERT_EQ(stored.size(), 1u);
  const core::Envelope& e = stored[0].envelope;
  EXPECT_EQ(e.sender, "sender@example.com");
  ASSERT_EQ(e.recipients.size(), 1u);
  EXPECT_EQ(e.recipients[0].address, "rcpt@example.net");
  EXPECT_EQ(e.recipients[0].notify, core::kNotifySuccess | core::kNotifyFailure);
  EXPECT_EQ(e.body, core::BodyType::eight_bit_mime);
  EXPECT_EQ(e.client_address, "127.0.0.1");
  EXPECT_EQ(e.client_helo, "client.example");
  EXPECT_EQ(e.tls, "");
  const std::string& content = stored[0].content;
  EXPECT_TRUE(starts_with(content,
                          "Received: from client.example ([127.0.0.1]) by relay.example.org "
                          "(stsrelay)\r\n\twith ESMTP id Q1 for <rcpt@example.net>;"))
      << content;
  EXPECT_EQ(stored[0].queue_id, "Q1");
  EXPECT_NE(content.find(" for <rcpt@example.net>;"), std::string::npos) << content;
  // The client sent neither Date: nor Message-ID:, so the server adds both after its fields.
  EXPECT_NE(content.find("Fri, 15 Jan 2027 08:00:00 +0000\r\nSubject: hi\r\n"
                         "Date: Fri, 15 Jan 2027 08:00:00 +0000\r\nMessage-ID: <Q1."),
            std::string::npos)
      << content;
  EXPECT_NE(content.find("@relay.example.org>\r\n\r\n.leading dot\r\n"), std::string::npos);
  EXPECT_TRUE(content.ends_with("\r\n.leading dot\r\n")) << content;
  EXPECT_EQ(server_->counters().messages_accepted, 1u);
}

TEST_F(ServerTest, LongLinesAreTakenAndHeadersLeftAloneWhenTurnedOff) {
  ServerSettings settings = base_settings();
  settings.add_missing_headers = false;
  start(settings);
  auto c = connect();
  c->reply();
  c->send("EHLO client.example\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.net>\r\n"
          "DATA\r\n");
  c->reply();
  EXPECT_EQ(c->reply_line(), "250 2.1.0 Ok");
  EXPECT_EQ(c->reply_line(), "250 2.1.5 Ok");
  EXPECT_EQ(c->reply_line(), "354 End data with <CR><LF>.<CR><LF>");
  const std::string long_line(5000, 'x');
  c->send("Subject: long\r\n\r\n" + long_line + "\r\n.\r\nQUIT\r\n");
  EXPECT_EQ(c->reply_line(), "250 2.0.0 Ok: queued as Q1");
  EXPECT_EQ(c->reply_line(), "221 2.0.0 Bye");
  auto stored = sink_.stored();
  ASSERT_EQ(stored.size(), 1u);
  const std::string& content = stored[0].content;
  EXPECT_EQ(content.find("Date:"), std::string::npos) << content;
  EXPECT_EQ(content.find("Message-ID:"), std::string::npos) << content;
  // The 5000-octet line was re-encoded as quoted-printable: no line is over 998 any more.
  EXPECT_NE(content.find("Content-Transfer-Encoding: quoted-printable\r\n"), std::string::npos)
      << content;
  EXPECT_EQ(content.find(std::string(999, 'x')), std::string::npos);
}

TEST_F(ServerTest, StoreCallbackFromAnotherThreadResumesTheSession) {
  start(base_settings());
  auto c = connect();
  c->reply();
  c->send("HELO c\r\nMAIL FROM:<>\r\nRCPT TO:<a@example.net>\r\nDATA\r\n");
  c->reply();
  c->reply();
  c->reply();
  c->reply();
  for (int i = 1; i <= 3; ++i) {
    c->send(".\r\n");
    EXPECT_EQ(c->reply_line(), "250 2.0.0 Ok: queued as Q" + std::to_string(i));
    c->send("MAIL FROM:<>\r\nRCPT TO:<a@example.net>\r\nDATA\r\n");
    EXPECT_EQ(c->reply_line(), "250 2.1.0 Ok");
    EXPECT_EQ(c->reply_line(), "250 2.1.5 Ok");
    EXPECT_EQ(c->reply_line(), "354 End data with <CR><LF>.<CR><LF>");
  }
  for (auto id : sink_.callback_threads()) EXPECT_EQ(id, sink_.worker_id());
  EXPECT_EQ(sink_.stored().size(), 3u);
}

TEST_F(ServerTest, StoreFailuresAreTemporary) {
  start(base_settings());
  sink_.fail_with(core::Error::no_space("disk full"));
  auto c = connect();
  c->reply();
  c->send("EHLO c\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n");
  for (int i = 0; i < 4; ++i) c->reply();
  c->send("x\r\n.\r\n");
  EXPECT_EQ(c->reply_line(), "452 4.3.1 Insufficient system storage");
  sink_.fail_with(core::Error::temporary("locked"));
  c->send("MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n");
  for (int i = 0; i < 3; ++i) c->reply();
  c->send("x\r\n.\r\n");
  EXPECT_TRUE(starts_with(c->reply_line(), "451 4.3.0 "));
  EXPECT_EQ(server_->counters().messages_rejected, 2u);
}

TEST_F(ServerTest, SmugglingAttemptIsRefusedAndNothingRunsOrIsStored) {
  start(base_settings());
  auto c = connect();
  c->reply();
  c->send("EHLO c\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n");
  for (int i = 0; i < 4; ++i) c->reply();
  // "\n.\n" would end the data for a lax server; the smuggled transaction must not run.
  c->send(
      "Subject: innocent\r\n\r\nhello\n.\nMAIL FROM:<admin@example.com>\r\n"
      "RCPT TO:<victim@example.net>\r\nDATA\r\nSubject: forged\r\n\r\n.\r\nNOOP\r\n");
  EXPECT_EQ(c->reply_line(), "554 5.6.0 Message contains bare CR or LF");
  EXPECT_EQ(c->reply_line(), "250 2.0.0 Ok");  // the NOOP behind the real end of data
  EXPECT_EQ(sink_.received(), 0u);
  c->send("RCPT TO:<b@example.net>\r\n");
  EXPECT_EQ(c->reply_line(), "503 5.5.1 Need MAIL command");
}

TEST_F(ServerTest, OversizeRefusedAtMailAndAfterData) {
  ServerSettings s = base_settings();
  s.max_message_size = 100;
  start(s);
  auto c = connect();
  c->reply();
  c->send("EHLO c\r\n");
  c->reply();
  c->send("MAIL FROM:<a@example.com> SIZE=101\r\n");
  EXPECT_EQ(c->reply_line(), "552 5.3.4 Message size exceeds fixed maximum message size");
  // The client lied in SIZE=: refused after the data, which is counted but not kept.
  c->send("MAIL FROM:<a@example.com> SIZE=50\r\nRCPT TO:<b@example.net>\r\nDATA\r\n");
  for (int i = 0; i < 3; ++i) c->reply();
  c->send(std::string(3000, 'x') + "\r\n" + std::string(30000, 'y') + "\r\n.\r\n");
  EXPECT_EQ(c->reply_line(), "552 5.3.4 Message size exceeds fixed maximum message size");
  c->send("NOOP\r\n");
  EXPECT_EQ(c->reply_line(), "250 2.0.0 Ok");
  EXPECT_EQ(sink_.received(), 0u);
}

TEST_F(ServerTest, RelayDeniedOutsideAllowNetworks) {
  ServerSettings s = base_settings();
  s.allow_networks = {"192.0.2.0/24"};
  start(s);
  auto c = connect();
  c->reply();
  c->send("EHLO c\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.net>\r\n");
  c->reply();
  c->reply();
  EXPECT_EQ(c->reply_line(), "554 5.7.1 <b@example.net>: Relay access denied");
}

TEST_F(ServerTest, CommandTimeoutCloses) {
  ServerSettings s = base_settings();
  s.command_timeout = std::chrono::seconds(1);
  start(s);
  auto c = connect();
  c->reply();
  EXPECT_EQ(c->reply_line(), "421 4.4.2 relay.example.org Error: timeout exceeded");
  EXPECT_TRUE(c->closed_by_server());
  EXPECT_TRUE(wait_until([&] { return server_->counters().active_connections == 0; }));
}

TEST_F(ServerTest, DataTimeoutCloses) {
  ServerSettings s = base_settings();
  s.data_timeout = std::chrono::seconds(1);
  start(s);
  auto c = connect();
  c->reply();
  c->send("EHLO c\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n");
  for (int i = 0; i < 4; ++i) c->reply();
  c->send("partial line");
  EXPECT_EQ(c->reply_line(), "421 4.4.2 relay.example.org Error: timeout exceeded");
  EXPECT_TRUE(c->closed_by_server());
  EXPECT_EQ(sink_.received(), 0u);
}

TEST_F(ServerTest, ConnectionsPerIpLimit) {
  ServerSettings s = base_settings();
  s.max_connections_per_ip = 2;
  start(s);
  auto a = connect();
  auto b = connect();
  EXPECT_TRUE(starts_with(a->reply_line(), "220 "));
  EXPECT_TRUE(starts_with(b->reply_line(), "220 "));
  auto refused = connect();
  EXPECT_EQ(refused->reply_line(), "421 4.7.0 relay.example.org Too many connections");
  EXPECT_TRUE(refused->closed_by_server());
  EXPECT_EQ(server_->counters().connections_refused, 1u);
  a->send("QUIT\r\n");
  a->reply();
  ASSERT_TRUE(wait_until([&] { return server_->counters().active_connections == 1; }));
  auto again = connect();
  EXPECT_TRUE(starts_with(again->reply_line(), "220 "));
}

TEST_F(ServerTest, TotalConnectionLimit) {
  ServerSettings s = base_settings();
  s.max_connections = 1;
  start(s);
  auto a = connect();
  EXPECT_TRUE(starts_with(a->reply_line(), "220 "));
  auto refused = connect();
  EXPECT_EQ(refused->reply_line(), "421 4.7.0 relay.example.org Too many connections");
  EXPECT_EQ(server_->counters().active_connections, 1u);
  EXPECT_EQ(server_->counters().connections_total, 1u);
}

TEST_F(ServerTest, StopSendsShutdownToIdleSessions) {
  start(base_settings());
  auto c = connect();
  c->reply();
  c->send("EHLO c\r\n");
  c->reply();
  std::atomic<bool> done{false};
  server_->async_stop(std::chrono::seconds(5), [&] { done = true; });
  EXPECT_EQ(c->reply_line(), "421 4.3.2 relay.example.org Service shutting down");
  EXPECT_TRUE(c->closed_by_server());
  EXPECT_TRUE(wait_until([&] { return done.load(); }));
  server_.reset();
}

TEST_F(ServerTest, StopLetsAStoreInProgressFinish) {
  start(base_settings());
  sink_.hold();
  auto c = connect();
  c->reply();
  c->send("EHLO c\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n");
  for (int i = 0; i < 4; ++i) c->reply();
  c->send("x\r\n.\r\n");
  ASSERT_TRUE(wait_until([&] { return sink_.received() == 1; }));
  std::atomic<bool> done{false};
  server_->async_stop(std::chrono::seconds(5), [&] { done = true; });
  sink_.release();
  EXPECT_EQ(c->reply_line(), "250 2.0.0 Ok: queued as Q1");
  EXPECT_EQ(c->reply_line(), "421 4.3.2 relay.example.org Service shutting down");
  EXPECT_TRUE(wait_until([&] { return done.load(); }));
  server_.reset();
}

TEST_F(ServerTest, StopGracePeriodClosesSlowData) {
  start(base_settings());
  auto c = connect();
  c->reply();
  c->send("EHLO c\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n");
  for (int i = 0; i < 4; ++i) c->reply();
  c->send("still writing");
  std::atomic<bool> done{false};
  server_->async_stop(std::chrono::milliseconds(200), [&] { done = true; });
  EXPECT_TRUE(wait_until([&] { return done.load(); }));
  EXPECT_TRUE(c->closed_by_server());
  EXPECT_EQ(sink_.received(), 0u);
  server_.reset();
}

TEST_F(ServerTest, StartErrorsNameTheCulprit) {
  ServerSettings s = base_settings();
  s.listen = {"192.0.2.1:bad"};
  Server bad_listen(io_, s, sink_, clock_);
  auto st = bad_listen.start();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("192.0.2.1:bad"), std::string::npos);

  s = base_settings();
  s.tls_cert = (dir() / "missing-cert.pem").string();
  s.tls_key = (dir() / "missing-key.pem").string();
  Server bad_tls(io_, s, sink_, clock_);
  st = bad_tls.start();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("missing-cert.pem"), std::string::npos);

  s = base_settings();
  s.allow_networks = {"10.0.0.0/33"};
  Server bad_net(io_, s, sink_, clock_);
  st = bad_net.start();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("10.0.0.0/33"), std::string::npos);
}

TEST_F(ServerTest, ReloadOpensAndClosesListeners) {
  start(base_settings());
  ServerSettings s = base_settings();
  s.listen = {"127.0.0.1:0", "127.0.0.2:0"};
  s.hostname = "new.example.org";
  ASSERT_TRUE(server_->reload(s).ok());
  auto eps = server_->local_endpoints();
  ASSERT_EQ(eps.size(), 2u);
  EXPECT_EQ(eps[0], endpoint_);  // kept, same port
  TestClient fresh(eps[1]);
  EXPECT_EQ(fresh.reply_line(), "220 new.example.org ESMTP stsrelay");

  s.listen = {"127.0.0.2:0"};
  ASSERT_TRUE(server_->reload(s).ok());
  EXPECT_EQ(server_->local_endpoints(), std::vector<std::string>{eps[1]});

  // A failing reload keeps everything as it was.
  ServerSettings broken = s;
  broken.tls_cert = "/nonexistent/cert.pem";
  broken.tls_key = "/nonexistent/key.pem";
  broken.hostname = "broken.example.org";
  EXPECT_FALSE(server_->reload(broken).ok());
  TestClient still(eps[1]);
  EXPECT_EQ(still.reply_line(), "220 new.example.org ESMTP stsrelay");
}

TEST_F(ServerTest, TooManyErrorsClose) {
  ServerSettings s = base_settings();
  s.max_bad_commands = 2;
  start(s);
  auto c = connect();
  c->reply();
  c->send("FOO\r\nBAR\r\nNOOP\r\n");
  EXPECT_EQ(c->reply_line(), "500 5.5.2 Command not recognized");
  EXPECT_EQ(c->reply_line(), "500 5.5.2 Command not recognized");
  EXPECT_EQ(c->reply_line(), "421 4.7.0 relay.example.org Error: too many errors");
  EXPECT_TRUE(c->closed_by_server());
}

TEST_F(ServerTest, OverlongCommandLine) {
  start(base_settings());
  auto c = connect();
  c->reply();
  c->send("NOOP " + std::string(600, 'x') + "\r\nNOOP " + std::string(20000, 'y') + "\r\nNOOP\r\n");
  EXPECT_EQ(c->reply_line(), "500 5.5.2 Line too long");
  EXPECT_EQ(c->reply_line(), "500 5.5.2 Line too long");
  EXPECT_EQ(c->reply_line(), "250 2.0.0 Ok");
}

}  // namespace
}  // namespace stsrelay::smtp::testing
