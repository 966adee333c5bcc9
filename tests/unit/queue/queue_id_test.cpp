#include "queue/queue_id.hpp"

#include <gtest/gtest.h>

#include <set>

namespace stsrelay::queue {
namespace {

TEST(QueueId, FormatsTimeCounterAndRandomBits) {
  struct Row {
    const char* name;
    std::uint64_t millis;
    std::uint32_t counter;
    std::uint32_t random;
    const char* id;
  };
  const Row rows[] = {
      {"all zero", 0, 0, 0, "0000000000000000"},
      {"one of each", 1, 1, 1, "0000000010100001"},
      {"crockford digits skip I L O U", 31, 31, 31, "00000000Z0Z0000Z"},
      {"2027-01-15T08:00:00Z", 1'800'000'000'000, 5, 0x1abcdef, "1MCC5RM0005TQKFF"},
      {"counter and random truncated to width", 0, 1024 + 2, 0xffffffff, "00000000002ZZZZZ"},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    const std::string id = format_queue_id(row.millis, row.counter, row.random);
    EXPECT_EQ(id, row.id);
    EXPECT_EQ(id.size(), kQueueIdLength);
    EXPECT_TRUE(is_queue_id(id));
  }
}

TEST(QueueId, RecognisesOnlyTheCanonicalForm) {
  struct Row {
    const char* text;
    bool valid;
  };
  const Row rows[] = {
      {"1MCC5RM0005TQKFF", true},
      {"1mcc5rm0005tqkff", false},
      {"1MCC5RM0005TQKF", false},
      {"1MCC5RM0005TQKFFZ", false},
      {"1MCC5RM0005TQKFI", false},
      {"1MCC5RM0005TQKF/", false},
      {"", false},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.text);
    EXPECT_EQ(is_queue_id(row.text), row.valid);
  }
}

TEST(QueueId, GeneratorIdsAreUniqueAndSortByTime) {
  QueueIdGenerator ids(42);
  const auto t0 = core::from_unix(1'800'000'000);
  std::set<std::string> seen;
  std::string previous;
  for (int i = 0; i < 1000; ++i) {
    // Ten ids per millisecond: the counter keeps them apart and in order.
    const std::string id = ids.next(t0 + std::chrono::milliseconds(i / 10));
    EXPECT_TRUE(seen.insert(id).second) << id;
    EXPECT_GT(id, previous);
    previous = id;
  }
}

}  // namespace
}  // namespace stsrelay::queue
