// run_job against scripted MX hosts on loopback, "fail at step N": each step of a session
// (connect, greeting, EHLO, STARTTLS, TLS handshake, MAIL, RCPT, DATA, the final reply, QUIT)
// fails in turn — with a 4yz reply, a 5yz reply, or the connection closed instead of a reply —
// first with one MX host, then with a second one that works, and the test asserts where the
// recipient ends: delivered, deferred with its next attempt, bounced with a DSN to the sender,
// or handed to the next MX. Then the TLS-to-plain fallback, the dry run, connection reuse and a
// failed record().
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <optional>

#include "delivery_fixture.hpp"
#include "smtp/dot_stuffer.hpp"
#include "dkim_test_keys.hpp"
#include "dkim_test_verifier.hpp"
#include "src/dkim/dns_record.hpp"
#include "src/dkim/relay_signing.hpp"
#include "src/core/enum_names.hpp"
#include "src/delivery/agent_impl.hpp"

namespace stsrelay::delivery {
namespace {

using namespace testing;
using queue::RecipientState;

enum class At { connect, greeting, ehlo, starttls, tls, mail, rcpt, data, dot, quit };
enum class How { temporary, permanent, lost };

constexpr core::EnumNameList<At::quit> kAtNames{{
    "connect", "greeting", "EHLO", "STARTTLS", "TLS handshake", "MAIL", "RCPT", "DATA",
    "final dot", "QUIT",
}, "?"};
constexpr core::EnumNameList<How::lost> kHowNames{{"4yz", "5yz", "connection lost"}, "?"};

// The scripts of one MX host whose session fails at `at`: one per connection (a failed TLS
// handshake is retried in plain text on a second connection). No script for a refused connect.
std::vector<std::vector<fake::Step>> failing_at(At at, How how) {
  std::vector<fake::Step> s;
  // Step `step` answers `ok`, unless it is the one that fails: then its reply, and the end.
  auto reply = [&](At step, const char* ok, const char* temporary, const char* permanent) {
    if (step != at) {
      s.push_back(fake::send(ok));
      return true;
    }
    if (how != How::lost) s.push_back(fake::send(how == How::temporary ? temporary : permanent));
    if (step == At::ehlo && how == How::permanent) {
      // RFC 5321 §4.1.4: the client tries HELO after a 5yz to EHLO.
      s.push_back(fake::expect("HELO"));
      s.push_back(fake::send(permanent));
    }
    s.push_back(fake::close());
    return false;
  };
  if (at == At::connect) return {};
  if (!reply(At::greeting, "220 mx.example.test ESMTP\r\n", "421 4.3.2 busy\r\n",
             "554 5.3.2 no service\r\n")) {
    return {s};
  }
  s.push_back(fake::expect("EHLO"));
  if (!reply(At::ehlo, kEhloTls, "421 4.3.2 closing\r\n", "550 5.5.1 no\r\n")) return {s};
  s.push_back(fake::expect("STARTTLS"));
  if (at == At::starttls && how != How::lost) {
    // RFC 3207 §4: a refused STARTTLS; opportunistic TLS goes on in plain text.
    s.push_back(fake::send(how == How::temporary ? "454 4.7.0 TLS not available\r\n"
                                                 : "501 5.5.4 no\r\n"));
  } else {
    if (!reply(At::starttls, "220 2.0.0 ready\r\n", "", "")) return {s};
    if (at == At::tls) {
      // The reply to STARTTLS, then no handshake: RFC 7435 §4.2, the same address again
      // without STARTTLS.
      s.push_back(fake::close());
      return {s, plain_session()};
    }
    s.push_back(fake::starttls());
    s.push_back(fake::expect("EHLO"));
    s.push_back(fake::send(kEhloPlain));
  }
  s.push_back(fake::expect("MAIL FROM:<alice@example.org>"));
  if (!reply(At::mail, "250 2.1.0 ok\r\n", "451 4.3.0 try later\r\n", "550 5.7.1 refused\r\n")) {
    return {s};
  }
  s.push_back(fake::expect("RCPT TO:<bob@example.test>"));
  if (!reply(At::rcpt, "250 2.1.5 ok\r\n", "450 4.2.0 greylisted\r\n",
             "550 5.1.1 no such user\r\n")) {
    return {s};
  }
  s.push_back(fake::expect("DATA"));
  if (!reply(At::data, "354 go ahead\r\n", "451 4.3.0 later\r\n", "554 5.6.0 no data\r\n")) {
    return {s};
  }
  s.push_back(fake::expect_data());
  if (!reply(At::dot, "250 2.0.0 queued as X1\r\n", "451 4.3.0 later\r\n",
             "554 5.7.1 spam\r\n")) {
    return {s};
  }
  s.push_back(fake::expect("QUIT"));
  reply(At::quit, "221 2.0.0 bye\r\n", "421 4.3.2 closing\r\n", "500 5.5.1 what\r\n");
  return {s};
}

class RunJob : public DeliveryFixture {
 protected:
  // Runs one job to its end (its record() included) and the servers to the end of their
  // scripts; the waits are bounded.
  void run(queue::DeliveryJob j, DeliverySettings s,
           std::vector<fake::FakeSmtpServer*> servers = {}) {
    auto impl = std::make_shared<DeliveryAgent::Impl>(io_, store_, dns_, clock_, s,
                                                      PolicyServices{});
    impl->tls_ = client_tls_;
    bool done = false;
    destination_done_calls = 0;
    const std::function<void()> destination_done = [this] {
      ++destination_done_calls;
      records_at_destination_done = store_.records;
    };
    asio::co_spawn(impl->strand_, run_job(impl, std::move(j), destination_done),
                   [&done](std::exception_ptr e) {
                     done = true;
                     if (e) std::rethrow_exception(e);
                   });
    ASSERT_TRUE(wait_until([&] { return done; })) << "the job did not finish";
    for (fake::FakeSmtpServer* server : servers) {
      ASSERT_TRUE(wait_until([&] { return server->finished || !server->error.empty(); }))
          << "a server did not reach the end of its script";
      EXPECT_EQ(server->error, "");
    }
  }

  // The calls of run_job's destination_done in the last run(), and how many records the store
  // had seen at the call.
  int destination_done_calls = 0;
  std::size_t records_at_destination_done = 0;

  const queue::RecipientResult& result() {
    static const queue::RecipientResult none{};
    EXPECT_EQ(store_.records, 1u);
    const queue::RecipientResult* r = store_.result_of(1);
    EXPECT_NE(r, nullptr);
    return r ? *r : none;
  }
};

struct Row {
  At at;
  How how;
  RecipientState state;  // with this MX host alone
  const char* reply;     // the start of last_reply
  bool next_mx;          // with a second MX host: the recipient goes there
};

// RFC 5321 §5.1 / §4.2.1 as trouble.hpp applies them: a host that cannot be reached or talked
// to is skipped for the next MX, a 4yz or 5yz about the message decides it, and only the last
// host's failure defers. Greetings and EHLO never bounce (Postfix's smtp_skip_5xx_greeting).
const Row kRows[] = {
    {At::connect, How::lost, RecipientState::deferred, "mx1.example.test[127.0.0.2]:", true},
    {At::greeting, How::temporary, RecipientState::deferred, "421 4.3.2 busy", true},
    {At::greeting, How::permanent, RecipientState::deferred, "554 5.3.2 no service", true},
    {At::greeting, How::lost, RecipientState::deferred, "mx1.example.test[127.0.0.2]:", true},
    {At::ehlo, How::temporary, RecipientState::deferred, "421 4.3.2 closing", true},
    {At::ehlo, How::permanent, RecipientState::deferred, "550 5.5.1 no", true},
    {At::ehlo, How::lost, RecipientState::deferred, "ehlo: ", true},
    // Opportunistic TLS: a refused STARTTLS is delivered in plain text on the same host.
    {At::starttls, How::temporary, RecipientState::delivered, "250 2.0.0 queued as X1", false},
    {At::starttls, How::permanent, RecipientState::delivered, "250 2.0.0 queued as X1", false},
    {At::starttls, How::lost, RecipientState::deferred, "starttls: ", true},
    {At::tls, How::lost, RecipientState::delivered, "250 2.0.0 queued as X1", false},
    {At::mail, How::temporary, RecipientState::deferred, "451 4.3.0 try later", false},
    {At::mail, How::permanent, RecipientState::bounced, "550 5.7.1 refused", false},
    {At::mail, How::lost, RecipientState::deferred, "mail: ", true},
    {At::rcpt, How::temporary, RecipientState::deferred, "450 4.2.0 greylisted", false},
    {At::rcpt, How::permanent, RecipientState::bounced, "550 5.1.1 no such user", false},
    {At::rcpt, How::lost, RecipientState::deferred, "rcpt: ", true},
    {At::data, How::temporary, RecipientState::deferred, "451 4.3.0 later", false},
    {At::data, How::permanent, RecipientState::bounced, "554 5.6.0 no data", false},
    {At::data, How::lost, RecipientState::deferred, "data: ", true},
    {At::dot, How::temporary, RecipientState::deferred, "451 4.3.0 later", false},
    {At::dot, How::permanent, RecipientState::bounced, "554 5.7.1 spam", false},
    {At::dot, How::lost, RecipientState::deferred, "message: ", true},
    // The message was taken before QUIT: nothing QUIT says changes that.
    {At::quit, How::temporary, RecipientState::delivered, "250 2.0.0 queued as X1", false},
    {At::quit, How::permanent, RecipientState::delivered, "250 2.0.0 queued as X1", false},
    {At::quit, How::lost, RecipientState::delivered, "250 2.0.0 queued as X1", false},
};

std::string trace(const Row& row) {
  return std::string("fail at ") + std::string(kAtNames.name(row.at)) + " with " +
         std::string(kHowNames.name(row.how));
}

TEST_F(RunJob, EachStepFailingOnTheOnlyMx) {
  for (const Row& row : kRows) {
    SCOPED_TRACE(trace(row));
    store_ = FakeStore{};
    only_mx1();
    auto scripts = failing_at(row.at, row.how);
    std::vector<std::unique_ptr<fake::FakeSmtpServer>> owned;
    fake::FakeSmtpServer* mx1 = nullptr;
    std::vector<fake::FakeSmtpServer*> servers;
    if (!scripts.empty()) {
      owned.push_back(serve("mx1", scripts));
      mx1 = owned.back().get();
      servers.push_back(mx1);
    }
    run(job(), settings(), servers);
    const queue::RecipientResult& r = result();
    EXPECT_EQ(r.state, row.state) << r.last_reply;
    EXPECT_EQ(r.last_reply.rfind(row.reply, 0), 0u) << r.last_reply;
    // Whatever the outcome, the domain's slot is handed back once, before the results are
    // written: the record is local work and holds nothing at the destination.
    EXPECT_EQ(destination_done_calls, 1);
    EXPECT_EQ(records_at_destination_done, 0u);
    if (row.state == RecipientState::deferred) {
      // The first step of the retry schedule (no jitter here).
      EXPECT_EQ(r.next_attempt_at, core::to_unix(clock_.now()) + 300);
    }
    if (row.state == RecipientState::bounced) {
      ASSERT_EQ(store_.notices.size(), 1u);
      const queue::NewMessage& dsn = store_.notices[0];
      ASSERT_EQ(dsn.envelope.recipients.size(), 1u);
      EXPECT_EQ(dsn.envelope.recipients[0].address, "alice@example.org");
      EXPECT_EQ(dsn.envelope.sender, "");  // RFC 3461 §6.2: the null reverse-path
      EXPECT_NE(dsn.content.find("Final-Recipient: rfc822; bob@example.test"), std::string::npos)
          << dsn.content;
    } else {
      EXPECT_TRUE(store_.notices.empty());
    }
    // The receiver has the message only when it is delivered.
    const bool has_data = mx1 && !mx1->data.empty();
    EXPECT_EQ(has_data, row.state == RecipientState::delivered || row.at == At::dot);
    retire(owned);
  }
}

TEST_F(RunJob, EachStepFailingBeforeASecondMx) {
  for (const Row& row : kRows) {
    SCOPED_TRACE(trace(row));
    store_ = FakeStore{};
    auto scripts = failing_at(row.at, row.how);
    std::vector<std::unique_ptr<fake::FakeSmtpServer>> owned;
    std::vector<fake::FakeSmtpServer*> servers;
    if (!scripts.empty()) {
      owned.push_back(serve("mx1", scripts));
      servers.push_back(owned.back().get());
    }
    owned.push_back(serve("mx2", {tls_session()}));
    fake::FakeSmtpServer* mx2 = owned.back().get();
    if (row.next_mx) servers.push_back(mx2);
    run(job(), settings(), servers);
    const queue::RecipientResult& r = result();
    EXPECT_EQ(mx2->connections, row.next_mx ? 1u : 0u);
    EXPECT_EQ(r.state, row.next_mx ? RecipientState::delivered : row.state) << r.last_reply;
    if (!row.next_mx) {
      EXPECT_EQ(r.last_reply.rfind(row.reply, 0), 0u) << r.last_reply;
    }
    retire(owned);
  }
}

TEST_F(RunJob, RecipientsOfOneTransactionEndApart) {
  only_mx1();
  auto mx1 = serve(
      "mx1", {{fake::send("220 mx.example.test ESMTP\r\n"), fake::expect("EHLO"),
               fake::send(kEhloPlain), fake::expect("MAIL FROM:<alice@example.org>"),
               fake::send("250 2.1.0 ok\r\n"), fake::expect("RCPT TO:<a@example.test>"),
               fake::send("250 2.1.5 ok\r\n"), fake::expect("RCPT TO:<b@example.test>"),
               fake::send("550 5.1.1 no such user\r\n"), fake::expect("RCPT TO:<c@example.test>"),
               fake::send("450 4.2.0 greylisted\r\n"), fake::expect("DATA"),
               fake::send("354 go ahead\r\n"), fake::expect_data(),
               fake::send("250 2.0.0 queued as X1\r\n"), fake::expect("QUIT"),
               fake::send("221 2.0.0 bye\r\n")}});
  run(job({"a@example.test", "b@example.test", "c@example.test"}), settings(), {mx1.get()});
  ASSERT_EQ(store_.results.size(), 3u);
  EXPECT_EQ(store_.result_of(1)->state, RecipientState::delivered);
  EXPECT_EQ(store_.result_of(2)->state, RecipientState::bounced);
  EXPECT_EQ(store_.result_of(3)->state, RecipientState::deferred);
  ASSERT_EQ(store_.notices.size(), 1u);  // one DSN, for b only
  EXPECT_EQ(store_.notices[0].content.find("c@example.test"), std::string::npos);
}

TEST_F(RunJob, BounceNoticeIsSignedForTheReportingDomain) {
  only_mx1();
  auto mx1 = serve("mx1", failing_at(At::rcpt, How::permanent));
  DeliverySettings s = settings();
  auto keys = dkim::SigningKeys::make(
      {{"relay.example.org", "dsn", dkim::test::ed25519_key(), "dsn.pem"}});
  ASSERT_TRUE(keys) << keys.error().message;
  s.signing_keys = std::make_shared<const dkim::SigningKeys>(std::move(*keys));
  run(job(), s, {mx1.get()});
  ASSERT_EQ(store_.notices.size(), 1u);
  const std::string& dsn = store_.notices[0].content;
  ASSERT_TRUE(dsn.starts_with("DKIM-Signature:")) << dsn.substr(0, 200);
  auto verdict = dkim::test::verify_dkim(
      dsn, dkim::dkim_txt_value(dkim::test::ed25519_key(), false));
  EXPECT_TRUE(verdict.ok) << verdict.reason;
  EXPECT_EQ(verdict.tags["d"], "relay.example.org");
}

TEST_F(RunJob, UnverifiedCertificateCarriesOpportunisticTls) {
  only_mx1();
  auto mx1 = serve("mx1", {tls_session()}, /*self_signed=*/true);
  run(job(), settings(), {mx1.get()});
  EXPECT_EQ(result().state, RecipientState::delivered);
  EXPECT_EQ(mx1->data.size(), 1u);
}

TEST_F(RunJob, DryRunStopsBeforeMailFrom) {
  struct DryRow {
    const char* name;
    std::vector<std::vector<fake::Step>> scripts;
    RecipientState state;
    const char* reply;
  };
  const std::vector<fake::Step> tls_then_quit{
      fake::send("220 mx.example.test ESMTP\r\n"), fake::expect("EHLO"), fake::send(kEhloTls),
      fake::expect("STARTTLS"), fake::send("220 2.0.0 ready\r\n"), fake::starttls(),
      fake::expect("EHLO"), fake::send(kEhloPlain), fake::expect("QUIT"),
      fake::send("221 2.0.0 bye\r\n")};
  const DryRow rows[] = {
      {"would deliver", {tls_then_quit}, RecipientState::dry_run,
       "dry run: would deliver to mx1.example.test over verified TLSv1.3"},
      {"failing greeting: deferred as a real attempt would be",
       failing_at(At::greeting, How::temporary), RecipientState::deferred, "421 4.3.2 busy"},
  };
  for (const DryRow& row : rows) {
    SCOPED_TRACE(row.name);
    store_ = FakeStore{};
    only_mx1();
    std::vector<std::unique_ptr<fake::FakeSmtpServer>> owned;
    owned.push_back(serve("mx1", row.scripts));
    DeliverySettings s = settings();
    s.dry_run = true;
    run(job(), s, {owned[0].get()});
    EXPECT_EQ(result().state, row.state);
    EXPECT_EQ(result().last_reply, row.reply);
    EXPECT_TRUE(owned[0]->data.empty());
    retire(owned);
  }
}

TEST_F(RunJob, SecondJobReusesTheIdleConnection) {
  only_mx1();
  std::vector<fake::Step> two = tls_session();
  two.pop_back();  // no QUIT after the first message: RSET and the second
  two.pop_back();
  for (auto& step :
       std::vector<fake::Step>{fake::expect("RSET"), fake::send("250 2.0.0 ok\r\n")}) {
    two.push_back(step);
  }
  for (auto& step : accepted_transaction()) two.push_back(step);
  auto mx1 = serve("mx1", {two});
  DeliverySettings s = settings();
  s.reuse_max_idle_sessions = 10;
  s.reuse_max_transactions = 2;
  auto impl =
      std::make_shared<DeliveryAgent::Impl>(io_, store_, dns_, clock_, s, PolicyServices{});
  impl->tls_ = client_tls_;
  for (int k = 0; k < 2; ++k) {
    bool done = false;
    asio::co_spawn(impl->strand_, run_job(impl, job(), [] {}), [&done](std::exception_ptr) {
      done = true;
    });
    ASSERT_TRUE(wait_until([&] { return done; }));
  }
  ASSERT_TRUE(wait_until([&] { return mx1->finished || !mx1->error.empty(); }));
  EXPECT_EQ(mx1->error, "");
  EXPECT_EQ(mx1->connections, 1u);
  EXPECT_EQ(mx1->data.size(), 2u);
  ASSERT_EQ(store_.results.size(), 2u);
  EXPECT_EQ(store_.results[1].state, RecipientState::delivered);
}

TEST_F(RunJob, FailedRecordReleasesTheRecipients) {
  only_mx1();
  auto mx1 = serve("mx1", {plain_session()});
  store_.fail_record = true;
  run(job(), settings(), {mx1.get()});
  EXPECT_TRUE(store_.results.empty());
  EXPECT_EQ(store_.released, (std::vector<std::int64_t>{1}));
}

// The message is read when a session is ready for it: one deleted meanwhile (`queue delete`)
// is found then; nothing is sent or recorded, the session ends unused, the recipients go back.
TEST_F(RunJob, DeletedMessageIsReleasedWhenASessionIsReadyForIt) {
  only_mx1();
  auto mx1 = serve("mx1", {{fake::send("220 mx.example.test ESMTP\r\n"), fake::expect("EHLO"),
                            fake::send(kEhloPlain), fake::expect("QUIT"),
                            fake::send("221 2.0.0 bye\r\n")}});
  queue::DeliveryJob j = job();
  store_.contents.clear();
  run(std::move(j), settings(), {mx1.get()});
  EXPECT_EQ(store_.records, 0u);
  EXPECT_EQ(store_.released, (std::vector<std::int64_t>{1}));
  EXPECT_TRUE(mx1->data.empty());
}

// A job that defers before any session (here: the MX hosts have no address) never reads the
// message: a dead domain's backlog costs no content reads.
TEST_F(RunJob, JobThatDefersBeforeASessionDoesNotReadTheMessage) {
  for (auto* table : {&dns_.a, &dns_.aaaa}) {
    for (auto& entry : *table) {
      entry.second = FakeResolver::failure<net::IpAddress>(net::DnsStatus::temporary, "SERVFAIL");
    }
  }
  queue::DeliveryJob j = job();
  store_.contents.clear();  // a read would fail and release the recipients instead
  run(std::move(j), settings());
  EXPECT_EQ(result().state, RecipientState::deferred);
  EXPECT_TRUE(store_.released.empty());
}

TEST_F(RunJob, DomainWithoutMxBouncesWithoutAConnection) {
  dns_.mx.clear();
  dns_.a.clear();
  run(job(), settings());
  EXPECT_EQ(result().state, RecipientState::bounced);
  EXPECT_EQ(store_.notices.size(), 1u);
}


// A message over the size that is loaded whole is read from the queue in chunks for its
// transaction (Store::open_content) and goes out dot-stuffed exactly as the whole would: lines
// that start with a dot fall on every side of the 64 KiB blocks.
TEST_F(RunJob, LargeMessageIsStreamedFromTheQueue) {
  only_mx1();
  auto mx1 = serve("mx1", {plain_session()});
  queue::DeliveryJob j = job();
  std::string content = "From: alice@example.org\r\nSubject: big\r\n\r\n";
  for (int i = 0; content.size() < 3 * 1024 * 1024; ++i) {
    content += (i % 3 == 0 ? "." : "") + std::string(40 + i % 50, 'a' + i % 26) + "\r\n";
  }
  store_.contents[j.message_id] = content;
  j.size = static_cast<std::int64_t>(content.size());
  run(std::move(j), settings(), {mx1.get()});
  EXPECT_EQ(result().state, RecipientState::delivered);
  EXPECT_EQ(store_.streamed, 1u);
  ASSERT_EQ(mx1->data.size(), 1u);
  // The fake server keeps the lines as they came, stuffing included.
  std::string wire = smtp::dot_stuff(content);
  wire.resize(wire.size() - 3);  // without the final ".\r\n"
  EXPECT_EQ(mx1->data[0], wire);
}

}  // namespace
}  // namespace stsrelay::delivery
