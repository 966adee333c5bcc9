// The report store in tlsrpt.db (reports, their deliveries per rua destination, due
// deliveries, outcomes, pruning) and the RFC 8460 §5.5 retry schedule it follows.
#include "tlsrpt/report_store.hpp"

#include <gtest/gtest.h>

#include "tlsrpt/report_retry.hpp"
#include "temp_dir.hpp"

namespace stsrelay::tlsrpt {
namespace {

using namespace std::chrono_literals;
using stsrelay::testing::TempDir;

const core::SysTime kT0 = core::from_unix(1726446600);  // 2024-09-16T00:30:00Z
const Day kDay = utc_day(core::from_unix(1726358400));  // 2024-09-15
const std::string kMail = "mailto:tlsrpt@example.net";
const std::string kWeb = "https://tlsrpt.example.net/v1";

StoredReport report(std::string id, std::string domain = "example.net", Day day = kDay) {
  return StoredReport{std::move(id), day, std::move(domain), R"({"report-id":"x"})", kT0};
}

std::unique_ptr<ReportStore> open_store(const TempDir& dir) {
  auto store = ReportStore::open(dir.db());
  EXPECT_TRUE(store.ok()) << store.error().message;
  return std::move(*store);
}

TEST(ReportRetry, DoublesFromFiveMinutesAndStopsAfter24Hours) {
  struct Row {
    int failed;
    std::chrono::seconds since_first;  // now - first attempt
    std::optional<std::chrono::seconds> wait;  // next - now, nullopt: give up
  };
  const Row rows[] = {
      {1, 0s, 5min},
      {2, 5min, 10min},
      {3, 15min, 20min},
      {4, 35min, 40min},
      {7, 5h, 320min},
      {8, 10h, 6h},           // capped
      {30, 12h, 6h},          // still capped, no overflow
      {9, 22h, 2h},           // the last attempt is at exactly 24 hours
      {10, 24h, std::nullopt},
      {10, 30h, std::nullopt},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.failed);
    const core::SysTime now = kT0 + row.since_first;
    const auto next = next_report_attempt(row.failed, kT0, now);
    ASSERT_EQ(next.has_value(), row.wait.has_value());
    if (next) {
      EXPECT_EQ(*next - now, *row.wait);
    }
  }
}

TEST(ReportStore, StoresLoadsFindsAndLists) {
  TempDir dir;
  auto store = open_store(dir);
  ASSERT_TRUE(store->store_report(report("a@example.org")).ok());
  ASSERT_TRUE(store->store_report(report("b@example.org", "example.com")).ok());
  ASSERT_TRUE(store->store_report(report("c@example.org", "example.net", kDay - std::chrono::days{1})).ok());
  ASSERT_TRUE(store->add_destinations("a@example.org", {kMail, kWeb}, kT0).ok());

  auto loaded = store->load_report("a@example.org");
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->policy_domain, "example.net");
  EXPECT_EQ(loaded->day, kDay);
  EXPECT_EQ(loaded->json, R"({"report-id":"x"})");
  EXPECT_EQ(loaded->created_at, kT0);
  EXPECT_EQ(store->load_report("nope@example.org").error().kind, core::ErrorKind::not_found);

  auto found = store->find_report(kDay, "example.com");
  ASSERT_TRUE(found.ok());
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->id, "b@example.org");
  EXPECT_FALSE(store->find_report(kDay, "example.invalid")->has_value());

  auto list = store->list_reports();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 3u);
  EXPECT_EQ((*list)[0].report.id, "b@example.org");  // newest day first, then domain
  EXPECT_EQ((*list)[1].report.id, "a@example.org");
  EXPECT_EQ((*list)[2].report.id, "c@example.org");
  EXPECT_TRUE((*list)[0].report.json.empty());
  ASSERT_EQ((*list)[1].deliveries.size(), 2u);
  EXPECT_EQ((*list)[1].deliveries[0].uri, kWeb);  // by URI
  EXPECT_EQ((*list)[1].deliveries[1].state, DeliveryState::pending);
}

TEST(ReportStore, RebuiltReportReplacesJsonAndKeepsDeliveries) {
  TempDir dir;
  auto store = open_store(dir);
  ASSERT_TRUE(store->store_report(report("a@example.org")).ok());
  ASSERT_TRUE(store->add_destinations("a@example.org", {kMail}, kT0).ok());
  StoredReport again = report("a@example.org");
  again.json = R"({"report-id":"y"})";
  ASSERT_TRUE(store->store_report(again).ok());
  EXPECT_EQ(store->load_report("a@example.org")->json, again.json);
  EXPECT_EQ(store->deliveries("a@example.org")->size(), 1u);
}

TEST(ReportStore, DestinationsNeedAReport) {
  TempDir dir;
  auto store = open_store(dir);
  auto st = store->add_destinations("missing@example.org", {kMail}, kT0);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().kind, core::ErrorKind::not_found);
}

TEST(ReportStore, DueDeliveriesAndSent) {
  TempDir dir;
  auto store = open_store(dir);
  ASSERT_TRUE(store->store_report(report("a@example.org")).ok());
  EXPECT_FALSE(store->next_due()->has_value());
  ASSERT_TRUE(store->add_destinations("a@example.org", {kMail, kWeb}, kT0).ok());
  EXPECT_EQ(**store->next_due(), kT0);
  EXPECT_TRUE(store->due_deliveries(kT0 - 1s, 10)->empty());

  auto due = store->due_deliveries(kT0, 10);
  ASSERT_TRUE(due.ok());
  ASSERT_EQ(due->size(), 2u);
  EXPECT_EQ((*due)[0].report.json, R"({"report-id":"x"})");
  EXPECT_EQ((*due)[0].report.policy_domain, "example.net");
  EXPECT_EQ(store->due_deliveries(kT0, 1)->size(), 1u);

  auto sent = store->record_sent("a@example.org", kMail, kT0 + 1s);
  ASSERT_TRUE(sent.ok());
  EXPECT_EQ(sent->state, DeliveryState::sent);
  EXPECT_EQ(sent->attempts, 1);
  due = store->due_deliveries(kT0 + 1h, 10);
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ((*due)[0].delivery.uri, kWeb);
  EXPECT_EQ(store->record_sent("a@example.org", "mailto:other@example.net", kT0).error().kind,
            core::ErrorKind::not_found);
}

TEST(ReportStore, FailuresBackOffThenGiveUpAfter24Hours) {
  TempDir dir;
  auto store = open_store(dir);
  ASSERT_TRUE(store->store_report(report("a@example.org")).ok());
  ASSERT_TRUE(store->add_destinations("a@example.org", {kWeb}, kT0).ok());
  // Fail every attempt at the moment it is due, as the sender would.
  core::SysTime now = kT0;
  std::vector<std::chrono::seconds> waits;
  ReportDelivery d;
  for (int i = 0; i < 100; ++i) {
    auto due = store->due_deliveries(now, 10);
    ASSERT_TRUE(due.ok());
    ASSERT_EQ(due->size(), 1u);
    auto failed = store->record_failed("a@example.org", kWeb, "HTTP 503", now);
    ASSERT_TRUE(failed.ok()) << failed.error().message;
    d = *failed;
    if (d.state == DeliveryState::failed) break;
    EXPECT_EQ(d.state, DeliveryState::pending);
    waits.push_back(std::chrono::duration_cast<std::chrono::seconds>(d.next_attempt_at - now));
    EXPECT_TRUE(store->due_deliveries(d.next_attempt_at - 1s, 10)->empty());
    now = d.next_attempt_at;
  }
  EXPECT_EQ(d.state, DeliveryState::failed);
  EXPECT_EQ(d.last_error, "HTTP 503");
  EXPECT_EQ(now, kT0 + 24h);  // the last attempt was made at the end of the window
  EXPECT_EQ(d.attempts, static_cast<int>(waits.size()) + 1);
  ASSERT_GE(waits.size(), 3u);
  EXPECT_EQ(waits[0], 5min);
  EXPECT_EQ(waits[1], 10min);
  EXPECT_EQ(waits[2], 20min);
  EXPECT_TRUE(store->due_deliveries(kT0 + 48h, 10)->empty());
  EXPECT_FALSE(store->next_due()->has_value());

  // Adding the destination again (a send by hand) starts it over.
  ASSERT_TRUE(store->add_destinations("a@example.org", {kWeb}, kT0 + 48h).ok());
  auto again = store->deliveries("a@example.org");
  ASSERT_TRUE(again.ok());
  ASSERT_EQ(again->size(), 1u);
  EXPECT_EQ((*again)[0].state, DeliveryState::pending);
  EXPECT_EQ((*again)[0].attempts, 0);
  EXPECT_TRUE((*again)[0].last_error.empty());
  EXPECT_EQ(store->due_deliveries(kT0 + 48h, 10)->size(), 1u);
}

TEST(ReportStore, PruneRemovesOldReportsAndTheirDeliveries) {
  TempDir dir;
  auto store = open_store(dir);
  StoredReport old = report("old@example.org");
  old.created_at = kT0 - std::chrono::days{40};
  ASSERT_TRUE(store->store_report(old).ok());
  ASSERT_TRUE(store->add_destinations("old@example.org", {kMail}, old.created_at).ok());
  ASSERT_TRUE(store->store_report(report("new@example.org")).ok());
  auto removed = store->prune_reports(kT0 - std::chrono::days{30});
  ASSERT_TRUE(removed.ok()) << removed.error().message;
  EXPECT_EQ(*removed, 1);
  EXPECT_EQ(store->load_report("old@example.org").error().kind, core::ErrorKind::not_found);
  EXPECT_TRUE(store->deliveries("old@example.org")->empty());
  EXPECT_TRUE(store->load_report("new@example.org").ok());
}

TEST(ReportStore, SecondConnectionSeesWrites) {
  TempDir dir;
  auto writer = open_store(dir);
  auto reader = open_store(dir);
  ASSERT_TRUE(writer->store_report(report("a@example.org")).ok());
  ASSERT_TRUE(writer->add_destinations("a@example.org", {kMail}, kT0).ok());
  auto list = reader->list_reports();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ(list->at(0).deliveries.size(), 1u);
}

}  // namespace
}  // namespace stsrelay::tlsrpt
