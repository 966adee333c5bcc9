// The shared stores against a real PostgreSQL (started by pg_store_run.py under netns_root_run;
// STSRELAY_TEST_PG is its conninfo): the schema migrated by several nodes at once, a batch added
// twice counted once, counts of several nodes summed by the readers, the report lease, errors
// with SQLSTATE, and a statement past statement_timeout cancelled.
#include <gtest/gtest.h>

#include <cstdlib>
#include <thread>

#include "src/core/clock.hpp"
#include "src/db/pg_connection.hpp"
#include "src/db/pg_migrate.hpp"
#include "src/db/pg_worker.hpp"
#include "tlsrpt/pg_counter_store.hpp"
#include "tlsrpt/pg_report_lease.hpp"

namespace stsrelay {
namespace {

using namespace std::chrono_literals;

db::PgSettings settings() {
  const char* conninfo = std::getenv("STSRELAY_TEST_PG");
  if (conninfo == nullptr) throw std::runtime_error("STSRELAY_TEST_PG is not set");
  db::PgSettings s;
  s.conninfo = conninfo;
  s.statement_timeout = 2s;
  return s;
}

db::PgConnection connect() {
  auto c = db::PgConnection::connect(settings());
  if (!c) throw std::runtime_error(c.error().message);
  return std::move(*c);
}

tlsrpt::SpooledBatch batch(std::string id, std::int64_t successful, std::int64_t failed) {
  tlsrpt::SessionRecord r;
  r.when = core::from_unix(1726358400 + 3600);
  r.policy_domain = "example.com";
  r.policy_type = tlsrpt::PolicyType::sts;
  r.policy_string = {"version: STSv1", "mode: enforce"};
  r.mx_host = {"mx.example.com"};
  tlsrpt::Counters c;
  for (std::int64_t i = 0; i < successful; ++i) tlsrpt::add_session(c, r);
  r.result_type = sts::ResultType::certificate_expired;
  r.receiving_ip = "192.0.2.7";
  for (std::int64_t i = 0; i < failed; ++i) tlsrpt::add_session(c, r);
  return tlsrpt::SpooledBatch{1, std::move(id),
                              static_cast<std::uint64_t>(successful + failed), std::move(c)};
}

const tlsrpt::Day kDay = tlsrpt::utc_day(core::from_unix(1726358400));

// Runs first (gtest keeps file order): nodes starting together race for the schema.
TEST(PgStore, NodesMigratingAtOnceAgreeOnOneSchema) {
  std::vector<std::thread> nodes;
  std::vector<std::string> errors(4);
  for (int i = 0; i < 4; ++i) {
    nodes.emplace_back([i, &errors] {
      auto c = db::PgConnection::connect(settings());
      if (!c) {
        errors[i] = c.error().message;
        return;
      }
      if (auto st = db::migrate(*c, db::shared_schema()); !st) errors[i] = st.error().message;
    });
  }
  for (auto& t : nodes) t.join();
  for (const auto& e : errors) EXPECT_EQ(e, "");
  auto c = connect();
  auto v = c.exec("SELECT count(*), max(version) FROM stsrelay_schema");
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(v->text(0, 0), std::to_string(db::shared_schema().size()));
  EXPECT_EQ(v->text(0, 1), std::to_string(db::shared_schema().back().version));
  // Again: nothing to do.
  EXPECT_TRUE(db::migrate(c, db::shared_schema()).ok());
}

TEST(PgStore, ANewerSchemaStopsAnOlderNode) {
  auto c = connect();
  ASSERT_TRUE(c.run("INSERT INTO stsrelay_schema (version) VALUES (999)").ok());
  auto st = db::migrate(c, db::shared_schema());
  ASSERT_TRUE(c.run("DELETE FROM stsrelay_schema WHERE version = 999").ok());
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().kind, core::ErrorKind::permanent);
  EXPECT_NE(st.error().message.find("version 999"), std::string::npos) << st.error().message;
}

TEST(PgStore, BatchesOfSeveralNodesAddUpAndARetryCountsOnce) {
  auto c = connect();
  auto a = tlsrpt::add_batch(c, batch("relay-a/1/1", 3, 1), "relay-a");
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(*a, tlsrpt::BatchOutcome::added);
  auto b = tlsrpt::add_batch(c, batch("relay-b/1/1", 2, 2), "relay-b");
  ASSERT_TRUE(b.ok()) << b.error().message;
  // The same batch again (its reply was lost): recognised, nothing added.
  auto again = tlsrpt::add_batch(c, batch("relay-a/1/1", 3, 1), "relay-a");
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(*again, tlsrpt::BatchOutcome::duplicate);

  auto days = tlsrpt::load_days(c);
  ASSERT_TRUE(days.ok()) << days.error().message;
  EXPECT_EQ(*days, std::vector<tlsrpt::Day>{kDay});
  auto domains = tlsrpt::load_domains(c, kDay);
  ASSERT_TRUE(domains.ok());
  EXPECT_EQ(*domains, std::vector<std::string>{"example.com"});
  auto data = tlsrpt::load_domain_day(c, kDay, "example.com");
  ASSERT_TRUE(data.ok()) << data.error().message;
  ASSERT_EQ(data->policies.size(), 1u);
  EXPECT_EQ(data->policies[0].successful, 5);
  EXPECT_EQ(data->policies[0].failed, 3);
  ASSERT_EQ(data->policies[0].failures.size(), 1u);
  EXPECT_EQ(data->policies[0].failures[0].second, 3);
  EXPECT_EQ(data->policies[0].failures[0].first.receiving_ip, "192.0.2.7");
  EXPECT_EQ(data->policies[0].policy.policy_string,
            (std::vector<std::string>{"version: STSv1", "mode: enforce"}));
}

// The lease of a day's report: one holder, renewed by it, taken over once its term is over (the
// term is ended here by moving lease_until into the past, as time would), and final once sent.
TEST(PgStore, OneNodeHoldsADaysReportAndAnotherTakesItOver) {
  using tlsrpt::LeaseAction;
  auto c = connect();
  const auto term = std::chrono::milliseconds(60'000);
  const auto take = [&](const char* node, const char* domain = "example.com") {
    auto g = tlsrpt::take_report_lease(c, kDay, domain, node, term);
    if (!g) throw std::runtime_error(g.error().message);
    return *g;
  };
  EXPECT_EQ(take("relay-a").action, LeaseAction::take);
  const auto b = take("relay-b");
  EXPECT_EQ(b.action, LeaseAction::wait);
  EXPECT_EQ(b.lease.node, "relay-a");
  EXPECT_EQ(take("relay-a").action, LeaseAction::renew);  // the holder, after a restart
  EXPECT_EQ(take("relay-b", "example.net").action, LeaseAction::take);
  auto built = tlsrpt::mark_report_lease(c, kDay, "example.com", "relay-a",
                                         tlsrpt::LeaseState::built, term);
  ASSERT_TRUE(built.ok()) << built.error().message;
  EXPECT_TRUE(*built);
  auto not_ours = tlsrpt::mark_report_lease(c, kDay, "example.com", "relay-b",
                                            tlsrpt::LeaseState::sent, term);
  ASSERT_TRUE(not_ours.ok());
  EXPECT_FALSE(*not_ours);

  // relay-a dies: its term ends.
  ASSERT_TRUE(c.run("UPDATE tlsrpt_report_leases SET lease_until = now() - interval '1 second' "
                    "WHERE domain = 'example.com'")
                  .ok());
  const auto over = take("relay-b");
  EXPECT_EQ(over.action, LeaseAction::take_over);
  EXPECT_EQ(over.lease.state, tlsrpt::LeaseState::building);
  EXPECT_EQ(take("relay-c").action, LeaseAction::wait);
  // relay-b's POST failed; its retry in an hour keeps the lease that long (and a term more).
  auto held = tlsrpt::hold_report_lease(c, kDay, "example.com", "relay-b",
                                        core::SystemClock().now() + std::chrono::hours(1), term);
  ASSERT_TRUE(held.ok() && *held);
  auto not_held = tlsrpt::hold_report_lease(c, kDay, "example.com", "relay-c",
                                            core::SystemClock().now(), term);
  ASSERT_TRUE(not_held.ok());
  EXPECT_FALSE(*not_held);
  auto until = c.exec("SELECT lease_until > now() + interval '60 minutes' "
                      "FROM tlsrpt_report_leases WHERE domain = 'example.com'");
  ASSERT_TRUE(until.ok() && until->rows() == 1);
  EXPECT_EQ(until->text(0, 0), "t");
  auto late = tlsrpt::mark_report_lease(c, kDay, "example.com", "relay-a",
                                        tlsrpt::LeaseState::sent, term);
  ASSERT_TRUE(late.ok());
  EXPECT_FALSE(*late) << "relay-a, back, no longer holds it";
  auto sent = tlsrpt::mark_report_lease(c, kDay, "example.com", "relay-b",
                                        tlsrpt::LeaseState::sent, term);
  ASSERT_TRUE(sent.ok() && *sent);
  EXPECT_EQ(take("relay-a").action, LeaseAction::done);
  EXPECT_EQ(take("relay-b").action, LeaseAction::done);
  auto row = c.exec("SELECT node, state, taken_over FROM tlsrpt_report_leases "
                    "WHERE domain = 'example.com'");
  ASSERT_TRUE(row.ok() && row->rows() == 1);
  EXPECT_EQ(row->text(0, 0), "relay-b");
  EXPECT_EQ(row->text(0, 1), "sent");
  EXPECT_EQ(row->text(0, 2), "1");
}

// Nodes asking at once: exactly one holds the lease.
TEST(PgStore, NodesTakingALeaseAtOnceGetOneHolder) {
  std::vector<std::thread> nodes;
  std::vector<int> holds(6, -1);
  for (int i = 0; i < 6; ++i) {
    nodes.emplace_back([i, &holds] {
      auto c = db::PgConnection::connect(settings());
      if (!c) return;
      auto g = tlsrpt::take_report_lease(*c, kDay, "race.example", "relay-" + std::to_string(i),
                                         std::chrono::milliseconds(60'000));
      if (g) holds[i] = tlsrpt::holds(g->action) ? 1 : 0;
    });
  }
  for (auto& t : nodes) t.join();
  int holders = 0;
  for (int h : holds) {
    ASSERT_NE(h, -1);
    holders += h;
  }
  EXPECT_EQ(holders, 1);
}

TEST(PgStore, ErrorsCarrySqlstateAndTimeoutsCancel) {
  auto c = connect();
  auto missing = c.exec("SELECT * FROM no_such_table WHERE x = $1", {std::string("s3cret")});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, core::ErrorKind::permanent);
  EXPECT_NE(missing.error().message.find("SQLSTATE 42P01"), std::string::npos);
  EXPECT_EQ(missing.error().message.find("s3cret"), std::string::npos) << "no parameter values";
  auto slow = c.exec("SELECT pg_sleep(5)");
  ASSERT_FALSE(slow.ok());
  EXPECT_EQ(slow.error().kind, core::ErrorKind::temporary);
  EXPECT_NE(slow.error().message.find("SQLSTATE 57014"), std::string::npos)
      << slow.error().message;
  EXPECT_FALSE(c.broken());
  EXPECT_TRUE(c.run("SELECT 1").ok());
}

TEST(PgStore, WorkerMigratesOnConnectAndAnswersThroughAFuture) {
  core::SystemClock clock;
  db::PgWorkerOptions options;
  options.on_connect = [](db::PgConnection& c) { return db::migrate(c, db::shared_schema()); };
  db::PgWorker worker(settings(), clock, options);
  tlsrpt::PgCounterReader reader(worker, 10s);
  auto domains = reader.domains(kDay);
  ASSERT_TRUE(domains.ok()) << domains.error().message;
  EXPECT_EQ(*domains, std::vector<std::string>{"example.com"});
  EXPECT_TRUE(worker.connected());
  EXPECT_EQ(worker.stats().connects, 1u);
  // A connection the server ends is noticed and replaced for the next job.
  auto killed = worker.submit<bool>([](db::PgConnection& c) -> core::Result<bool> {
    auto r = c.exec("SELECT pg_terminate_backend(pg_backend_pid())");
    return r.ok();
  }).get();
  ASSERT_TRUE(killed.ok());
  EXPECT_FALSE(*killed);
  auto after = reader.days();
  ASSERT_TRUE(after.ok()) << after.error().message;
  EXPECT_EQ(worker.stats().connects, 2u);
}

}  // namespace
}  // namespace stsrelay
