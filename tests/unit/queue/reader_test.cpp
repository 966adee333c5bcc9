#include <gtest/gtest.h>

#include <chrono>

#include "fake_clock.hpp"
#include "queue/store.hpp"
#include "queue_test_support.hpp"

namespace stsrelay::queue {
namespace {

using testing::enqueue_and_wait;
using testing::exec_sql;
using testing::expect_not_found;
using testing::query_int;
using testing::sample_content;
using testing::sample_envelope;
using testing::TempDir;

// A queue with `count` messages committed by a Store that is closed again.
std::vector<std::string> fill(const TempDir& dir, core::Clock& clock, int count) {
  std::vector<std::string> ids;
  auto store = Store::open(dir.db(), clock);
  if (!store) throw std::runtime_error(store.error().message);
  for (int i = 0; i < count; ++i) {
    auto queued = enqueue_and_wait(**store, sample_envelope(), sample_content());
    if (!queued) throw std::runtime_error(queued.error().message);
    ids.push_back(*queued);
  }
  return ids;
}

TEST(Reader, ListsMessagesInArrivalOrderWithTheirRecipients) {
  TempDir dir;
  stsrelay::testing::FakeClock clock;
  const auto ids = fill(dir, clock, 3);
  auto reader = Reader::open(dir.db(), clock);
  ASSERT_TRUE(reader) << reader.error().message;
  auto list = (*reader)->list();
  ASSERT_TRUE(list) << list.error().message;
  ASSERT_EQ(list->size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    const MessageRecord& m = (*list)[i];
    EXPECT_EQ(m.id, ids[i]);
    EXPECT_EQ(m.sender, "alice@example.com");
    EXPECT_EQ(m.size, static_cast<std::int64_t>(sample_content().size()));
    ASSERT_EQ(m.recipients.size(), 3u);
    EXPECT_EQ(m.recipients[0].address, "bob@example.net");
    EXPECT_EQ(m.recipients[1].address, "carol@Example.ORG");
    EXPECT_EQ(m.recipients[1].orcpt, "rfc822;carol@example.org");
    EXPECT_EQ(m.recipients[2].notify, core::kNotifyNever);
  }
}

TEST(Reader, EmptyQueueListsNothing) {
  TempDir dir;
  auto reader = Reader::open(dir.db());
  ASSERT_TRUE(reader) << reader.error().message;
  auto list = (*reader)->list();
  ASSERT_TRUE(list);
  EXPECT_TRUE(list->empty());
}

TEST(Reader, UnknownIdIsNotFound) {
  TempDir dir;
  stsrelay::testing::FakeClock clock;
  fill(dir, clock, 1);
  auto reader = Reader::open(dir.db(), clock);
  ASSERT_TRUE(reader);
  const std::string unknown = "0000000000000000";
  expect_not_found((*reader)->show(unknown));
  expect_not_found((*reader)->remove(unknown));
  expect_not_found((*reader)->retry(unknown));
}

TEST(Reader, RemoveDeletesTheMessageAndItsRecipients) {
  TempDir dir;
  stsrelay::testing::FakeClock clock;
  const auto ids = fill(dir, clock, 2);
  auto reader = Reader::open(dir.db(), clock);
  ASSERT_TRUE(reader);
  ASSERT_TRUE((*reader)->remove(ids[0]));
  EXPECT_FALSE((*reader)->show(ids[0]));
  EXPECT_TRUE((*reader)->show(ids[1]));
  EXPECT_EQ(query_int(dir.db(), "SELECT count(*) FROM recipients"), 3);
  expect_not_found((*reader)->remove(ids[0]));
}

TEST(Reader, RetryMakesOneMessageDueNowAndFlushAll) {
  TempDir dir;
  stsrelay::testing::FakeClock clock;
  const auto ids = fill(dir, clock, 2);
  const std::int64_t now = core::to_unix(clock.now());
  // Both messages deferred for an hour; one recipient of the first already delivered.
  exec_sql(dir.db(), "UPDATE recipients SET state = 'deferred', attempts = 1, next_attempt_at = " +
                         std::to_string(now + 3600));
  exec_sql(dir.db(),
           "UPDATE recipients SET state = 'delivered', next_attempt_at = 0 "
           "WHERE address = 'bob@example.net' AND message_seq = "
           "(SELECT seq FROM messages WHERE id = '" +
               ids[0] + "')");

  auto reader = Reader::open(dir.db(), clock);
  ASSERT_TRUE(reader);
  ASSERT_TRUE((*reader)->retry(ids[0]));
  auto first = (*reader)->show(ids[0]);
  ASSERT_TRUE(first);
  for (const auto& r : first->message.recipients) {
    SCOPED_TRACE(r.address);
    if (r.state == RecipientState::delivered) {
      EXPECT_EQ(r.next_attempt_at, 0);  // final recipients stay final
    } else {
      EXPECT_EQ(r.state, RecipientState::deferred);
      EXPECT_EQ(r.next_attempt_at, now);
    }
  }
  auto second = (*reader)->show(ids[1]);
  ASSERT_TRUE(second);
  for (const auto& r : second->message.recipients) EXPECT_EQ(r.next_attempt_at, now + 3600);

  auto flushed = (*reader)->flush();
  ASSERT_TRUE(flushed) << flushed.error().message;
  EXPECT_EQ(*flushed, 3);  // the second message's three; the first's were due already
  second = (*reader)->show(ids[1]);
  ASSERT_TRUE(second);
  for (const auto& r : second->message.recipients) EXPECT_EQ(r.next_attempt_at, now);
}

TEST(Reader, FinishedMessagesArePurgedAtOpenAndDryRunOnesAfterTheirRetention) {
  TempDir dir;
  stsrelay::testing::FakeClock clock;
  const auto ids = fill(dir, clock, 3);
  const auto seq_of = [&](const std::string& id) {
    return "(SELECT seq FROM messages WHERE id = '" + id + "')";
  };
  // 0: delivered and bounced -> gone. 1: one still deferred -> kept. 2: dry-run -> kept a while.
  exec_sql(dir.db(), "UPDATE recipients SET state = 'delivered' WHERE message_seq = " +
                         seq_of(ids[0]) + " AND address <> 'dave@example.net'");
  exec_sql(dir.db(), "UPDATE recipients SET state = 'bounced' WHERE message_seq = " +
                         seq_of(ids[0]) + " AND address = 'dave@example.net'");
  exec_sql(dir.db(), "UPDATE recipients SET state = 'delivered' WHERE message_seq = " +
                         seq_of(ids[1]) + " AND address <> 'dave@example.net'");
  exec_sql(dir.db(), "UPDATE recipients SET state = 'deferred' WHERE message_seq = " +
                         seq_of(ids[1]) + " AND address = 'dave@example.net'");
  exec_sql(dir.db(), "UPDATE recipients SET state = 'dry-run', updated_at = " +
                         std::to_string(core::to_unix(clock.now())) +
                         " WHERE message_seq = " + seq_of(ids[2]));
  OpenOptions options;
  options.dry_run_retention = std::chrono::hours(24);
  {
    auto store = Store::open(dir.db(), clock, options);
    ASSERT_TRUE(store);
    EXPECT_EQ((*store)->stats().purged, 1u);
  }
  auto reader = Reader::open(dir.db(), clock);
  ASSERT_TRUE(reader);
  EXPECT_FALSE((*reader)->show(ids[0]));
  EXPECT_TRUE((*reader)->show(ids[1]));
  auto dry = (*reader)->show(ids[2]);
  ASSERT_TRUE(dry);
  EXPECT_EQ(dry->message.recipients[0].state, RecipientState::dry_run);

  clock.advance(std::chrono::hours(25));
  {
    auto store = Store::open(dir.db(), clock, options);
    ASSERT_TRUE(store);
    EXPECT_EQ((*store)->stats().purged, 1u);
  }
  EXPECT_FALSE((*reader)->show(ids[2]));
  EXPECT_TRUE((*reader)->show(ids[1]));
}

TEST(RecipientState, NamesRoundTrip) {
  const std::pair<RecipientState, std::string_view> rows[] = {
      {RecipientState::queued, "queued"},       {RecipientState::deferred, "deferred"},
      {RecipientState::delivered, "delivered"}, {RecipientState::bounced, "bounced"},
      {RecipientState::dry_run, "dry-run"},
  };
  for (const auto& [state, name] : rows) {
    SCOPED_TRACE(name);
    EXPECT_EQ(to_string(state), name);
    EXPECT_EQ(parse_recipient_state(name), state);
  }
  EXPECT_EQ(parse_recipient_state("dry_run"), std::nullopt);
  EXPECT_EQ(parse_recipient_state("Queued"), std::nullopt);
  EXPECT_TRUE(is_pending(RecipientState::queued));
  EXPECT_TRUE(is_pending(RecipientState::deferred));
  EXPECT_FALSE(is_pending(RecipientState::dry_run));
}

}  // namespace
}  // namespace stsrelay::queue
