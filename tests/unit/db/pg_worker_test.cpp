// PgWorker without a server: a database that cannot be reached gives each job a temporary
// error, reconnect attempts back off on the injected clock (no attempt, and no connect timeout,
// while backing off), the queue is bounded, and stop() fails what is still queued. The worker
// against a real PostgreSQL runs in tests/integration/test_cluster_tlsrpt.py.
#include "src/db/pg_worker.hpp"

#include <gtest/gtest.h>

#include <future>

#include "fake_clock.hpp"
#include "temp_dir.hpp"

namespace stsrelay::db {
namespace {

using namespace std::chrono_literals;

// A socket directory with no server in it: libpq fails at once, without the network.
PgSettings unreachable(const stsrelay::testing::TempDir& dir) {
  PgSettings s;
  s.conninfo = "host=" + dir.path().string() + " port=5432 dbname=x user=x";
  return s;
}

core::Result<int> ask(PgWorker& worker) {
  return worker.submit<int>([](PgConnection&) -> core::Result<int> { return 1; }).get();
}

TEST(PgWorker, UnreachableDatabaseBacksOffOnTheClock) {
  stsrelay::testing::TempDir dir("pgworker");
  stsrelay::testing::FakeClock clock;
  PgWorkerOptions options;
  options.reconnect = {1s, 4s};
  PgWorker worker(unreachable(dir), clock, options);

  auto first = ask(worker);
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.error().kind, core::ErrorKind::temporary);
  EXPECT_NE(first.error().message.find("connect"), std::string::npos) << first.error().message;
  EXPECT_EQ(worker.stats().connect_failures, 1u);
  EXPECT_FALSE(worker.connected());

  // Backing off: the job is answered at once, with no second attempt.
  auto second = ask(worker);
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.error().message.find("next attempt in 1000 ms"), std::string::npos)
      << second.error().message;
  EXPECT_EQ(worker.stats().connect_failures, 1u);

  clock.advance(1s);
  EXPECT_FALSE(ask(worker).ok());
  EXPECT_EQ(worker.stats().connect_failures, 2u);
  // Second failure: two seconds.
  clock.advance(1s);
  EXPECT_FALSE(ask(worker).ok());
  EXPECT_EQ(worker.stats().connect_failures, 2u);
  clock.advance(1s);
  EXPECT_FALSE(ask(worker).ok());
  EXPECT_EQ(worker.stats().connect_failures, 3u);
}

TEST(PgWorker, BoundedQueueAndStopFailsWhatIsQueued) {
  stsrelay::testing::TempDir dir("pgworker");
  stsrelay::testing::FakeClock clock;
  PgWorkerOptions options;
  options.queue_capacity = 2;
  PgWorker worker(unreachable(dir), clock, options);

  std::promise<void> started;
  std::promise<void> gate;
  auto gate_future = gate.get_future().share();
  ASSERT_TRUE(worker.try_post([&started, gate_future](core::Result<PgConnection*>) {
    started.set_value();
    gate_future.wait();
  }));
  started.get_future().wait();  // the worker holds the first job; the queue is empty

  std::vector<std::string> answers;
  std::mutex answers_mutex;
  auto keep = [&](core::Result<PgConnection*> c) {
    std::lock_guard lock(answers_mutex);
    answers.push_back(c ? "connected" : c.error().message);
  };
  EXPECT_TRUE(worker.try_post(keep));
  EXPECT_TRUE(worker.try_post(keep));
  EXPECT_FALSE(worker.try_post(keep)) << "a full queue refuses";
  auto refused = worker.submit<int>([](PgConnection&) -> core::Result<int> { return 1; }).get();
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("queue is full"), std::string::npos);
  EXPECT_EQ(worker.stats().refused, 2u);

  // stop() lets the job in progress finish; every queued job is answered, never dropped: with
  // "stopping", or, if the worker took it before stop() began, with its connect error.
  std::thread stopper([&worker] { worker.stop(); });
  gate.set_value();
  stopper.join();
  ASSERT_EQ(answers.size(), 2u);
  for (const auto& a : answers) {
    EXPECT_TRUE(a.find("stopping") != std::string::npos || a.find("connect") != std::string::npos)
        << a;
  }
  EXPECT_FALSE(worker.try_post(keep)) << "a stopped worker refuses";
}

}  // namespace
}  // namespace stsrelay::db
