// The client session against a scripted SMTP server on 127.0.0.1 (client_fake_server.hpp):
// lock-step and pipelined transactions, per-recipient replies, HELO fallback, refused and
// stalled servers, replies cut off or absurdly long, STARTTLS with certificates made at test
// time, the TLS verdict, connection reuse, local refusals, the dry-run probe, the source
// address, and AUTH refused without TLS.
#include "smtp/client_session.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <filesystem>

#include "client_fake_server.hpp"
#include "src/net/tls_client_context.hpp"
#include "test_ca.hpp"

namespace stsrelay::smtp {
namespace {

namespace asio = boost::asio;
namespace fake = testing;
using namespace std::chrono_literals;

const std::string kEhloPlain = "250-mx.example.test\r\n250-8BITMIME\r\n250 SIZE 1000000\r\n";
const std::string kContent = "Subject: test\r\n\r\nhello\r\n.hidden dot\r\n";

ClientOptions options() {
  ClientOptions o;
  o.helo_name = "relay.example.org";
  o.mx_host = "mx.example.test";
  ClientTimeouts& t = o.timeouts;
  t.connect = t.greeting = t.ehlo = t.starttls = t.mail = t.rcpt = t.data_init = t.data_block =
      t.data_end = t.rset = t.quit = 5s;
  return o;
}

core::Envelope envelope(std::vector<std::string> recipients) {
  core::Envelope e;
  e.sender = "alice@example.com";
  for (auto& r : recipients) e.recipients.push_back({r, 0, ""});
  return e;
}

struct Message {
  core::Envelope envelope;
  std::string content;
};

struct SessionRun {
  OpenOutcome open;
  std::vector<TransactionOutcome> sends;
  bool reusable = false;
  std::size_t transactions = 0;
};

asio::awaitable<SessionRun> client(asio::any_io_executor ex, std::uint16_t port, ClientOptions opts,
                            std::vector<Message> messages) {
  ClientSession session(ex, std::move(opts));
  SessionRun run;
  run.open = co_await session.open("127.0.0.1", port);
  if (run.open.ok()) {
    for (const Message& m : messages) run.sends.push_back(co_await session.send(m.envelope, m.content));
  }
  run.reusable = session.is_reusable();
  run.transactions = session.transactions();
  co_await session.quit();
  co_return run;
}

// Runs the client to its end, and the server to the end of its script unless it stalls; the
// wait is bounded.
SessionRun run_client(asio::io_context& io, fake::FakeSmtpServer& server, ClientOptions opts,
               std::vector<Message> messages, bool wait_for_server = true) {
  std::optional<SessionRun> result;
  asio::co_spawn(io, client(io.get_executor(), server.port(), std::move(opts), std::move(messages)),
                 [&](std::exception_ptr e, SessionRun run) {
                   if (e) std::rethrow_exception(e);
                   result = std::move(run);
                 });
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  auto done = [&] {
    return result && (!wait_for_server || server.finished || !server.error.empty());
  };
  while (!done() && std::chrono::steady_clock::now() < deadline) io.run_one_for(100ms);
  EXPECT_TRUE(result.has_value()) << "the client did not finish";
  return result.value_or(SessionRun{});
}

std::vector<fake::Step> script(std::initializer_list<fake::Step> steps) { return steps; }

// The parts of a script, one after the other.
std::vector<fake::Step> joined(std::initializer_list<std::vector<fake::Step>> parts) {
  std::vector<fake::Step> out;
  for (const auto& part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}

// One transaction whose recipient is accepted, up to its content: MAIL, RCPT (a line that starts
// with `rcpt`) and DATA, each answered with success.
std::vector<fake::Step> accepted_up_to_content(std::string rcpt = "RCPT") {
  return {fake::expect("MAIL"), fake::send("250 ok\r\n"), fake::expect(std::move(rcpt)),
          fake::send("250 ok\r\n"), fake::expect("DATA"), fake::send("354 go\r\n"),
          fake::expect_data()};
}

// A plain session from the greeting to the content of its first transaction.
std::vector<fake::Step> plain_up_to_content(std::string rcpt = "RCPT") {
  return joined({{fake::send("220 mx\r\n"), fake::expect("EHLO"), fake::send(kEhloPlain)},
                 accepted_up_to_content(std::move(rcpt))});
}

TEST(ClientSession, LockStepTransactionWithPerRecipientReplies) {
  asio::io_context io;
  fake::FakeSmtpServer server(io, script({
      fake::send("220-mx.example.test ESMTP\r\n220 second line\r\n"),
      fake::expect("EHLO relay.example.org"), fake::send(kEhloPlain),
      fake::expect("MAIL FROM:<alice@example.com> SIZE=" + std::to_string(kContent.size())), fake::send("250 2.1.0 ok\r\n"),
      fake::expect("RCPT TO:<a@example.net>"), fake::send("250 2.1.5 ok\r\n"),
      fake::expect("RCPT TO:<b@example.net>"), fake::send("550 5.1.1 no such user\r\n"),
      fake::expect("DATA"), fake::send("354 go ahead\r\n"), fake::expect_data(),
      fake::send("250 2.0.0 queued as X1\r\n"), fake::expect("QUIT"), fake::send("221 bye\r\n"),
  }));
  SessionRun run = run_client(io, server, options(),
                       {{envelope({"a@example.net", "b@example.net"}), kContent}});
  EXPECT_TRUE(server.finished) << server.error;
  ASSERT_TRUE(run.open.ok()) << run.open.failure->describe();
  EXPECT_EQ(run.open.greeting->lines.size(), 2u);
  EXPECT_EQ(run.open.capabilities.size_limit, 1000000u);
  EXPECT_FALSE(run.open.tls.offered);
  ASSERT_EQ(run.sends.size(), 1u);
  const TransactionOutcome& t = run.sends[0];
  EXPECT_FALSE(t.pipelined);
  EXPECT_FALSE(t.failure);
  ASSERT_EQ(t.recipients.size(), 2u);
  EXPECT_TRUE(t.recipients[0].delivered());
  EXPECT_EQ(t.recipients[0].reply->lines.front(), "queued as X1");
  EXPECT_EQ(t.recipients[1].phase, ClientPhase::rcpt);
  EXPECT_EQ(t.recipients[1].reply->code, 550);
  EXPECT_EQ(t.recipients[1].reply->enhanced, "5.1.1");
  ASSERT_EQ(server.data.size(), 1u);
  EXPECT_EQ(server.data[0], "Subject: test\r\n\r\nhello\r\n..hidden dot\r\n");
  EXPECT_TRUE(run.reusable);
}

TEST(ClientSession, PipelinedGroupIsSentBeforeAnyReplyAndReadInOrder) {
  asio::io_context io;
  // The server reads MAIL, both RCPTs and DATA before it answers anything: a client that waited
  // for the MAIL reply would time out here.
  fake::FakeSmtpServer server(io, script({
      fake::send("220 mx.example.test\r\n"), fake::expect("EHLO"),
      fake::send("250-mx.example.test\r\n250-PIPELINING\r\n250 8BITMIME\r\n"),
      fake::expect("MAIL FROM:<alice@example.com>"), fake::expect("RCPT TO:<a@example.net>"),
      fake::expect("RCPT TO:<b@example.net>"), fake::expect("RCPT TO:<c@example.net>"),
      fake::expect("DATA"),
      fake::send("250 ok\r\n250 ok\r\n451 4.2.0 mailbox busy\r\n250 ok\r\n354 go\r\n"),
      fake::expect_data(), fake::send("250 2.0.0 ok\r\n"), fake::expect("QUIT"),
      fake::send("221 bye\r\n"),
  }));
  ClientOptions o = options();
  o.timeouts.mail = o.timeouts.rcpt = o.timeouts.data_init = 2s;
  SessionRun run = run_client(io, server, o,
                       {{envelope({"a@example.net", "b@example.net", "c@example.net"}), kContent}});
  EXPECT_TRUE(server.finished) << server.error;
  ASSERT_EQ(run.sends.size(), 1u);
  const TransactionOutcome& t = run.sends[0];
  EXPECT_TRUE(t.pipelined);
  EXPECT_TRUE(t.recipients[0].delivered());
  EXPECT_EQ(t.recipients[1].phase, ClientPhase::rcpt);
  EXPECT_EQ(t.recipients[1].reply->code, 451);
  EXPECT_TRUE(t.recipients[2].delivered());
  EXPECT_EQ(t.data_reply->code, 354);
}

TEST(ClientSession, PipelinedGroupsAreBounded) {
  asio::io_context io;
  fake::FakeSmtpServer server(io, script({
      fake::send("220 mx\r\n"), fake::expect("EHLO"), fake::send("250-mx\r\n250 PIPELINING\r\n"),
      fake::expect("MAIL"), fake::expect("RCPT TO:<a@"), fake::expect("RCPT TO:<b@"),
      fake::send("250 ok\r\n250 ok\r\n250 ok\r\n"), fake::expect("RCPT TO:<c@"),
      fake::expect("DATA"), fake::send("250 ok\r\n354 go\r\n"), fake::expect_data(),
      fake::send("250 ok\r\n"), fake::expect("QUIT"), fake::send("221 bye\r\n"),
  }));
  ClientOptions o = options();
  o.pipeline_group = 2;
  SessionRun run = run_client(io, server, o,
                       {{envelope({"a@example.net", "b@example.net", "c@example.net"}), "x\r\n"}});
  EXPECT_TRUE(server.finished) << server.error;
  ASSERT_EQ(run.sends.size(), 1u);
  for (const auto& r : run.sends[0].recipients) EXPECT_TRUE(r.delivered()) << r.address;
}

TEST(ClientSession, PipelinedRefusedMailDecidesForEveryRecipient) {
  asio::io_context io;
  fake::FakeSmtpServer server(io, script({
      fake::send("220 mx\r\n"), fake::expect("EHLO"), fake::send("250-mx\r\n250 PIPELINING\r\n"),
      fake::expect("MAIL"), fake::expect("RCPT"), fake::expect("DATA"),
      fake::send("550 5.7.1 sender refused\r\n503 5.5.1 no MAIL\r\n554 5.5.1 no recipients\r\n"),
      fake::expect("QUIT"), fake::send("221 bye\r\n"),
  }));
  SessionRun run = run_client(io, server, options(), {{envelope({"a@example.net"}), "x\r\n"}});
  EXPECT_TRUE(server.finished) << server.error;
  const TransactionOutcome& t = run.sends.at(0);
  ASSERT_TRUE(t.failure);
  EXPECT_EQ(t.failure->phase, ClientPhase::mail);
  EXPECT_TRUE(t.failure->permanent());
  EXPECT_EQ(t.recipients[0].phase, ClientPhase::mail);
  EXPECT_EQ(t.recipients[0].reply->code, 550);
  EXPECT_TRUE(run.reusable);
}

TEST(ClientSession, AllRecipientsRefusedButDataAcceptedSendsOnlyTheDot) {
  asio::io_context io;
  fake::FakeSmtpServer server(io, script({
      fake::send("220 mx\r\n"), fake::expect("EHLO"), fake::send("250-mx\r\n250 PIPELINING\r\n"),
      fake::expect("MAIL"), fake::expect("RCPT"), fake::expect("DATA"),
      fake::send("250 ok\r\n550 5.1.1 unknown\r\n354 go\r\n"), fake::expect_data(),
      fake::send("554 5.5.1 no valid recipients\r\n"), fake::expect("QUIT"),
      fake::send("221 bye\r\n"),
  }));
  SessionRun run = run_client(io, server, options(), {{envelope({"a@example.net"}), kContent}});
  EXPECT_TRUE(server.finished) << server.error;
  ASSERT_EQ(server.data.size(), 1u);
  EXPECT_EQ(server.data[0], "");  // no content went out
  EXPECT_EQ(run.sends.at(0).recipients[0].phase, ClientPhase::rcpt);
  EXPECT_EQ(run.sends.at(0).recipients[0].reply->code, 550);
}

TEST(ClientSession, HeloWhenEhloIsRefused) {
  asio::io_context io;
  fake::FakeSmtpServer server(io, script({
      fake::send("220 old.example.test\r\n"), fake::expect("EHLO relay.example.org"),
      fake::send("502 command not recognized\r\n"), fake::expect("HELO relay.example.org"),
      fake::send("250 old.example.test\r\n"), fake::expect("MAIL FROM:<alice@example.com>"),
      fake::send("250 ok\r\n"), fake::expect("RCPT"), fake::send("250 ok\r\n"),
      fake::expect("DATA"), fake::send("354 go\r\n"), fake::expect_data(),
      fake::send("250 ok\r\n"), fake::expect("QUIT"), fake::send("221 bye\r\n"),
  }));
  SessionRun run = run_client(io, server, options(), {{envelope({"a@example.net"}), "x\r\n"}});
  EXPECT_TRUE(server.finished) << server.error;
  EXPECT_TRUE(run.open.helo_fallback);
  EXPECT_FALSE(run.open.capabilities.esmtp);
  EXPECT_TRUE(run.sends.at(0).recipients[0].delivered());
}

TEST(ClientSession, RefusedGreetingIsAFailureAndStillQuits) {
  asio::io_context io;
  fake::FakeSmtpServer server(io, script({
      fake::send("554 5.7.1 go away\r\n"), fake::expect("QUIT"), fake::send("221 bye\r\n"),
  }));
  SessionRun run = run_client(io, server, options(), {});
  EXPECT_TRUE(server.finished) << server.error;
  ASSERT_TRUE(run.open.failure);
  EXPECT_EQ(run.open.failure->phase, ClientPhase::greeting);
  EXPECT_EQ(run.open.failure->reply->code, 554);
  EXPECT_EQ(run.open.failure->describe(), "greeting: 554 5.7.1 go away");
  EXPECT_FALSE(run.reusable);
}

struct FaultRow {
  const char* name;
  std::vector<fake::Step> after_ehlo_command;  // the server's behaviour after "EHLO"
  std::string reason;                          // expected in the failure
  bool timed_out;
};

TEST(ClientSession, BrokenServersEndTheSessionCleanly) {
  const FaultRow rows[] = {
      {"stalls before replying", {fake::stall()}, "timed out after 300ms", true},
      {"stalls mid-reply", {fake::send("250-mx\r\n250-PIPE"), fake::stall()},
       "timed out after 300ms", true},
      {"closes mid-reply", {fake::send("250-mx\r\n250-PIPE"), fake::close()},
       "connection closed by the server", false},
      {"closes without a reply", {fake::close()}, "connection closed by the server", false},
      {"10 MB reply line", {fake::send_huge(10 * 1024 * 1024)},
       "protocol error: reply line longer than 4096 octets", false},
      {"garbage instead of a reply", {fake::send("HTTP/1.1 400 Bad Request\r\n")},
       "protocol error: malformed reply line (no reply code)", false},
  };
  for (const FaultRow& row : rows) {
    SCOPED_TRACE(row.name);
    asio::io_context io;
    std::vector<fake::Step> steps{fake::send("220 mx\r\n"), fake::expect("EHLO")};
    steps.insert(steps.end(), row.after_ehlo_command.begin(), row.after_ehlo_command.end());
    fake::FakeSmtpServer server(io, steps);
    ClientOptions o = options();
    o.timeouts.ehlo = 300ms;
    SessionRun run = run_client(io, server, o, {{envelope({"a@example.net"}), "x\r\n"}}, false);
    ASSERT_TRUE(run.open.failure);
    EXPECT_EQ(run.open.failure->phase, ClientPhase::ehlo);
    EXPECT_FALSE(run.open.failure->reply);
    EXPECT_EQ(run.open.failure->reason, row.reason);
    EXPECT_EQ(run.open.failure->timed_out, row.timed_out);
    EXPECT_TRUE(run.sends.empty());
    EXPECT_FALSE(run.reusable);
    // The client stopped reading long before the 10 MB were out.
    EXPECT_LT(server.huge_sent, 10u * 1024 * 1024);
  }
}

TEST(ClientSession, StalledFinalReplyTimesOutAfterTheContent) {
  asio::io_context io;
  fake::FakeSmtpServer server(io, joined({plain_up_to_content(), {fake::stall()}}));
  ClientOptions o = options();
  o.timeouts.data_end = 300ms;
  SessionRun run = run_client(io, server, o, {{envelope({"a@example.net"}), kContent}}, false);
  const TransactionOutcome& t = run.sends.at(0);
  ASSERT_TRUE(t.failure);
  EXPECT_EQ(t.failure->phase, ClientPhase::message);
  EXPECT_TRUE(t.failure->timed_out);
  EXPECT_EQ(t.recipients[0].phase, ClientPhase::message);
  EXPECT_EQ(t.recipients[0].reason, "no reply after the end of data: timed out after 300ms");
  EXPECT_FALSE(run.reusable);
}

TEST(ClientSession, ConnectionRefused) {
  asio::io_context io;
  std::uint16_t port = 0;
  {
    fake::tcp::acceptor a(io, fake::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    port = a.local_endpoint().port();
  }  // closed: nothing listens there now
  std::optional<OpenOutcome> result;
  asio::co_spawn(io, probe(io.get_executor(), options(), "127.0.0.1", port),
                 [&](std::exception_ptr, OpenOutcome o) { result = std::move(o); });
  io.run_for(10s);
  ASSERT_TRUE(result);
  ASSERT_TRUE(result->failure);
  EXPECT_EQ(result->failure->phase, ClientPhase::connect);
  EXPECT_FALSE(result->failure->reason.empty());
}

TEST(ClientSession, ReusedConnectionStartsWithRset) {
  asio::io_context io;
  fake::FakeSmtpServer server(
      io, joined({plain_up_to_content("RCPT TO:<a@"),
                  {fake::send("250 ok 1\r\n"), fake::expect("RSET"), fake::send("250 ok\r\n")},
                  accepted_up_to_content("RCPT TO:<b@"),
                  {fake::send("250 ok 2\r\n"), fake::expect("QUIT"), fake::send("221 bye\r\n")}}));
  SessionRun run = run_client(io, server, options(),
                       {{envelope({"a@example.net"}), "one\r\n"},
                        {envelope({"b@example.net"}), "two\r\n"}});
  EXPECT_TRUE(server.finished) << server.error;
  ASSERT_EQ(run.sends.size(), 2u);
  EXPECT_TRUE(run.sends[0].recipients[0].delivered());
  EXPECT_TRUE(run.sends[1].recipients[0].delivered());
  EXPECT_EQ(run.sends[1].final_reply->lines.front(), "ok 2");
  EXPECT_EQ(run.transactions, 2u);
  EXPECT_TRUE(run.reusable);
  EXPECT_EQ(server.data, (std::vector<std::string>{"one\r\n", "two\r\n"}));
}

TEST(ClientSession, ServerThatClosedAnIdleConnectionIsFoundByRset) {
  asio::io_context io;
  fake::FakeSmtpServer server(
      io, joined({plain_up_to_content(),
                  {fake::send("250 ok\r\n"), fake::expect("RSET"),
                   fake::send("421 4.4.2 idle too long\r\n"), fake::close()}}));
  SessionRun run = run_client(io, server, options(),
                       {{envelope({"a@example.net"}), "one\r\n"},
                        {envelope({"b@example.net"}), "two\r\n"}});
  ASSERT_EQ(run.sends.size(), 2u);
  const TransactionOutcome& second = run.sends[1];
  ASSERT_TRUE(second.failure);
  EXPECT_EQ(second.failure->phase, ClientPhase::rset);
  EXPECT_EQ(second.recipients[0].phase, ClientPhase::rset);
  EXPECT_EQ(second.recipients[0].reply->code, 421);
  EXPECT_FALSE(run.reusable);
}

TEST(ClientSession, LocalRefusalsSendNoMail) {
  struct Row {
    const char* name;
    std::string ehlo;
    core::Envelope env;
    std::string content;
    int code;
    std::string enhanced;
  };
  core::Envelope utf8 = envelope({"j\xc3\xb6rg@example.net"});
  core::Envelope requiretls = envelope({"a@example.net"});
  requiretls.require_tls = true;
  const Row rows[] = {
      {"bigger than SIZE", "250-mx\r\n250 SIZE 10\r\n", envelope({"a@example.net"}),
       "Subject: eleven\r\n", 552, "5.3.4"},
      {"SMTPUTF8 not offered", "250-mx\r\n250 8BITMIME\r\n", utf8, "x\r\n", 553, "5.6.7"},
      {"8-bit without 8BITMIME", "250 mx\r\n", envelope({"a@example.net"}), "caf\xc3\xa9\r\n",
       554, "5.6.3"},
      {"REQUIRETLS (RFC 8689) over plain text, even when offered",
       "250-mx\r\n250 REQUIRETLS\r\n", requiretls, "x\r\n", 550, "5.7.30"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    asio::io_context io;
    fake::FakeSmtpServer server(io, script({
        fake::send("220 mx\r\n"), fake::expect("EHLO"), fake::send(row.ehlo),
        fake::expect("QUIT"), fake::send("221 bye\r\n"),
    }));
    SessionRun run = run_client(io, server, options(), {{row.env, row.content}});
    EXPECT_TRUE(server.finished) << server.error;  // QUIT came right after EHLO: no MAIL
    const TransactionOutcome& t = run.sends.at(0);
    EXPECT_EQ(t.failure->phase, ClientPhase::local);
    EXPECT_TRUE(t.failure->permanent());
    EXPECT_EQ(t.recipients[0].phase, ClientPhase::local);
    EXPECT_EQ(t.recipients[0].reply->code, row.code);
    EXPECT_EQ(t.recipients[0].reply->enhanced, row.enhanced);
    EXPECT_EQ(run.transactions, 0u);
  }
}

// A route's source_address: bound before the connect (127.0.0.2 proves it is used: the OS would
// pick 127.0.0.1 for a connection to 127.0.0.1).
TEST(ClientSession, SourceAddressIsBoundBeforeTheConnect) {
  asio::io_context io;
  fake::FakeSmtpServer server(io, joined({plain_up_to_content(), {fake::send("250 ok\r\n"),
                                          fake::expect("QUIT"), fake::send("221 bye\r\n")}}));
  ClientOptions o = options();
  o.source_address = "127.0.0.2";
  SessionRun run = run_client(io, server, o, {{envelope({"a@example.net"}), "x\r\n"}});
  EXPECT_TRUE(server.finished) << server.error;
  ASSERT_TRUE(run.open.ok()) << run.open.failure->describe();
  EXPECT_EQ(run.open.local_address, "127.0.0.2");
  EXPECT_TRUE(run.sends.at(0).recipients[0].delivered());
}

TEST(ClientSession, UnusableSourceAddressFailsAtConnect) {
  struct Row {
    const char* name;
    std::string source;
    std::string reason;
  };
  const Row rows[] = {
      {"IPv6 source for an IPv4 destination", "::1",
       "source address ::1 is IPv6 but the destination 127.0.0.1 is IPv4"},
      {"not an address of this host (TEST-NET-1)", "192.0.2.1",
       "cannot bind source address 192.0.2.1: "},
      {"not an IP literal", "relay.example.org",
       "source address relay.example.org is not an IP address"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    asio::io_context io;
    fake::FakeSmtpServer server(io, script({fake::send("220 mx\r\n")}));
    ClientOptions o = options();
    o.source_address = row.source;
    SessionRun run = run_client(io, server, o, {}, false);
    ASSERT_TRUE(run.open.failure);
    EXPECT_EQ(run.open.failure->phase, ClientPhase::connect);
    EXPECT_FALSE(run.open.failure->permanent());
    EXPECT_FALSE(run.open.failure->reply);
    EXPECT_EQ(run.open.failure->reason.rfind(row.reason, 0), 0u) << run.open.failure->reason;
    EXPECT_EQ(server.connections, 0u);
    server.shut_down();
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!server.ended && std::chrono::steady_clock::now() < deadline) io.run_one_for(100ms);
  }
}

// Checks made before any connect: nothing needs to listen at the destination.
TEST(ClientSession, RefusedBeforeTheConnect) {
  struct Row {
    const char* name;
    std::string destination;
    ClientOptions options;
    ClientPhase phase;
    std::string reason;
  };
  ClientOptions v4_source = options();
  v4_source.source_address = "127.0.0.1";
  ClientOptions implicit = options();
  implicit.implicit_tls = true;  // and no TLS context
  const Row rows[] = {
      {"IPv4 source for an IPv6 destination", "::1", v4_source, ClientPhase::connect,
       "source address 127.0.0.1 is IPv4 but the destination ::1 is IPv6"},
      {"implicit TLS without a TLS context", "127.0.0.1", implicit, ClientPhase::tls,
       "implicit TLS without a TLS context"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    asio::io_context io;
    std::optional<OpenOutcome> result;
    asio::co_spawn(io, probe(io.get_executor(), row.options, row.destination, 9),
                   [&](std::exception_ptr, OpenOutcome o) { result = std::move(o); });
    io.run_for(10s);
    ASSERT_TRUE(result);
    ASSERT_TRUE(result->failure);
    EXPECT_EQ(result->failure->phase, row.phase);
    EXPECT_EQ(result->failure->reason, row.reason);
    EXPECT_FALSE(result->failure->permanent());
    EXPECT_TRUE(result->local_address.empty());  // never connected
  }
}

// RFC 4954 §4 and the route's auth_file: credentials never travel in plain text.
TEST(ClientSession, AuthIsRefusedWithoutTls) {
  asio::io_context io;
  fake::FakeSmtpServer server(io, script({
      fake::send("220 mx\r\n"), fake::expect("EHLO"),
      fake::send("250-mx\r\n250-AUTH PLAIN LOGIN\r\n250 PIPELINING\r\n"), fake::expect("QUIT"),
      fake::send("221 bye\r\n"),
  }));
  ClientOptions o = options();
  o.auth = ClientCredentials{"user@example.com", "s3cret"};
  SessionRun run = run_client(io, server, o, {{envelope({"a@example.net"}), "x\r\n"}});
  EXPECT_TRUE(server.finished) << server.error;  // QUIT right after EHLO: no AUTH line
  ASSERT_TRUE(run.open.failure);
  EXPECT_EQ(run.open.failure->phase, ClientPhase::auth);
  EXPECT_FALSE(run.open.failure->permanent());
  EXPECT_EQ(run.open.failure->describe(), "auth: AUTH refused: the session is not encrypted");
  EXPECT_TRUE(run.sends.empty());
  EXPECT_FALSE(run.reusable);
}

TEST(ClientSession, TemporaryFailureAfterData) {
  asio::io_context io;
  fake::FakeSmtpServer server(
      io, joined({plain_up_to_content(), {fake::send("451 4.3.0 try later\r\n"),
                                          fake::expect("QUIT"), fake::send("221 bye\r\n")}}));
  SessionRun run = run_client(io, server, options(), {{envelope({"a@example.net"}), "x\r\n"}});
  const TransactionOutcome& t = run.sends.at(0);
  EXPECT_EQ(t.failure->phase, ClientPhase::message);
  EXPECT_FALSE(t.failure->permanent());
  EXPECT_EQ(t.recipients[0].phase, ClientPhase::message);
  EXPECT_EQ(t.recipients[0].reply->code, 451);
  EXPECT_FALSE(t.recipients[0].delivered());
  EXPECT_TRUE(run.reusable);
}

}  // namespace
}  // namespace stsrelay::smtp
