// A message named before it is queued: the SMTP server takes an id from Store::new_id(), writes
// it into the Received: and Message-ID: headers, and queues the message under it.
#include <gtest/gtest.h>

#include <set>
#include <thread>
#include <vector>

#include "fake_clock.hpp"
#include "queue/queue_id.hpp"
#include "queue/store.hpp"
#include "queue_test_support.hpp"

namespace stsrelay::queue {
namespace {

using testing::enqueue_and_wait;
using testing::sample_content;
using testing::sample_envelope;
using testing::TempDir;

TEST(StoreIds, AMessageIsStoredUnderTheIdTakenBeforehand) {
  TempDir dir;
  stsrelay::testing::FakeClock clock;
  auto store = Store::open(dir.db(), clock);
  ASSERT_TRUE(store) << store.error().message;
  const std::string id = (*store)->new_id();
  ASSERT_TRUE(is_queue_id(id)) << id;
  auto queued = enqueue_and_wait(**store, sample_envelope(), sample_content(), id);
  ASSERT_TRUE(queued) << queued.error().message;
  EXPECT_EQ(*queued, id);
  EXPECT_EQ(testing::query_int(dir.db(), "SELECT count(*) FROM messages WHERE id = '" + id + "'"),
            1);
}

TEST(StoreIds, AnythingButAQueueIdIsRefused) {
  TempDir dir;
  stsrelay::testing::FakeClock clock;
  auto store = Store::open(dir.db(), clock);
  ASSERT_TRUE(store) << store.error().message;
  for (const std::string bad : {"Q1", "1m97mycxv006pk2q", "1M97MYCXV006PK2Q'--"}) {
    SCOPED_TRACE(bad);
    auto queued = enqueue_and_wait(**store, sample_envelope(), sample_content(), bad);
    ASSERT_FALSE(queued);
    EXPECT_EQ(queued.error().kind, core::ErrorKind::invalid);
  }
  EXPECT_EQ(testing::query_int(dir.db(), "SELECT count(*) FROM messages"), 0);
}

TEST(StoreIds, IdsTakenOnManyThreadsAreDistinct) {
  TempDir dir;
  stsrelay::testing::FakeClock clock;
  auto store = Store::open(dir.db(), clock);
  ASSERT_TRUE(store) << store.error().message;
  constexpr int kThreads = 4;
  constexpr int kEach = 500;
  std::vector<std::vector<std::string>> taken(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) taken[t].push_back((*store)->new_id());
    });
  }
  for (auto& th : threads) th.join();
  std::set<std::string> all;
  for (const auto& ids : taken) all.insert(ids.begin(), ids.end());
  EXPECT_EQ(all.size(), static_cast<std::size_t>(kThreads * kEach));
}

}  // namespace
}  // namespace stsrelay::queue
