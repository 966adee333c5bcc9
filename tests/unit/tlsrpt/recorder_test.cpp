// The recorder writing TLS-RPT counters to tlsrpt.db and the counter store reading them back:
// totals per day, domain and policy; flushes that add up (one recorder, two recorders, reopen
// after close); the writer thread flushing on its own; many threads recording at once; open
// errors naming the file; pruning old days.
#include "tlsrpt/recorder.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "temp_dir.hpp"
#include "tlsrpt/counter_store.hpp"

namespace stsrelay::tlsrpt {
namespace {

using sts::ResultType;
using stsrelay::testing::TempDir;

constexpr std::int64_t kDay = 1726358400;  // 2024-09-15T00:00:00Z
const Day kReportDay = utc_day(core::from_unix(kDay));

SessionRecord session(std::string domain, std::optional<ResultType> failure = std::nullopt,
                      std::int64_t at = kDay + 3600) {
  SessionRecord r;
  r.when = core::from_unix(at);
  r.policy_domain = std::move(domain);
  r.policy_type = PolicyType::sts;
  r.policy_string = {"version: STSv1", "mode: enforce", "mx: mx.example.net", "max_age: 86400"};
  r.mx_host = {"mx.example.net"};
  r.result_type = failure;
  r.sending_mta_ip = "192.0.2.1";
  r.receiving_mx_hostname = "mx.example.net";
  r.receiving_ip = "198.51.100.7";
  if (failure) r.failure_reason_code = "X509_V_ERR_CERT_HAS_EXPIRED";
  return r;
}

struct Totals {
  std::int64_t successful = 0;
  std::int64_t failed = 0;
  std::int64_t detail_sum = 0;
};

Totals totals_of(const std::filesystem::path& db, std::string_view domain, Day day = kReportDay) {
  auto store = CounterStore::open(db);
  EXPECT_TRUE(store.ok());
  auto data = (*store)->load(day, domain);
  EXPECT_TRUE(data.ok()) << data.error().message;
  Totals t;
  for (const auto& p : data->policies) {
    t.successful += p.successful;
    t.failed += p.failed;
    for (const auto& [key, n] : p.failures) t.detail_sum += n;
  }
  return t;
}

std::unique_ptr<Recorder> open_recorder(const TempDir& dir, RecorderOptions options = {}) {
  auto recorder = Recorder::open(dir.db(), options);
  EXPECT_TRUE(recorder.ok()) << recorder.error().message;
  return std::move(*recorder);
}

TEST(Recorder, WritesCountersThatReadBack) {
  TempDir dir;
  auto recorder = open_recorder(dir);
  for (int i = 0; i < 5; ++i) recorder->record(session("example.net"));
  for (int i = 0; i < 2; ++i) recorder->record(session("example.net", ResultType::certificate_expired));
  recorder->record(session("example.com"));
  recorder->record(session("example.net", std::nullopt, kDay + 86400));  // the next day
  ASSERT_TRUE(recorder->close().ok());
  EXPECT_EQ(recorder->stats().recorded, 9u);
  EXPECT_EQ(recorder->stats().written, 9u);

  auto store = CounterStore::open(dir.db());
  ASSERT_TRUE(store.ok());
  auto days = (*store)->days();
  ASSERT_TRUE(days.ok());
  ASSERT_EQ(days->size(), 2u);
  EXPECT_EQ(format_day((*days)[0]), "2024-09-15");
  EXPECT_EQ(format_day((*days)[1]), "2024-09-16");
  auto domains = (*store)->domains(kReportDay);
  ASSERT_TRUE(domains.ok());
  EXPECT_EQ(*domains, (std::vector<std::string>{"example.com", "example.net"}));

  auto data = (*store)->load(kReportDay, "example.net");
  ASSERT_TRUE(data.ok());
  ASSERT_EQ(data->policies.size(), 1u);
  const PolicyTotals& p = data->policies[0];
  EXPECT_EQ(p.policy.type, PolicyType::sts);
  EXPECT_EQ(p.policy.policy_string, session("x").policy_string);
  EXPECT_EQ(p.policy.mx_host, std::vector<std::string>{"mx.example.net"});
  EXPECT_EQ(p.successful, 5);
  EXPECT_EQ(p.failed, 2);
  ASSERT_EQ(p.failures.size(), 1u);
  const FailureKey& f = p.failures[0].first;
  EXPECT_EQ(f.result_type, ResultType::certificate_expired);
  EXPECT_EQ(f.sending_mta_ip, "192.0.2.1");
  EXPECT_EQ(f.receiving_mx_hostname, "mx.example.net");
  EXPECT_EQ(f.receiving_ip, "198.51.100.7");
  EXPECT_EQ(f.failure_reason_code, "X509_V_ERR_CERT_HAS_EXPIRED");
  EXPECT_EQ(p.failures[0].second, 2);

  // What the recorder wrote is what the pure aggregation of the same sessions gives.
  Counters expected;
  for (int i = 0; i < 5; ++i) add_session(expected, session("example.net"));
  for (int i = 0; i < 2; ++i) add_session(expected, session("example.net", ResultType::certificate_expired));
  const DomainDay want = domain_day(expected, kReportDay, "example.net");
  ASSERT_EQ(want.policies.size(), 1u);
  EXPECT_EQ(want.policies[0].failures, p.failures);
}

TEST(Recorder, TwoFlushesAddUp) {
  TempDir dir;
  auto recorder = open_recorder(dir);
  recorder->record(session("example.net"));
  recorder->record(session("example.net", ResultType::starttls_not_supported));
  ASSERT_TRUE(recorder->flush().ok());
  recorder->record(session("example.net"));
  recorder->record(session("example.net", ResultType::starttls_not_supported));
  recorder->record(session("example.net", ResultType::starttls_not_supported));
  ASSERT_TRUE(recorder->flush().ok());
  const Totals t = totals_of(dir.db(), "example.net");
  EXPECT_EQ(t.successful, 2);
  EXPECT_EQ(t.failed, 3);
  EXPECT_EQ(t.detail_sum, 3);
}

TEST(Recorder, ReopenAfterCloseAddsToWhatIsThere) {
  TempDir dir;
  {
    auto recorder = open_recorder(dir);
    for (int i = 0; i < 3; ++i) recorder->record(session("example.net"));
    ASSERT_TRUE(recorder->close().ok());
  }
  {
    auto recorder = open_recorder(dir);
    recorder->record(session("example.net"));
    recorder->record(session("example.net", ResultType::validation_failure));
    // No close(): the destructor writes the rest.
  }
  const Totals t = totals_of(dir.db(), "example.net");
  EXPECT_EQ(t.successful, 4);
  EXPECT_EQ(t.failed, 1);
}

TEST(Recorder, TwoRecordersOnOneFileAddUp) {
  TempDir dir;
  auto a = open_recorder(dir);
  auto b = open_recorder(dir);
  for (int round = 0; round < 3; ++round) {
    a->record(session("example.net", ResultType::certificate_not_trusted));
    b->record(session("example.net", ResultType::certificate_not_trusted));
    ASSERT_TRUE(a->flush().ok());
    ASSERT_TRUE(b->flush().ok());
  }
  ASSERT_TRUE(a->close().ok());
  ASSERT_TRUE(b->close().ok());
  const Totals t = totals_of(dir.db(), "example.net");
  EXPECT_EQ(t.failed, 6);
  EXPECT_EQ(t.detail_sum, 6);
}

TEST(Recorder, WriterThreadFlushesOnItsOwn) {
  TempDir dir;
  auto recorder = open_recorder(dir, RecorderOptions{std::chrono::milliseconds(5)});
  for (int i = 0; i < 4; ++i) recorder->record(session("example.net"));
  // Bounded wait for the writer's tick (no flush() or close() here).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (recorder->stats().written < 4 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  ASSERT_EQ(recorder->stats().written, 4u);
  EXPECT_EQ(totals_of(dir.db(), "example.net").successful, 4);
}

TEST(Recorder, ManyThreadsRecordAtOnce) {
  TempDir dir;
  auto recorder = open_recorder(dir, RecorderOptions{std::chrono::milliseconds(2)});
  constexpr int kThreads = 4, kEach = 500;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&recorder, t] {
      for (int i = 0; i < kEach; ++i) {
        recorder->record(i % 5 == 0 ? session("example.net", ResultType::certificate_expired)
                                    : session(t % 2 ? "example.net" : "example.com"));
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_TRUE(recorder->close().ok());
  const Totals net = totals_of(dir.db(), "example.net");
  const Totals com = totals_of(dir.db(), "example.com");
  EXPECT_EQ(net.successful + net.failed + com.successful, kThreads * kEach);
  EXPECT_EQ(net.failed, kThreads * kEach / 5);
  EXPECT_EQ(recorder->stats().written, static_cast<std::uint64_t>(kThreads * kEach));
}

TEST(Recorder, OpenErrorNamesTheFile) {
  TempDir dir;
  const auto missing = dir.path() / "no-such-dir" / "tlsrpt.db";
  auto recorder = Recorder::open(missing);
  ASSERT_FALSE(recorder.ok());
  EXPECT_NE(recorder.error().message.find(missing.string()), std::string::npos)
      << recorder.error().message;

  const auto garbage = dir.path() / "garbage.db";
  std::ofstream(garbage) << std::string(4096, 'x');
  auto store = CounterStore::open(garbage);
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.error().message.find(garbage.string()), std::string::npos)
      << store.error().message;
}

TEST(CounterStore, PruneDropsOldDays) {
  TempDir dir;
  {
    auto recorder = open_recorder(dir);
    for (int d = 0; d < 3; ++d) {
      recorder->record(session("example.net", ResultType::certificate_expired, kDay + d * 86400));
    }
  }
  auto store = CounterStore::open(dir.db());
  ASSERT_TRUE(store.ok());
  auto removed = (*store)->prune_before(kReportDay + std::chrono::days{2});
  ASSERT_TRUE(removed.ok()) << removed.error().message;
  EXPECT_EQ(*removed, 2);
  auto days = (*store)->days();
  ASSERT_TRUE(days.ok());
  ASSERT_EQ(days->size(), 1u);
  EXPECT_EQ((*days)[0], kReportDay + std::chrono::days{2});
  EXPECT_EQ(totals_of(dir.db(), "example.net", kReportDay).detail_sum, 0);
  EXPECT_EQ(totals_of(dir.db(), "example.net", kReportDay + std::chrono::days{2}).detail_sum, 1);
}

TEST(CounterStore, NoPolicyFoundWithoutLinesRoundTrips) {
  TempDir dir;
  {
    auto recorder = open_recorder(dir);
    SessionRecord r;
    r.when = core::from_unix(kDay);
    r.policy_domain = "example.org";
    r.result_type = ResultType::sts_webpki_invalid;
    r.failure_reason_code = "certificate has expired";
    recorder->record(r);
    r.result_type.reset();
    recorder->record(r);
  }
  auto store = CounterStore::open(dir.db());
  ASSERT_TRUE(store.ok());
  auto data = (*store)->load(kReportDay, "example.org");
  ASSERT_TRUE(data.ok());
  ASSERT_EQ(data->policies.size(), 1u);
  EXPECT_EQ(data->policies[0].policy.type, PolicyType::no_policy_found);
  EXPECT_TRUE(data->policies[0].policy.policy_string.empty());
  EXPECT_TRUE(data->policies[0].policy.mx_host.empty());
  EXPECT_EQ(data->policies[0].successful, 1);
  EXPECT_EQ(data->policies[0].failed, 1);
  ASSERT_EQ(data->policies[0].failures.size(), 1u);
  EXPECT_EQ(data->policies[0].failures[0].first.result_type, ResultType::sts_webpki_invalid);
  EXPECT_TRUE(data->policies[0].failures[0].first.receiving_ip.empty());
}

}  // namespace
}  // namespace stsrelay::tlsrpt
