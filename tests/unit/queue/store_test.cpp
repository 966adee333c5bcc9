#include "queue/schema.hpp"
#include "queue/store.hpp"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include "fake_clock.hpp"
#include "queue/queue_id.hpp"
#include "queue_test_support.hpp"

namespace stsrelay::queue {
namespace {

using testing::enqueue_and_wait;
using testing::sample_content;
using testing::sample_envelope;
using testing::TempDir;

std::string every_byte_content() {
  std::string content = "Subject: bytes\r\n\r\n";
  for (int i = 0; i < 256; ++i) content.push_back(static_cast<char>(i));
  content += "\r\n.\r\n..\r\n";
  return content;
}

TEST(Store, EnqueueThenReadBackEveryField) {
  TempDir dir;
  stsrelay::testing::FakeClock clock;
  const core::Envelope envelope = sample_envelope();
  const std::string content = every_byte_content();
  std::string id;
  {
    auto store = Store::open(dir.db(), clock);
    ASSERT_TRUE(store) << store.error().message;
    auto queued = enqueue_and_wait(**store, envelope, content);
    ASSERT_TRUE(queued) << queued.error().message;
    id = *queued;
  }
  EXPECT_TRUE(is_queue_id(id)) << id;

  auto reader = Reader::open(dir.db(), clock);
  ASSERT_TRUE(reader) << reader.error().message;
  auto detail = (*reader)->show(id);
  ASSERT_TRUE(detail) << detail.error().message;
  const core::Envelope& e = detail->envelope;
  EXPECT_EQ(e.sender, envelope.sender);
  EXPECT_EQ(e.envid, envelope.envid);
  EXPECT_EQ(e.ret, envelope.ret);
  EXPECT_EQ(e.body, envelope.body);
  EXPECT_EQ(e.smtputf8, envelope.smtputf8);
  EXPECT_EQ(e.client_address, envelope.client_address);
  EXPECT_EQ(e.client_helo, envelope.client_helo);
  EXPECT_EQ(e.auth_user, envelope.auth_user);
  EXPECT_EQ(e.tls, envelope.tls);
  ASSERT_EQ(e.recipients.size(), envelope.recipients.size());
  for (std::size_t i = 0; i < e.recipients.size(); ++i) {
    SCOPED_TRACE(envelope.recipients[i].address);
    EXPECT_EQ(e.recipients[i].address, envelope.recipients[i].address);
    EXPECT_EQ(e.recipients[i].notify, envelope.recipients[i].notify);
    EXPECT_EQ(e.recipients[i].orcpt, envelope.recipients[i].orcpt);
  }
  EXPECT_EQ(detail->message.id, id);
  EXPECT_EQ(detail->message.sender, envelope.sender);
  EXPECT_EQ(detail->message.received_at, core::to_unix(clock.now()));
  EXPECT_EQ(detail->message.size, static_cast<std::int64_t>(content.size()));
  EXPECT_EQ(detail->headers, "Subject: bytes\r\n");
  for (const auto& r : detail->message.recipients) {
    EXPECT_EQ(r.state, RecipientState::queued);
    EXPECT_EQ(r.attempts, 0);
    EXPECT_EQ(r.next_attempt_at, core::to_unix(clock.now()));
    EXPECT_EQ(r.last_reply, "");
  }
  // The content, byte for byte (every octet value, dots, CRLF), straight from the file.
  auto db = db::SqliteConnection::open(dir.db(), db::SqliteOptions::existing_file());
  ASSERT_TRUE(db);
  auto stmt = db::SqliteStatement::prepare(*db, "SELECT content FROM messages WHERE id = ?1");
  ASSERT_TRUE(stmt);
  stmt->bind(1, id);
  auto row = stmt->step();
  ASSERT_TRUE(row && *row);
  EXPECT_EQ(stmt->column_text(0), content);
}

TEST(Store, EmptyAndNullSenderAndNoDsnParametersRoundTrip) {
  TempDir dir;
  stsrelay::testing::FakeClock clock;
  core::Envelope envelope;
  envelope.recipients = {{"postmaster@example.com", 0, ""}};
  auto store = Store::open(dir.db(), clock);
  ASSERT_TRUE(store);
  auto queued = enqueue_and_wait(**store, envelope, "");
  ASSERT_TRUE(queued) << queued.error().message;
  auto reader = Reader::open(dir.db(), clock);
  ASSERT_TRUE(reader);
  auto detail = (*reader)->show(*queued);
  ASSERT_TRUE(detail) << detail.error().message;
  EXPECT_EQ(detail->envelope.sender, "");
  EXPECT_EQ(detail->envelope.ret, core::DsnRet::unspecified);
  EXPECT_EQ(detail->envelope.body, core::BodyType::seven_bit);
  EXPECT_FALSE(detail->envelope.smtputf8);
  EXPECT_EQ(detail->message.size, 0);
  EXPECT_EQ(detail->headers, "");
}

TEST(Store, RefusesAMessageWithoutRecipients) {
  TempDir dir;
  stsrelay::testing::FakeClock clock;
  auto store = Store::open(dir.db(), clock);
  ASSERT_TRUE(store);
  core::Envelope envelope = sample_envelope();
  envelope.recipients.clear();
  auto queued = enqueue_and_wait(**store, envelope, sample_content());
  ASSERT_FALSE(queued);
  EXPECT_EQ(queued.error().kind, core::ErrorKind::invalid);
  EXPECT_EQ((*store)->stats().enqueue_failed, 1u);
  EXPECT_EQ(testing::query_int(dir.db(), "SELECT count(*) FROM messages"), 0);
}

TEST(Store, IdsAreUniqueAndIncreaseWithinOneProcess) {
  TempDir dir;
  stsrelay::testing::FakeClock clock;
  auto store = Store::open(dir.db(), clock);
  ASSERT_TRUE(store);
  std::string previous;
  for (int i = 0; i < 20; ++i) {
    auto queued = enqueue_and_wait(**store, sample_envelope(), sample_content());
    ASSERT_TRUE(queued) << queued.error().message;
    EXPECT_GT(*queued, previous);
    previous = *queued;
  }
}

TEST(Store, GroupCommitPutsConcurrentEnqueuesInFewTransactions) {
  TempDir dir;
  stsrelay::testing::FakeClock clock;
  auto store = Store::open(dir.db(), clock);
  ASSERT_TRUE(store);
  const std::uint64_t before = (*store)->stats().transactions;

  constexpr int kThreads = 8;
  constexpr int kPerThread = 50;
  constexpr int kTotal = kThreads * kPerThread;
  std::mutex mutex;
  std::condition_variable changed;
  int submitted = 0;
  int answered = 0;
  int failures = 0;
  bool gate_passed = false;

  // The first answer holds the writer thread until every enqueue has been submitted, so that
  // all of them are waiting when the writer takes its next batch: the test does not depend on
  // how fast the disk is.
  auto done = [&](core::Result<std::string> r) {
    std::unique_lock lock(mutex);
    if (!gate_passed) {
      changed.wait_for(lock, testing::kWaitBound, [&] { return submitted == kTotal; });
      gate_passed = true;
    }
    if (!r) ++failures;
    ++answered;
    changed.notify_all();
  };
  std::vector<std::thread> producers;
  for (int t = 0; t < kThreads; ++t) {
    producers.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) {
        (*store)->enqueue(sample_envelope(), sample_content(1024), done);
        std::lock_guard lock(mutex);
        ++submitted;
        changed.notify_all();
      }
    });
  }
  for (auto& p : producers) p.join();
  {
    std::unique_lock lock(mutex);
    ASSERT_TRUE(changed.wait_for(lock, testing::kWaitBound, [&] { return answered == kTotal; }));
  }
  EXPECT_EQ(failures, 0);
  const std::uint64_t transactions = (*store)->stats().transactions - before;
  EXPECT_LE(transactions, 2u);
  EXPECT_LT(transactions, static_cast<std::uint64_t>(kTotal));
  EXPECT_EQ((*store)->stats().enqueued, static_cast<std::uint64_t>(kTotal));
  EXPECT_EQ(testing::query_int(dir.db(), "SELECT count(*) FROM messages"), kTotal);
  EXPECT_EQ(testing::query_int(dir.db(), "SELECT count(*) FROM recipients"), kTotal * 3);
}

TEST(Store, BatchIsBoundedByOperationCount) {
  TempDir dir;
  stsrelay::testing::FakeClock clock;
  OpenOptions options;
  options.max_batch_operations = 10;
  auto store = Store::open(dir.db(), clock, options);
  ASSERT_TRUE(store);
  const std::uint64_t before = (*store)->stats().transactions;
  std::mutex mutex;
  std::condition_variable changed;
  int answered = 0;
  bool submitted_all = false;
  // As above: the first answer waits until all 50 are waiting, so the rest go in batches of 10.
  auto done = [&](core::Result<std::string> r) {
    EXPECT_TRUE(r);
    std::unique_lock lock(mutex);
    changed.wait_for(lock, testing::kWaitBound, [&] { return submitted_all; });
    ++answered;
    changed.notify_all();
  };
  for (int i = 0; i < 51; ++i) (*store)->enqueue(sample_envelope(), sample_content(), done);
  {
    std::unique_lock lock(mutex);
    submitted_all = true;
    changed.notify_all();
    ASSERT_TRUE(changed.wait_for(lock, testing::kWaitBound, [&] { return answered == 51; }));
  }
  // At least ceil(51 / 10) transactions; at most one more (the first message alone).
  const std::uint64_t transactions = (*store)->stats().transactions - before;
  EXPECT_GE(transactions, 6u);
  EXPECT_LE(transactions, 7u);
}

TEST(Store, ReopenKeepsEverything) {
  TempDir dir;
  stsrelay::testing::FakeClock clock;
  std::vector<std::string> ids;
  for (int round = 0; round < 3; ++round) {
    auto store = Store::open(dir.db(), clock);
    ASSERT_TRUE(store) << store.error().message;
    for (int i = 0; i < 4; ++i) {
      auto queued = enqueue_and_wait(**store, sample_envelope(), sample_content(100 * i));
      ASSERT_TRUE(queued) << queued.error().message;
      ids.push_back(*queued);
    }
    (*store)->close();
  }
  auto reader = Reader::open(dir.db(), clock);
  ASSERT_TRUE(reader);
  auto list = (*reader)->list();
  ASSERT_TRUE(list) << list.error().message;
  ASSERT_EQ(list->size(), ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) {
    EXPECT_EQ((*list)[i].id, ids[i]);
    EXPECT_EQ((*list)[i].recipients.size(), 3u);
  }
}

TEST(Store, CloseDrainsWhatIsWaitingAndRefusesLaterEnqueues) {
  TempDir dir;
  stsrelay::testing::FakeClock clock;
  auto store = Store::open(dir.db(), clock);
  ASSERT_TRUE(store);
  std::atomic<int> ok{0};
  for (int i = 0; i < 100; ++i) {
    (*store)->enqueue(sample_envelope(), sample_content(), [&](core::Result<std::string> r) {
      if (r) ++ok;
    });
  }
  (*store)->close();
  EXPECT_EQ(ok.load(), 100);  // close() returned only after every answer
  auto late = enqueue_and_wait(**store, sample_envelope(), sample_content());
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().kind, core::ErrorKind::temporary);
}

TEST(Store, FullQuotaIsNoSpaceAndNothingIsHalfStored) {
  TempDir dir;
  stsrelay::testing::FakeClock clock;
  OpenOptions options;
  options.max_page_count = 64;  // 1 MiB with 16 KiB pages
  auto store = Store::open(dir.db(), clock, options);
  ASSERT_TRUE(store) << store.error().message;
  auto big = enqueue_and_wait(**store, sample_envelope(), sample_content(4 << 20));
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().kind, core::ErrorKind::no_space) << big.error().message;
  EXPECT_EQ(testing::query_int(dir.db(), "SELECT count(*) FROM messages"), 0);
  EXPECT_EQ(testing::query_int(dir.db(), "SELECT count(*) FROM recipients"), 0);
  // The queue keeps working for what fits.
  auto small = enqueue_and_wait(**store, sample_envelope(), sample_content());
  EXPECT_TRUE(small) << small.error().message;
}

TEST(Store, OneMessageTooBigDoesNotFailTheOthersInItsBatch) {
  TempDir dir;
  stsrelay::testing::FakeClock clock;
  OpenOptions options;
  options.max_page_count = 64;
  auto store = Store::open(dir.db(), clock, options);
  ASSERT_TRUE(store);
  Store& s = **store;

  std::mutex mutex;
  std::condition_variable changed;
  std::vector<std::pair<std::string, core::Result<std::string>>> answers;
  auto record = [&](std::string name) {
    return [&, name](core::Result<std::string> r) {
      std::lock_guard lock(mutex);
      answers.emplace_back(name, std::move(r));
      changed.notify_all();
    };
  };
  // The first message's answer runs on the writer thread; the three it submits are therefore
  // all waiting when the writer takes its next batch, and go into one transaction.
  s.enqueue(sample_envelope(), sample_content(), [&](core::Result<std::string> r) {
    record("first")(std::move(r));
    s.enqueue(sample_envelope(), sample_content(), record("small-1"));
    s.enqueue(sample_envelope(), sample_content(4 << 20), record("big"));
    s.enqueue(sample_envelope(), sample_content(), record("small-2"));
  });
  std::unique_lock lock(mutex);
  ASSERT_TRUE(changed.wait_for(lock, testing::kWaitBound, [&] { return answers.size() == 4; }));
  for (const auto& [name, result] : answers) {
    SCOPED_TRACE(name);
    if (name == "big") {
      ASSERT_FALSE(result);
      EXPECT_EQ(result.error().kind, core::ErrorKind::no_space);
    } else {
      EXPECT_TRUE(result) << result.error().message;
    }
  }
  EXPECT_EQ(s.stats().batch_retries, 1u);
  EXPECT_EQ(testing::query_int(dir.db(), "SELECT count(*) FROM messages"), 3);
  EXPECT_EQ(testing::query_int(dir.db(), "SELECT count(*) FROM recipients"), 9);
}

TEST(Store, FileIsInWalModeWithAVersionedSchema) {
  TempDir dir;
  stsrelay::testing::FakeClock clock;
  auto store = Store::open(dir.db(), clock);
  ASSERT_TRUE(store);
  EXPECT_EQ(testing::query_int(dir.db(), "PRAGMA user_version"), kSchemaVersion);
  auto db = db::SqliteConnection::open(dir.db(), db::SqliteOptions::existing_file());
  ASSERT_TRUE(db);
  auto mode = db::SqliteStatement::prepare(*db, "PRAGMA journal_mode");
  ASSERT_TRUE(mode);
  auto row = mode->step();
  ASSERT_TRUE(row && *row);
  EXPECT_EQ(mode->column_text(0), "wal");  // persistent in the file
}

TEST(Store, TlsOptionalRoundTripsAndReachesTheDeliveryJob) {
  TempDir dir;
  stsrelay::testing::FakeClock clock;
  auto store = Store::open(dir.db(), clock);
  ASSERT_TRUE(store);
  core::Envelope flagged = sample_envelope("reports@relay.example.org");
  flagged.tls_optional = true;
  auto a = enqueue_and_wait(**store, flagged, "Subject: report\r\n\r\nx\r\n");
  auto b = enqueue_and_wait(**store, sample_envelope(), "Subject: mail\r\n\r\nx\r\n");
  ASSERT_TRUE(a && b);
  auto jobs = (*store)->claim_due(clock.now(), ClaimLimits{});
  ASSERT_TRUE(jobs) << jobs.error().message;
  ASSERT_FALSE(jobs->empty());
  for (const auto& job : *jobs) {
    EXPECT_EQ(job.envelope.tls_optional, job.message_id == *a) << job.message_id;
  }
}

// RFC 8689: the REQUIRETLS tag is stored with the message, shown by the Reader and handed to
// delivery with the claimed job, beside tls_optional.
TEST(Store, RequireTlsRoundTripsAndReachesTheDeliveryJob) {
  TempDir dir;
  stsrelay::testing::FakeClock clock;
  auto store = Store::open(dir.db(), clock);
  ASSERT_TRUE(store);
  core::Envelope required = sample_envelope();
  required.require_tls = true;
  core::Envelope optional = sample_envelope();
  optional.tls_optional = true;
  auto a = enqueue_and_wait(**store, required, "Subject: secret\r\n\r\nx\r\n");
  auto b = enqueue_and_wait(**store, optional, "TLS-Required: No\r\n\r\nx\r\n");
  auto c = enqueue_and_wait(**store, sample_envelope(), "Subject: mail\r\n\r\nx\r\n");
  ASSERT_TRUE(a && b && c);
  auto reader = Reader::open(dir.db(), clock);
  ASSERT_TRUE(reader);
  const struct {
    std::string id;
    bool require_tls;
    bool tls_optional;
  } want[] = {{*a, true, false}, {*b, false, true}, {*c, false, false}};
  for (const auto& w : want) {
    SCOPED_TRACE(w.id);
    auto detail = (*reader)->show(w.id);
    ASSERT_TRUE(detail) << detail.error().message;
    EXPECT_EQ(detail->envelope.require_tls, w.require_tls);
    EXPECT_EQ(detail->envelope.tls_optional, w.tls_optional);
  }
  auto jobs = (*store)->claim_due(clock.now(), ClaimLimits{});
  ASSERT_TRUE(jobs) << jobs.error().message;
  ASSERT_FALSE(jobs->empty());
  for (const auto& job : *jobs) {
    EXPECT_EQ(job.envelope.require_tls, job.message_id == *a) << job.message_id;
    EXPECT_EQ(job.envelope.tls_optional, job.message_id == *b) << job.message_id;
  }
}

// A queue.db as stsrelay with schema version 2 created it (tls_optional before content, no
// requiretls): it opens, keeps its messages untagged, gains the column in the same
// transaction style as the version-1 migration, and stores the tag from then on.
TEST(Store, MigratesAVersionTwoFile) {
  TempDir dir;
  stsrelay::testing::FakeClock clock;
  {
    auto db = db::SqliteConnection::open(dir.db(), db::SqliteOptions::durable());
    ASSERT_TRUE(db) << db.error().message;
    auto made = db->exec(R"sql(
CREATE TABLE messages (
  seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, sender TEXT NOT NULL, envid TEXT NOT NULL,
  ret INTEGER NOT NULL, body INTEGER NOT NULL, smtputf8 INTEGER NOT NULL,
  client_address TEXT NOT NULL, client_helo TEXT NOT NULL, auth_user TEXT NOT NULL,
  tls TEXT NOT NULL, received_at INTEGER NOT NULL, size INTEGER NOT NULL,
  tls_optional INTEGER NOT NULL DEFAULT 0, content BLOB NOT NULL);
CREATE TABLE recipients (
  id INTEGER PRIMARY KEY,
  message_seq INTEGER NOT NULL REFERENCES messages(seq) ON DELETE CASCADE,
  position INTEGER NOT NULL, address TEXT NOT NULL, domain TEXT NOT NULL,
  notify INTEGER NOT NULL, orcpt TEXT NOT NULL,
  state TEXT NOT NULL
    CHECK (state IN ('queued', 'deferred', 'delivered', 'bounced', 'dry-run')),
  attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at INTEGER NOT NULL,
  last_reply TEXT NOT NULL DEFAULT '', updated_at INTEGER NOT NULL);
CREATE INDEX recipients_by_message ON recipients(message_seq, position);
CREATE INDEX recipients_due ON recipients(next_attempt_at, message_seq)
  WHERE state IN ('queued', 'deferred');
INSERT INTO messages VALUES (1, 'OLDV2MESSAGE0001', 'alice@example.com', '', 0, 0, 0,
  '192.0.2.1', 'client.example', '', '', 0, 12, 1, 'Subject: old');
INSERT INTO recipients (message_seq, position, address, domain, notify, orcpt, state,
  next_attempt_at, updated_at) VALUES (1, 0, 'bob@example.net', 'example.net', 0, '',
  'queued', 0, 0);
PRAGMA user_version = 2;
)sql");
    ASSERT_TRUE(made) << made.error().message;
  }
  auto store = Store::open(dir.db(), clock);
  ASSERT_TRUE(store) << store.error().message;
  EXPECT_EQ(testing::query_int(dir.db(), "PRAGMA user_version"), kSchemaVersion);
  EXPECT_EQ(testing::query_int(dir.db(), "SELECT requiretls FROM messages WHERE seq = 1"), 0);
  core::Envelope required = sample_envelope();
  required.require_tls = true;
  auto fresh = enqueue_and_wait(**store, required, "Subject: new\r\n\r\nx\r\n");
  ASSERT_TRUE(fresh) << fresh.error().message;
  auto reader = Reader::open(dir.db(), clock);
  ASSERT_TRUE(reader);
  auto old_detail = (*reader)->show("OLDV2MESSAGE0001");
  ASSERT_TRUE(old_detail) << old_detail.error().message;
  EXPECT_FALSE(old_detail->envelope.require_tls);
  EXPECT_TRUE(old_detail->envelope.tls_optional);  // what version 2 stored is kept
  ASSERT_EQ(old_detail->message.recipients.size(), 1u);
  auto new_detail = (*reader)->show(*fresh);
  ASSERT_TRUE(new_detail);
  EXPECT_TRUE(new_detail->envelope.require_tls);
  auto jobs = (*store)->claim_due(clock.now(), ClaimLimits{});
  ASSERT_TRUE(jobs) << jobs.error().message;
  std::size_t old_jobs = 0;
  for (const auto& job : *jobs) {
    EXPECT_EQ(job.envelope.require_tls, job.message_id == *fresh) << job.message_id;
    if (job.message_id == "OLDV2MESSAGE0001") ++old_jobs;
  }
  EXPECT_EQ(old_jobs, 1u);
}

// A queue.db written by the version without tls_optional (nor requiretls) opens, keeps its
// messages and gains the columns.
TEST(Store, MigratesAVersionOneFile) {
  TempDir dir;
  stsrelay::testing::FakeClock clock;
  std::string old_id;
  {
    auto store = Store::open(dir.db(), clock);
    ASSERT_TRUE(store);
    auto queued = enqueue_and_wait(**store, sample_envelope(), "Subject: old\r\n\r\nx\r\n");
    ASSERT_TRUE(queued);
    old_id = *queued;
  }
  testing::exec_sql(dir.db(), "ALTER TABLE messages DROP COLUMN tls_optional");
  testing::exec_sql(dir.db(), "ALTER TABLE messages DROP COLUMN requiretls");
  testing::exec_sql(dir.db(), "PRAGMA user_version = 1");
  auto store = Store::open(dir.db(), clock);
  ASSERT_TRUE(store) << store.error().message;
  EXPECT_EQ(testing::query_int(dir.db(), "PRAGMA user_version"), kSchemaVersion);
  core::Envelope flagged = sample_envelope();
  flagged.tls_optional = true;
  flagged.require_tls = true;
  auto fresh = enqueue_and_wait(**store, flagged, "Subject: new\r\n\r\nx\r\n");
  ASSERT_TRUE(fresh) << fresh.error().message;
  auto reader = Reader::open(dir.db(), clock);
  ASSERT_TRUE(reader);
  auto old_detail = (*reader)->show(old_id);
  ASSERT_TRUE(old_detail) << old_detail.error().message;
  EXPECT_FALSE(old_detail->envelope.tls_optional);
  EXPECT_FALSE(old_detail->envelope.require_tls);
  auto new_detail = (*reader)->show(*fresh);
  ASSERT_TRUE(new_detail);
  EXPECT_TRUE(new_detail->envelope.tls_optional);
  EXPECT_TRUE(new_detail->envelope.require_tls);
}

// A version 3 file gains the index of pending recipients by domain, and claims use it.
TEST(Store, MigratesAVersionThreeFile) {
  TempDir dir;
  stsrelay::testing::FakeClock clock;
  {
    auto store = Store::open(dir.db(), clock);
    ASSERT_TRUE(store);
    ASSERT_TRUE(enqueue_and_wait(**store, sample_envelope(), "Subject: old\r\n\r\nx\r\n"));
  }
  testing::exec_sql(dir.db(), "DROP INDEX recipients_due_by_domain");
  testing::exec_sql(dir.db(), "PRAGMA user_version = 3");
  auto store = Store::open(dir.db(), clock);
  ASSERT_TRUE(store) << store.error().message;
  EXPECT_EQ(testing::query_int(dir.db(), "PRAGMA user_version"), kSchemaVersion);
  EXPECT_EQ(testing::query_int(dir.db(),
                               "SELECT count(*) FROM sqlite_schema WHERE type = 'index' "
                               "AND name = 'recipients_due_by_domain'"),
            1);
  auto jobs = (*store)->claim_due(clock.now(), ClaimLimits{});
  ASSERT_TRUE(jobs) << jobs.error().message;
  EXPECT_EQ(jobs->size(), 2u);  // example.net and example.org
}

TEST(Store, RefusesASchemaFromTheFuture) {
  TempDir dir;
  stsrelay::testing::FakeClock clock;
  {
    auto store = Store::open(dir.db(), clock);
    ASSERT_TRUE(store);
  }
  testing::exec_sql(dir.db(), "PRAGMA user_version = 99");
  auto store = Store::open(dir.db(), clock);
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().kind, core::ErrorKind::permanent);
  EXPECT_NE(store.error().message.find("99"), std::string::npos);
}

// A message named before it is queued: the SMTP server takes an id from Store::new_id(),
// writes it into the Received: and Message-ID: headers, and queues the message under it.
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
