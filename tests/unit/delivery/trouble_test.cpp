#include "src/delivery/trouble.hpp"

#include <gtest/gtest.h>

#include "smtp/reply.hpp"
#include "table_test.hpp"

namespace stsrelay::delivery {
namespace {

struct Row {
  const char* name;
  Failure failure;
  bool last_host;
  Action action;
  const char* status;
};

TEST(Trouble, ClassifiesFailures) {
  const Row rows[] = {
      {"nxdomain bounces", {Stage::dns, 550, "5.1.2", "NXDOMAIN"}, true, Action::bounce, "5.1.2"},
      {"null mx bounces", {Stage::dns, 550, "5.1.10", "null MX"}, true, Action::bounce, "5.1.10"},
      {"servfail defers", {Stage::dns, 0, "", "SERVFAIL"}, true, Action::defer, "4.4.3"},
      {"refused, more hosts", {Stage::connect, 0, "", "refused"}, false, Action::next_host,
       "4.4.1"},
      {"refused, last host", {Stage::connect, 0, "", "refused"}, true, Action::defer, "4.4.1"},
      {"5xx greeting tries next", {Stage::greeting, 554, "", "go away"}, false,
       Action::next_host, "5.4.0"},
      {"5xx greeting on last host defers", {Stage::greeting, 554, "", "go away"}, true,
       Action::defer, "5.4.0"},
      {"enforce: no starttls, next", {Stage::tls, 0, "4.7.5", "no STARTTLS"}, false,
       Action::next_host, "4.7.5"},
      {"enforce: bad cert, last defers", {Stage::tls, 0, "4.7.5", "untrusted"}, true,
       Action::defer, "4.7.5"},
      {"enforce: unlisted mx", {Stage::policy, 0, "", "not listed"}, true, Action::defer,
       "4.7.5"},
      {"rcpt 550 bounces", {Stage::rcpt, 550, "5.1.1", "no such user"}, false, Action::bounce,
       "5.1.1"},
      {"rcpt 550 without code", {Stage::rcpt, 550, "", "no such user"}, false, Action::bounce,
       "5.1.1"},
      {"rcpt 450 defers", {Stage::rcpt, 450, "", "greylisted"}, false, Action::defer, "4.0.0"},
      {"mail 451 defers", {Stage::mail, 451, "4.3.0", "try later"}, false, Action::defer,
       "4.3.0"},
      {"data 554 bounces", {Stage::data, 554, "5.6.0", "content rejected"}, false,
       Action::bounce, "5.6.0"},
      {"connection lost in data", {Stage::data, 0, "", "closed"}, false, Action::next_host,
       "4.0.0"},
      {"too big for server", {Stage::local, 552, "5.3.4", "size"}, false, Action::bounce,
       "5.3.4"},
      {"no REQUIRETLS at this MX: the next one",
       {Stage::local, 550, "5.7.30", "REQUIRETLS support required"}, false, Action::next_host,
       "5.7.30"},
      {"no REQUIRETLS at the last MX bounces",
       {Stage::local, 550, "5.7.30", "REQUIRETLS support required"}, true, Action::bounce,
       "5.7.30"},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    EXPECT_EQ(classify(row.failure, row.last_host), row.action);
    EXPECT_EQ(status_code(row.failure), row.status);
  }
}

using smtp::ClientPhase;

smtp::RecipientResult rcpt(ClientPhase phase, int code, const char* enhanced, const char* text) {
  smtp::RecipientResult r;
  r.address = "a@example.test";
  r.phase = phase;
  if (code != 0) r.reply = smtp::make_reply(code, enhanced, text);
  else r.reason = text;
  return r;
}

TEST(Fate, StageOfEveryPhase) {
  const testing::Row<ClientPhase, Stage> rows[] = {
      {"connect", ClientPhase::connect, Stage::connect},
      {"greeting", ClientPhase::greeting, Stage::greeting},
      {"ehlo", ClientPhase::ehlo, Stage::ehlo},
      {"starttls", ClientPhase::starttls, Stage::tls},
      {"tls", ClientPhase::tls, Stage::tls},
      {"auth: the reply decides, like a local refusal", ClientPhase::auth, Stage::local},
      {"rset on a reused connection is about the connection", ClientPhase::rset, Stage::connect},
      {"mail", ClientPhase::mail, Stage::mail},
      {"rcpt", ClientPhase::rcpt, Stage::rcpt},
      {"data", ClientPhase::data, Stage::data},
      {"message", ClientPhase::message, Stage::data},
      {"local refusal", ClientPhase::local, Stage::local},
  };
  testing::expect_rows(rows, [](ClientPhase phase) { return stage_of(phase); });
}

TEST(Fate, TransactionRecipients) {
  struct Row {
    const char* name;
    smtp::RecipientResult result;
    bool last_host;
    RecipientFate expected;
  };
  const Row rows[] = {
      {"250 after the final dot is delivered",
       rcpt(ClientPhase::message, 250, "2.0.0", "queued as X"), false,
       {Fate::delivered, "2.0.0", "250 2.0.0 queued as X"}},
      {"delivered without an enhanced code gets 2.0.0",
       rcpt(ClientPhase::message, 250, "", "ok"), false, {Fate::delivered, "2.0.0", "250 ok"}},
      {"550 to RCPT bounces", rcpt(ClientPhase::rcpt, 550, "5.1.1", "no such user"), false,
       {Fate::bounced, "5.1.1", "550 5.1.1 no such user"}},
      {"450 to RCPT defers", rcpt(ClientPhase::rcpt, 450, "4.2.0", "greylisted"), false,
       {Fate::deferred, "4.2.0", "450 4.2.0 greylisted"}},
      {"554 after the dot bounces", rcpt(ClientPhase::message, 554, "5.7.1", "spam"), true,
       {Fate::bounced, "5.7.1", "554 5.7.1 spam"}},
      {"connection lost after DATA tries the next host",
       rcpt(ClientPhase::message, 0, "", "connection closed"), false,
       {Fate::next_host, "4.0.0", "message: connection closed"}},
      {"connection lost on the last host defers",
       rcpt(ClientPhase::message, 0, "", "connection closed"), true,
       {Fate::deferred, "4.0.0", "message: connection closed"}},
      {"too big for the server bounces", rcpt(ClientPhase::local, 552, "5.3.4", "too big"), false,
       {Fate::bounced, "5.3.4", "552 5.3.4 too big"}},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    smtp::TransactionOutcome t;
    t.recipients.push_back(row.result);
    const auto fates = transaction_fates(t, 1, row.last_host);
    ASSERT_EQ(fates.size(), 1u);
    EXPECT_EQ(fates[0], row.expected);
  }
}

TEST(Fate, MissingRecipientSharesTheTransactionFailure) {
  smtp::TransactionOutcome t;
  t.failure = smtp::StepFailure{ClientPhase::mail, smtp::make_reply(451, "4.3.0", "later"), "",
                                false};
  const auto fates = transaction_fates(t, 2, true);
  ASSERT_EQ(fates.size(), 2u);
  EXPECT_EQ(fates[1], (RecipientFate{Fate::deferred, "4.3.0", "451 4.3.0 later"}));
}

TEST(Fate, OpenFailures) {
  struct Row {
    const char* name;
    smtp::StepFailure failure;
    bool last_host;
    Fate fate;
    const char* dsn;
  };
  const Row rows[] = {
      {"refused, more hosts", {ClientPhase::connect, std::nullopt, "refused", false}, false,
       Fate::next_host, "4.4.1"},
      {"refused, last host", {ClientPhase::connect, std::nullopt, "refused", false}, true,
       Fate::deferred, "4.4.1"},
      {"421 greeting, more hosts",
       {ClientPhase::greeting, smtp::make_reply(421, "", "busy"), "", false}, false,
       Fate::next_host, "4.4.0"},
      {"handshake failure, last host", {ClientPhase::tls, std::nullopt, "handshake", false}, true,
       Fate::deferred, "4.7.0"},
      {"AUTH 535 bounces, more hosts",
       {ClientPhase::auth, smtp::make_reply(535, "5.7.8", "bad credentials"), "", false}, false,
       Fate::bounced, "5.7.8"},
      {"AUTH 535 without an enhanced code bounces with 5.7.0",
       {ClientPhase::auth, smtp::make_reply(535, "", "no"), "", false}, true, Fate::bounced,
       "5.7.0"},
      {"AUTH 454 defers, more hosts",
       {ClientPhase::auth, smtp::make_reply(454, "4.7.0", "try later"), "", false}, false,
       Fate::deferred, "4.7.0"},
      {"AUTH refused locally without TLS defers",
       {ClientPhase::auth, std::nullopt, "AUTH refused: the session is not encrypted", false},
       false, Fate::deferred, "4.7.0"},
      {"AUTH timed out defers",
       {ClientPhase::auth, std::nullopt, "timed out after 300s", true}, true, Fate::deferred,
       "4.7.0"},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    const RecipientFate f = fate_of(failure_of(row.failure), row.last_host);
    EXPECT_EQ(f.fate, row.fate);
    EXPECT_EQ(f.dsn, row.dsn);
  }
}

// A permanent AUTH failure bounces with the server's reply; a local refusal names the phase.
TEST(Fate, AuthFailuresAtOpen) {
  const smtp::StepFailure refused{ClientPhase::auth,
                                  smtp::make_reply(535, "5.7.8", "bad credentials"),
                                  "AUTH PLAIN refused", false};
  EXPECT_EQ(open_fate(refused, true, "smarthost.example.com", "192.0.2.10", 465, false),
            (RecipientFate{Fate::bounced, "5.7.8", "535 5.7.8 bad credentials"}));
  const smtp::StepFailure plain{ClientPhase::auth, std::nullopt,
                                "AUTH refused: the session is not encrypted", false};
  EXPECT_EQ(open_fate(plain, true, "smarthost.example.com", "192.0.2.10", 25, true),
            (RecipientFate{Fate::deferred, "4.7.0",
                           "auth: AUTH refused: the session is not encrypted"}));
}

TEST(Fate, LifetimeTurnsDeferralsIntoBounces) {
  const core::SysTime received = core::from_unix(1'000'000);
  const std::chrono::seconds lifetime{3600};
  struct Row {
    const char* name;
    RecipientFate fate;
    core::SysTime now;
    RecipientFate expected;
  };
  const RecipientFate deferred{Fate::deferred, "4.4.1", "refused"};
  const RecipientFate bounced{Fate::bounced, "5.1.1", "550 no"};
  const Row rows[] = {
      {"young deferral stays", deferred, received + std::chrono::seconds(3599), deferred},
      {"old deferral bounces", deferred, received + lifetime,
       {Fate::bounced, "5.4.7", "delivery time expired; last reason: refused"}},
      {"a bounce stays a bounce", bounced, received + lifetime * 2, bounced},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    EXPECT_EQ(expire(row.fate, received, lifetime, row.now), row.expected);
  }
}

TEST(Fate, QueueResults) {
  const core::SysTime now = core::from_unix(2'000'000);
  const queue::RetrySchedule schedule{{std::chrono::seconds(60), std::chrono::seconds(600)}, 0.1};
  struct Row {
    const char* name;
    RecipientFate fate;
    int attempts;
    queue::RecipientState state;
    std::int64_t next_attempt_at;
  };
  const Row rows[] = {
      {"delivered", {Fate::delivered, "2.0.0", "250 ok"}, 0, queue::RecipientState::delivered,
       0},
      {"bounced", {Fate::bounced, "5.1.1", "550"}, 0, queue::RecipientState::bounced, 0},
      {"dry run", {Fate::dry_run, "2.0.0", "dry"}, 0, queue::RecipientState::dry_run, 0},
      {"first deferral: first step", {Fate::deferred, "4.4.1", "x"}, 0,
       queue::RecipientState::deferred, 2'000'060},
      {"second deferral: second step", {Fate::deferred, "4.4.1", "x"}, 1,
       queue::RecipientState::deferred, 2'000'600},
      {"next host with none left is a deferral", {Fate::next_host, "4.4.1", "x"}, 5,
       queue::RecipientState::deferred, 2'000'600},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    const auto r = to_queue_result(7, row.fate, row.attempts, schedule, now, 0.5);
    EXPECT_EQ(r.recipient_id, 7);
    EXPECT_EQ(r.state, row.state);
    EXPECT_EQ(r.last_reply, row.fate.reply);
    if (row.state == queue::RecipientState::deferred) {
      EXPECT_EQ(r.next_attempt_at, row.next_attempt_at);
    }
  }
}

TEST(Fate, StatusWords) {
  EXPECT_EQ(status_word(Fate::delivered), "sent");
  EXPECT_EQ(status_word(Fate::deferred), "deferred");
  EXPECT_EQ(status_word(Fate::bounced), "bounced");
  EXPECT_EQ(status_word(Fate::dry_run), "dry-run");
}

}  // namespace
}  // namespace stsrelay::delivery
