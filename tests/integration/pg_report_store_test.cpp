// The fleet's reports and their deliveries against a real PostgreSQL (pg_store_run.py starts it;
// STSRELAY_TEST_PG is its conninfo): a (day, domain) holds one report, which every node reads;
// a node is given the deliveries of reports whose lease it may use, and wakes when another
// node's lease runs out; failures back off as on one node (RFC 8460 §5.5); a sent lease ends
// the report for everyone; pruning takes the deliveries along.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>

#include "src/core/clock.hpp"
#include "src/db/pg_worker.hpp"
#include "tests/integration/pg_test_connection.hpp"
#include "tlsrpt/pg_report_lease.hpp"
#include "tlsrpt/pg_report_store.hpp"

namespace stsrelay {
namespace {

using namespace std::chrono_literals;

const tlsrpt::Day kReportDay = tlsrpt::utc_day(core::from_unix(1'790'000'000));
const core::SysTime kNow = core::SystemClock().now();

tlsrpt::StoredReport report(const std::string& domain, const std::string& id) {
  return tlsrpt::StoredReport{id, kReportDay, domain, R"({"report-id":")" + id + R"("})", kNow};
}

// The deliveries of report `id` due on `node` at `at` ("id uri"); the other tests' reports
// share the database.
std::vector<std::string> due_ids(db::PgConnection& c, const char* node, core::SysTime at,
                                 const std::string& id) {
  auto due = tlsrpt::load_due_deliveries(c, node, at, 100);
  if (!due) throw std::runtime_error(due.error().message);
  std::vector<std::string> out;
  for (const auto& d : *due) {
    if (d.report.id == id) out.push_back(d.report.id + " " + d.delivery.uri);
  }
  return out;
}

TEST(PgReportStore, ADayAndDomainHoldOneReportThatEveryNodeReads) {
  auto c = testing::migrated_pg_connection();
  ASSERT_TRUE(tlsrpt::store_report_row(c, report("one.example", "r1@relay.test"), "relay-a").ok());
  // Built again by its holder under the same id: replaced.
  auto again = report("one.example", "r1@relay.test");
  again.json = R"({"again":true})";
  ASSERT_TRUE(tlsrpt::store_report_row(c, again, "relay-a").ok());
  // Another id for the same day and domain (another submitter): refused, not a second report.
  auto second = tlsrpt::store_report_row(c, report("one.example", "r2@other.test"), "relay-b");
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.error().message.find("SQLSTATE 23505"), std::string::npos)
      << second.error().message;

  ASSERT_TRUE(tlsrpt::add_report_destinations(c, "r1@relay.test",
                                              {"https://collector.test/a", "mailto:r@one.example"},
                                              kNow)
                  .ok());
  auto none = tlsrpt::add_report_destinations(c, "no-such@relay.test", {"https://x.test/"}, kNow);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().kind, core::ErrorKind::not_found);

  // Another node, through its worker: the same report, JSON and deliveries.
  core::SystemClock clock;
  db::PgSettings s;
  s.conninfo = std::getenv("STSRELAY_TEST_PG");
  db::PgWorker worker(s, clock);
  tlsrpt::PgReportStore store(worker, "relay-c", 10s);
  auto found = store.find_report(kReportDay, "one.example");
  ASSERT_TRUE(found.ok()) << found.error().message;
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->id, "r1@relay.test");
  EXPECT_EQ((*found)->json, R"({"again":true})");
  EXPECT_EQ(core::to_unix((*found)->created_at), core::to_unix(kNow));
  auto loaded = store.load_report("r1@relay.test");
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->policy_domain, "one.example");
  EXPECT_EQ(store.load_report("missing@relay.test").error().kind, core::ErrorKind::not_found);
  auto listed = store.list_reports();
  ASSERT_TRUE(listed.ok()) << listed.error().message;
  const auto it = std::find_if(listed->begin(), listed->end(),
                               [](const auto& l) { return l.report.id == "r1@relay.test"; });
  ASSERT_NE(it, listed->end());
  EXPECT_TRUE(it->report.json.empty()) << "the list leaves the JSON out";
  ASSERT_EQ(it->deliveries.size(), 2u);
  EXPECT_EQ(it->deliveries[0].uri, "https://collector.test/a");
  EXPECT_EQ(it->deliveries[1].state, tlsrpt::DeliveryState::pending);
}

TEST(PgReportStore, DeliveriesGoToTheNodeTheLeaseLetsSendThem) {
  auto c = testing::migrated_pg_connection();
  // The earliest due time is the whole database's: only this test's report in it.
  ASSERT_TRUE(c.run("DELETE FROM tlsrpt_reports").ok());
  const auto term = std::chrono::milliseconds(60'000);
  ASSERT_TRUE(tlsrpt::take_report_lease(c, kReportDay, "lease.example", "relay-a", term).ok());
  ASSERT_TRUE(tlsrpt::store_report_row(c, report("lease.example", "l@relay.test"), "relay-a").ok());
  ASSERT_TRUE(
      tlsrpt::add_report_destinations(c, "l@relay.test", {"https://collector.test/l"}, kNow).ok());
  const std::vector<std::string> mine{"l@relay.test https://collector.test/l"};
  EXPECT_EQ(due_ids(c, "relay-a", kNow + 1s, "l@relay.test"), mine);
  EXPECT_EQ(due_ids(c, "relay-b", kNow + 1s, "l@relay.test"), std::vector<std::string>{})
      << "relay-a holds it";
  // relay-b looks again when relay-a's term is over, not before.
  auto next_b = tlsrpt::load_next_due(c, "relay-b");
  ASSERT_TRUE(next_b.ok() && next_b->has_value());
  EXPECT_GE(**next_b, kNow + 59s);
  auto next_a = tlsrpt::load_next_due(c, "relay-a");
  ASSERT_TRUE(next_a.ok() && next_a->has_value());
  EXPECT_LE(**next_a, kNow + 1s);

  // relay-a dies; once its term is over the delivery is relay-b's to send.
  ASSERT_TRUE(c.run("UPDATE tlsrpt_report_leases SET lease_until = now() - interval '1 second' "
                    "WHERE domain = 'lease.example'")
                  .ok());
  EXPECT_EQ(due_ids(c, "relay-b", kNow + 1s, "l@relay.test"), mine);
  // A failed attempt waits for its retry (RFC 8460 §5.5), then succeeds.
  auto failed = tlsrpt::record_delivery_failed(c, "l@relay.test", "https://collector.test/l",
                                               "HTTP 503", kNow + 1s);
  ASSERT_TRUE(failed.ok()) << failed.error().message;
  EXPECT_EQ(failed->state, tlsrpt::DeliveryState::pending);
  EXPECT_EQ(failed->attempts, 1);
  EXPECT_GT(failed->next_attempt_at, kNow + 1s);
  EXPECT_EQ(failed->last_error, "HTTP 503");
  EXPECT_EQ(due_ids(c, "relay-b", kNow + 1s, "l@relay.test"), std::vector<std::string>{});
  EXPECT_EQ(due_ids(c, "relay-b", failed->next_attempt_at, "l@relay.test"), mine);
  auto sent = tlsrpt::record_delivery_sent(c, "l@relay.test", "https://collector.test/l",
                                           failed->next_attempt_at);
  ASSERT_TRUE(sent.ok());
  EXPECT_EQ(sent->state, tlsrpt::DeliveryState::sent);
  EXPECT_EQ(sent->attempts, 2);
  EXPECT_EQ(due_ids(c, "relay-b", kNow + 48h, "l@relay.test"), std::vector<std::string>{});
  EXPECT_EQ(tlsrpt::record_delivery_sent(c, "l@relay.test", "mailto:none@x.test", kNow)
                .error()
                .kind,
            core::ErrorKind::not_found);
}

TEST(PgReportStore, ASentLeaseEndsTheReportForEveryNode) {
  auto c = testing::migrated_pg_connection();
  const auto term = std::chrono::milliseconds(60'000);
  ASSERT_TRUE(tlsrpt::take_report_lease(c, kReportDay, "sent.example", "relay-a", term).ok());
  ASSERT_TRUE(tlsrpt::store_report_row(c, report("sent.example", "s@relay.test"), "relay-a").ok());
  ASSERT_TRUE(
      tlsrpt::add_report_destinations(c, "s@relay.test", {"https://collector.test/s"}, kNow).ok());
  auto marked = tlsrpt::mark_report_lease(c, kReportDay, "sent.example", "relay-a",
                                          tlsrpt::LeaseState::sent, term);
  ASSERT_TRUE(marked.ok() && *marked);
  for (const char* node : {"relay-a", "relay-b"}) {
    EXPECT_EQ(due_ids(c, node, kNow + 1s, "s@relay.test"), std::vector<std::string>{}) << node;
  }
}

TEST(PgReportStore, PruningTakesTheDeliveriesAlong) {
  auto c = testing::migrated_pg_connection();
  auto old = report("old.example", "old@relay.test");
  old.created_at = kNow - 40 * 24h;
  ASSERT_TRUE(tlsrpt::store_report_row(c, old, "relay-a").ok());
  ASSERT_TRUE(
      tlsrpt::add_report_destinations(c, "old@relay.test", {"https://collector.test/o"}, kNow)
          .ok());
  auto pruned = tlsrpt::prune_report_rows(c, kNow - 30 * 24h);
  ASSERT_TRUE(pruned.ok()) << pruned.error().message;
  EXPECT_EQ(*pruned, 1);
  auto left = c.exec("SELECT count(*) FROM tlsrpt_report_deliveries "
                     "WHERE report_id = 'old@relay.test'");
  ASSERT_TRUE(left.ok());
  EXPECT_EQ(left->text(0, 0), "0");
  auto found = tlsrpt::find_report_row(c, kReportDay, "old.example");
  ASSERT_TRUE(found.ok());
  EXPECT_FALSE(found->has_value());
}

}  // namespace
}  // namespace stsrelay
