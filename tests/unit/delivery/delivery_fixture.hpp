// What the delivery tests share: scripted SMTP servers on loopback (client_fake_server.hpp) as
// the recipient domain's MX hosts, a fake DNS and clock, an in-memory queue, a test CA that the
// relay trusts, and a bounded wait that runs the io_context until a condition holds.
//
// example.test has two MX hosts: mx1.example.test (preference 10) on 127.0.0.2 and
// mx2.example.test (20) on 127.0.0.1, both on one port; a test that wants one MX drops mx2.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "client_fake_server.hpp"
#include "fake_clock.hpp"
#include "fake_resolver.hpp"
#include "fake_store.hpp"
#include "src/delivery/settings.hpp"
#include "temp_dir.hpp"
#include "test_ca.hpp"
#include "test_client_tls.hpp"

namespace stsrelay::delivery::testing {

namespace asio = boost::asio;
namespace fake = smtp::testing;
using namespace std::chrono_literals;
using stsrelay::testing::FakeClock;
using stsrelay::testing::FakeResolver;

inline const std::string kContent = "Subject: test\r\n\r\nhello\r\n";

class DeliveryFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    client_tls_ = stsrelay::testing::client_context_trusting(ca_, dir_.path());
    ASSERT_NE(client_tls_, nullptr);

    // A port free on 127.0.0.1 (nothing listens there until a test starts a server on it).
    asio::ip::tcp::acceptor probe(io_, {asio::ip::make_address("127.0.0.1"), 0});
    port_ = probe.local_endpoint().port();
    probe.close();

    dns_.mx["example.test"] = FakeResolver::answer<net::MxRecord>(
        {net::MxRecord{10, "mx1.example.test"}, net::MxRecord{20, "mx2.example.test"}});
    set_address("mx1.example.test", "127.0.0.2");
    set_address("mx2.example.test", "127.0.0.1");
  }

  void set_address(const std::string& host, const char* ip) {
    net::IpAddress a;
    ASSERT_TRUE(net::IpAddress::parse(ip, a));
    dns_.a[host] = FakeResolver::answer<net::IpAddress>({a});
    dns_.aaaa[host] = FakeResolver::failure<net::IpAddress>(net::DnsStatus::nodata);
  }
  void only_mx1() {
    dns_.mx["example.test"] =
        FakeResolver::answer<net::MxRecord>({net::MxRecord{10, "mx1.example.test"}});
  }

  // A server for `host` ("mx1" on 127.0.0.2, "mx2" on 127.0.0.1), one script per connection.
  std::unique_ptr<fake::FakeSmtpServer> serve(const std::string& host,
                                              std::vector<std::vector<fake::Step>> scripts,
                                              bool self_signed = false) {
    const char* ip = host == "mx1" ? "127.0.0.2" : "127.0.0.1";
    return std::make_unique<fake::FakeSmtpServer>(
        io_, asio::ip::tcp::endpoint(asio::ip::make_address(ip), port_), std::move(scripts),
        server_tls(host + ".example.test", self_signed));
  }

  std::shared_ptr<asio::ssl::context> server_tls(const std::string& name, bool self_signed) {
    const stsrelay::testing::LeafSpec spec{name, {"DNS:" + name}};
    const stsrelay::testing::KeyAndCert leaf =
        self_signed ? stsrelay::testing::TestCa::self_signed(spec) : ca_.issue(spec);
    auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
    SSL_CTX_use_certificate(ctx->native_handle(), leaf.cert.get());
    SSL_CTX_use_PrivateKey(ctx->native_handle(), leaf.key.get());
    return ctx;
  }

  DeliverySettings settings() const {
    DeliverySettings s;
    s.helo_name = "relay.example.org";
    s.reporting_mta = "relay.example.org";
    s.retry_schedule = {{std::chrono::seconds(300), std::chrono::seconds(600)}, 0.0};
    s.max_lifetime = std::chrono::seconds(5 * 86400);
    s.smtp_port = port_;
    s.connect_timeout = s.command_timeout = s.data_timeout = std::chrono::seconds(10);
    // Every session is QUIT right after its job, so a script can end with QUIT.
    s.reuse_max_idle_sessions = 0;
    s.sts_enforcement = sts::LocalEnforcement::off;
    return s;
  }

  // One message from alice@example.org to `recipients` at example.test, queued a minute ago.
  queue::DeliveryJob job(std::vector<std::string> recipients = {"bob@example.test"}) {
    queue::DeliveryJob j;
    j.message_id = "Q1";
    j.domain = "example.test";
    j.envelope.sender = "alice@example.org";
    j.received_at = core::to_unix(clock_.now()) - 60;
    std::int64_t id = 1;
    for (const std::string& r : recipients) {
      j.envelope.recipients.push_back({r, 0, ""});
      queue::RecipientRecord rec;
      rec.id = id++;
      rec.address = r;
      j.recipients.push_back(rec);
    }
    store_.contents[j.message_id] = kContent;
    return j;
  }

  // Shuts the servers down and waits until none has anything pending, so that they can go
  // while the io_context runs on (the next row of a table).
  void retire(std::vector<std::unique_ptr<fake::FakeSmtpServer>>& servers) {
    for (auto& s : servers) s->shut_down();
    EXPECT_TRUE(wait_until([&] {
      for (auto& s : servers) {
        if (!s->ended) return false;
      }
      return true;
    }));
    servers.clear();
  }

  // Runs the io_context until `done` holds; false when it did not within the bound.
  bool wait_until(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (!done() && std::chrono::steady_clock::now() < deadline) io_.run_one_for(100ms);
    return done();
  }

  asio::io_context io_;
  FakeStore store_;
  FakeResolver dns_;
  FakeClock clock_;
  stsrelay::testing::TestCa ca_;
  stsrelay::testing::TempDir dir_{"delivery"};
  std::shared_ptr<asio::ssl::context> client_tls_;
  std::uint16_t port_ = 0;
};

// ---- Scripts ---------------------------------------------------------------------------------

inline const char* kEhloTls = "250-mx.example.test\r\n250-8BITMIME\r\n250 STARTTLS\r\n";
inline const char* kEhloPlain = "250-mx.example.test\r\n250 8BITMIME\r\n";

// The rest of a session after EHLO: MAIL, RCPT, DATA, the content, QUIT, all accepted.
inline std::vector<fake::Step> accepted_transaction() {
  return {fake::expect("MAIL FROM:<alice@example.org>"), fake::send("250 2.1.0 ok\r\n"),
          fake::expect("RCPT TO:<bob@example.test>"),    fake::send("250 2.1.5 ok\r\n"),
          fake::expect("DATA"),                          fake::send("354 go ahead\r\n"),
          fake::expect_data(),                           fake::send("250 2.0.0 queued as X1\r\n"),
          fake::expect("QUIT"),                          fake::send("221 2.0.0 bye\r\n")};
}

// A whole session over plain text (no STARTTLS offered) that delivers.
inline std::vector<fake::Step> plain_session() {
  std::vector<fake::Step> s{fake::send("220 mx.example.test ESMTP\r\n"), fake::expect("EHLO"),
                            fake::send(kEhloPlain)};
  for (auto& step : accepted_transaction()) s.push_back(step);
  return s;
}

// A whole session with STARTTLS that delivers.
inline std::vector<fake::Step> tls_session() {
  std::vector<fake::Step> s{fake::send("220 mx.example.test ESMTP\r\n"),
                            fake::expect("EHLO"),
                            fake::send(kEhloTls),
                            fake::expect("STARTTLS"),
                            fake::send("220 2.0.0 ready\r\n"),
                            fake::starttls(),
                            fake::expect("EHLO"),
                            fake::send(kEhloPlain)};
  for (auto& step : accepted_transaction()) s.push_back(step);
  return s;
}

}  // namespace stsrelay::delivery::testing
