// The pure and local parts of a fleet node's TLS-RPT counting: counters encoded for the spool
// and back, batch ids, the spool itself (durable, in order, ids never reused), and the flush
// schedule driven by a FakeClock (flush at once, back off after a failure, never lose a batch
// spooled during a flush), and the writer keeping every batch while the database is down. The
// shared database's side runs in tests/integration/test_cluster_tlsrpt.py.
#include <gtest/gtest.h>

#include "fake_clock.hpp"
#include "temp_dir.hpp"
#include <thread>

#include "tlsrpt/cluster_counter_writer.hpp"
#include "tlsrpt/cluster_spool.hpp"
#include "tlsrpt/counter_codec.hpp"
#include "tlsrpt/flush_schedule.hpp"

namespace stsrelay::tlsrpt {
namespace {

using namespace std::chrono_literals;
using sts::ResultType;

SessionRecord session(std::string domain, std::int64_t at, std::optional<ResultType> failure) {
  SessionRecord r;
  r.when = core::from_unix(at);
  r.policy_domain = std::move(domain);
  r.policy_type = PolicyType::sts;
  r.policy_string = {"version: STSv1", "mode: enforce", "mx: \"odd\\line\"", "max_age: 86400"};
  r.mx_host = {"mx.example.net", "*.example.net"};
  r.result_type = failure;
  r.sending_mta_ip = "192.0.2.1";
  r.receiving_mx_hostname = "mx.example.net";
  r.receiving_ip = "198.51.100.7";
  if (failure) r.failure_reason_code = "X509_V_ERR_CERT_HAS_EXPIRED";
  return r;
}

Counters sample() {
  Counters c;
  add_session(c, session("example.com", 1726358400, std::nullopt));
  add_session(c, session("example.com", 1726358400, ResultType::certificate_expired));
  add_session(c, session("example.com", 1726358400 + 86400, ResultType::sts_policy_invalid));
  SessionRecord none;
  none.when = core::from_unix(1726358400);
  none.policy_domain = "example.org";
  add_session(c, none);
  return c;
}

TEST(CounterCodec, RoundTrips) {
  const Counters c = sample();
  auto back = decode_counters(encode_counters(c));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->size(), c.size());
  EXPECT_TRUE(std::equal(c.begin(), c.end(), back->begin(), [](const auto& a, const auto& b) {
    return a.first == b.first && a.second.successful == b.second.successful &&
           a.second.failed == b.second.failed && a.second.failures == b.second.failures;
  }));
  auto empty = decode_counters(encode_counters({}));
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST(CounterCodec, RejectsDamage) {
  const char* rows[] = {
      "",
      "{}",
      "[1]",
      R"([{"day":"2024-13-01","domain":"a","policy_type":"sts","policy_string":[],"mx_host":[],)"
      R"("successful":1,"failed":0,"failures":[]}])",
      R"([{"day":"2024-09-15","domain":"a","policy_type":"bogus","policy_string":[],)"
      R"("mx_host":[],"successful":1,"failed":0,"failures":[]}])",
      R"([{"day":"2024-09-15","domain":"a","policy_type":"sts","policy_string":[],"mx_host":[],)"
      R"("successful":-1,"failed":0,"failures":[]}])",
      R"([{"day":"2024-09-15","domain":"a","policy_type":"sts","policy_string":[],"mx_host":[],)"
      R"("successful":1,"failed":1,"failures":[{"result_type":"nope"}]}])",
  };
  for (const char* text : rows) {
    SCOPED_TRACE(text);
    EXPECT_FALSE(decode_counters(text).ok());
  }
}

TEST(BatchId, NodeInstanceSequence) {
  EXPECT_EQ(batch_id("relay-1", "00ff", 42), "relay-1/00ff/42");
}

TEST(ClusterSpool, KeepsBatchesInOrderAcrossReopen) {
  stsrelay::testing::TempDir dir("spool", "cluster_spool.db");
  std::string instance;
  {
    auto spool = ClusterSpool::open(dir.db(), "relay-1");
    ASSERT_TRUE(spool.ok()) << spool.error().message;
    instance = (*spool)->instance();
    EXPECT_EQ(instance.size(), 16u);
    ASSERT_TRUE((*spool)->append(sample(), 4).ok());
    ASSERT_TRUE((*spool)->append(sample(), 4).ok());
    ASSERT_TRUE((*spool)->append(sample(), 4).ok());
  }
  auto spool = ClusterSpool::open(dir.db(), "relay-1");
  ASSERT_TRUE(spool.ok());
  EXPECT_EQ((*spool)->instance(), instance);  // the ids of a file stay its own
  auto pending = (*spool)->pending();
  ASSERT_TRUE(pending.ok());
  EXPECT_EQ(*pending, 3);
  auto first_two = (*spool)->oldest(2);
  ASSERT_TRUE(first_two.ok());
  ASSERT_EQ(first_two->size(), 2u);
  EXPECT_EQ((*first_two)[0].id, "relay-1/" + instance + "/1");
  EXPECT_EQ((*first_two)[1].id, "relay-1/" + instance + "/2");
  EXPECT_EQ((*first_two)[0].sessions, 4u);
  EXPECT_EQ((*first_two)[0].counters.size(), sample().size());
  // The newest batch goes; a later one must not take its number again.
  ASSERT_TRUE((*spool)->remove(3).ok());
  ASSERT_TRUE((*spool)->append(sample(), 1).ok());
  auto all = (*spool)->oldest(10);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ(all->back().seq, 4);
}

TEST(ClusterSpool, AnotherFileGetsAnotherInstance) {
  stsrelay::testing::TempDir a("spool"), b("spool");
  auto one = ClusterSpool::open(a.db(), "n");
  auto two = ClusterSpool::open(b.db(), "n");
  ASSERT_TRUE(one.ok() && two.ok());
  EXPECT_NE((*one)->instance(), (*two)->instance());
}

TEST(FlushSchedule, Table) {
  // Each step: an event at a time offset, then what due() and next_wake() say.
  enum class Event { none, spooled, flushed_all, flushed_more, failed };
  struct Step {
    const char* name;
    Event event;
    std::chrono::milliseconds at;
    bool due;
    std::optional<std::chrono::milliseconds> wake;  // relative to t0
    bool degraded;
  };
  const std::vector<Step> steps = {
      {"start: the spool may hold the last run's", Event::none, 0ms, true, 0ms, false},
      {"flushed everything", Event::flushed_all, 0ms, false, std::nullopt, false},
      {"a batch spooled", Event::spooled, 100ms, true, 100ms, false},
      {"the database is down", Event::failed, 100ms, false, 600ms, true},
      {"still backing off", Event::none, 599ms, false, 600ms, true},
      {"backoff over", Event::none, 600ms, true, 600ms, true},
      {"down again: twice as long", Event::failed, 600ms, false, 1600ms, true},
      {"a batch spooled while backing off waits", Event::spooled, 700ms, false, 1600ms, true},
      {"back: more than one flush takes", Event::flushed_more, 1600ms, true, 1600ms, false},
      {"drained", Event::flushed_all, 1600ms, false, std::nullopt, false},
      {"after a success the first delay again", Event::spooled, 2000ms, true, 2000ms, false},
      {"fails once more", Event::failed, 2000ms, false, 2500ms, true},
  };
  FlushSchedule s({500ms, 4s});
  const core::SysTime t0 = core::from_unix(1'800'000'000);
  for (const Step& step : steps) {
    SCOPED_TRACE(step.name);
    const core::SysTime now = t0 + step.at;
    switch (step.event) {
      case Event::none: break;
      case Event::spooled: s.spooled(); break;
      case Event::flushed_all: s.flushed(false); break;
      case Event::flushed_more: s.flushed(true); break;
      case Event::failed: s.failed(now); break;
    }
    EXPECT_EQ(s.due(now), step.due);
    const auto wake = s.next_wake(now);
    ASSERT_EQ(wake.has_value(), step.wake.has_value());
    if (wake) {
      EXPECT_EQ(*wake, t0 + *step.wake);
    }
    EXPECT_EQ(s.degraded(), step.degraded);
  }
}

TEST(FlushSchedule, BackoffCapsWithAFakeClock) {
  stsrelay::testing::FakeClock clock;
  FlushSchedule s({500ms, 4s});
  s.spooled();
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(s.due(clock.now()));
    s.failed(clock.now());
    const auto wake = s.next_wake(clock.now());
    ASSERT_TRUE(wake.has_value());
    EXPECT_LE(*wake - clock.now(), 4s);
    clock.set(*wake);
  }
  EXPECT_EQ(s.failures(), 20u);
}

}  // namespace
}  // namespace stsrelay::tlsrpt

namespace stsrelay::tlsrpt {
namespace {

// Waits for `done` with a bound (the flusher runs on its own thread); true when it came true.
template <class Pred>
bool eventually(Pred done, std::chrono::milliseconds bound = std::chrono::seconds(10)) {
  const auto end = std::chrono::steady_clock::now() + bound;
  while (!done()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

TEST(ClusterCounterWriter, DatabaseDownKeepsEveryBatchInTheSpool) {
  stsrelay::testing::TempDir dir("cluster-writer", "cluster_spool.db");
  stsrelay::testing::FakeClock clock;
  db::PgSettings settings;
  // A socket directory with no server: every connect fails at once, without the network.
  settings.conninfo = "host=" + dir.path().string() + " port=5432 dbname=x user=x";
  {
    auto worker = std::make_shared<db::PgWorker>(settings, clock);
    auto writer = ClusterCounterWriter::open(dir.db(), "relay-1", worker, clock);
    ASSERT_TRUE(writer.ok()) << writer.error().message;
    ASSERT_TRUE((*writer)->add(sample(), 4).ok()) << "add() only spools: the database is not asked";
    ASSERT_TRUE((*writer)->add(sample(), 2).ok());
    EXPECT_TRUE((*writer)->add({}, 0).ok());  // nothing to keep
    ASSERT_TRUE(eventually([&] { return (*writer)->stats().degraded; }));
    const ClusterWriterStats s = (*writer)->stats();
    EXPECT_EQ(s.spooled, 2u);
    EXPECT_EQ(s.flushed, 0u);
    EXPECT_GE(s.flush_failures, 1u);
    EXPECT_EQ(s.pending, 2);
    // While backing off on the (fake) clock, the flusher does not try again.
    const std::uint64_t failures = s.flush_failures;
    EXPECT_EQ((*writer)->stats().flush_failures, failures);
    (*writer)->stop();
    worker->stop();
  }
  // Nothing lost: the next start finds both batches, in order.
  auto spool = ClusterSpool::open(dir.db(), "relay-1");
  ASSERT_TRUE(spool.ok());
  auto batches = (*spool)->oldest(10);
  ASSERT_TRUE(batches.ok());
  ASSERT_EQ(batches->size(), 2u);
  EXPECT_EQ((*batches)[0].sessions, 4u);
  EXPECT_EQ((*batches)[1].sessions, 2u);
}

}  // namespace
}  // namespace stsrelay::tlsrpt
