// The Store's API for the delivery engine: claim_due, leases, record, release, next_due, and
// the wake-ups.
#include "queue/claim.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "fake_clock.hpp"
#include "queue/store.hpp"
#include "queue_test_support.hpp"

namespace stsrelay::queue {
namespace {

using std::chrono::seconds;
using testing::enqueue_and_wait;
using testing::expect_not_found;
using testing::record_and_wait;
using testing::sample_content;
using testing::sample_envelope;
using testing::TempDir;

ClaimLimits up_to(std::size_t jobs) {
  ClaimLimits limits;
  limits.max_jobs = jobs;
  return limits;
}

// Counts the store's work notifications (set_work_listener), so a test can wait for the next.
class WorkSignal {
 public:
  void bump() {
    {
      std::lock_guard lock(mutex_);
      ++count_;
    }
    changed_.notify_all();
  }
  std::uint64_t count() const {
    std::lock_guard lock(mutex_);
    return count_;
  }
  // True when a notification came after `seen` was read, within `bound`.
  bool wait_past(std::uint64_t seen, std::chrono::milliseconds bound) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, bound, [&] { return count_ != seen; });
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::uint64_t count_ = 0;
};

std::vector<std::int64_t> ids_of(const std::vector<DeliveryJob>& jobs) {
  std::vector<std::int64_t> ids;
  for (const auto& job : jobs) {
    for (const auto& r : job.recipients) ids.push_back(r.id);
  }
  return ids;
}

struct Fixture {
  TempDir dir;
  stsrelay::testing::FakeClock clock;
  std::unique_ptr<Store> store;

  explicit Fixture(OpenOptions options = {}) {
    auto opened = Store::open(dir.db(), clock, options);
    if (!opened) throw std::runtime_error(opened.error().message);
    store = std::move(*opened);
  }
  std::int64_t now() const { return core::to_unix(clock.now()); }
  std::string enqueue(core::Envelope e = sample_envelope(),
                      std::string content = sample_content()) {
    auto id = enqueue_and_wait(*store, std::move(e), std::move(content));
    if (!id) throw std::runtime_error(id.error().message);
    return *id;
  }
  // Claims what is due now (up to 10 jobs): the ids of the recipients leased, in job order.
  std::vector<std::int64_t> claim_ids() {
    auto jobs = store->claim_due(clock.now(), up_to(10));
    if (!jobs) throw std::runtime_error(jobs.error().message);
    return ids_of(*jobs);
  }
};

TEST(Claim, GroupsDueRecipientsByMessageAndDomainAndLeasesThem) {
  Fixture f;
  const std::string id = f.enqueue();
  auto jobs = f.store->claim_due(f.clock.now(), up_to(10));
  ASSERT_TRUE(jobs) << jobs.error().message;
  ASSERT_EQ(jobs->size(), 2u);
  const DeliveryJob& net = (*jobs)[0];
  const DeliveryJob& org = (*jobs)[1];
  EXPECT_EQ(net.message_id, id);
  EXPECT_EQ(net.domain, "example.net");
  ASSERT_EQ(net.recipients.size(), 2u);
  EXPECT_EQ(net.recipients[0].address, "bob@example.net");
  EXPECT_EQ(net.recipients[1].address, "dave@example.net");
  ASSERT_EQ(net.envelope.recipients.size(), 2u);
  EXPECT_EQ(net.envelope.recipients[1].notify, core::kNotifyNever);
  EXPECT_EQ(net.envelope.sender, "alice@example.com");
  EXPECT_EQ(net.envelope.envid, "QQ+2B314");
  EXPECT_EQ(net.envelope.ret, core::DsnRet::hdrs);
  EXPECT_EQ(net.received_at, f.now());
  EXPECT_EQ(net.size, static_cast<std::int64_t>(sample_content().size()));
  EXPECT_EQ(org.domain, "example.org");  // from carol@Example.ORG
  ASSERT_EQ(org.recipients.size(), 1u);
  EXPECT_EQ(org.recipients[0].orcpt, "rfc822;carol@example.org");
  EXPECT_EQ(org.recipients[0].attempts, 0);

  EXPECT_EQ(f.store->leased(), 3u);
  auto again = f.store->claim_due(f.clock.now(), up_to(10));
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->empty());  // leased: not handed out twice
  auto next = f.store->next_due();
  ASSERT_TRUE(next);
  EXPECT_FALSE(next->has_value());  // everything due is leased
}

TEST(Claim, EarliestFirstAndBoundedByMaxJobs) {
  Fixture f;
  const std::string first = f.enqueue();
  f.clock.advance(seconds(10));
  const std::string second = f.enqueue();
  auto jobs = f.store->claim_due(f.clock.now(), up_to(3));
  ASSERT_TRUE(jobs);
  ASSERT_EQ(jobs->size(), 3u);
  EXPECT_EQ((*jobs)[0].message_id, first);
  EXPECT_EQ((*jobs)[1].message_id, first);
  EXPECT_EQ((*jobs)[2].message_id, second);
  EXPECT_EQ((*jobs)[2].domain, "example.net");
  auto rest = f.store->claim_due(f.clock.now(), up_to(3));
  ASSERT_TRUE(rest);
  ASSERT_EQ(rest->size(), 1u);
  EXPECT_EQ((*rest)[0].message_id, second);
  EXPECT_EQ((*rest)[0].domain, "example.org");
}

TEST(Claim, DomainFilterAndRecipientsPerJob) {
  Fixture f;
  core::Envelope e = sample_envelope();
  e.recipients.clear();
  for (int i = 0; i < 5; ++i)
    e.recipients.push_back({"u" + std::to_string(i) + "@a.example", 0, ""});
  e.recipients.push_back({"v@b.example", 0, ""});
  f.enqueue(e);
  ClaimLimits limits;
  limits.max_recipients_per_job = 2;
  limits.domain_room = [](std::string_view domain) -> std::size_t {
    return domain == "b.example" ? 0 : 100;
  };
  auto jobs = f.store->claim_due(f.clock.now(), limits);
  ASSERT_TRUE(jobs);
  ASSERT_EQ(jobs->size(), 3u);  // 2 + 2 + 1 of a.example; b.example refused
  EXPECT_EQ((*jobs)[0].recipients.size(), 2u);
  EXPECT_EQ((*jobs)[2].recipients.size(), 1u);
  EXPECT_EQ((*jobs)[2].recipients[0].address, "u4@a.example");
  EXPECT_EQ(f.store->leased(), 5u);
  auto rest = f.store->claim_due(f.clock.now(), up_to(10));
  ASSERT_TRUE(rest);
  ASSERT_EQ(rest->size(), 1u);
  EXPECT_EQ((*rest)[0].domain, "b.example");
}

core::Envelope envelope_for(std::initializer_list<const char*> recipients) {
  core::Envelope e = sample_envelope();
  e.recipients.clear();
  for (const char* r : recipients) e.recipients.push_back({r, 0, ""});
  return e;
}

ClaimLimits with_room(std::size_t jobs, std::map<std::string, std::size_t> room) {
  ClaimLimits limits = up_to(jobs);
  limits.domain_room = [room = std::move(room)](std::string_view domain) -> std::size_t {
    auto it = room.find(std::string(domain));
    return it == room.end() ? 100 : it->second;
  };
  return limits;
}

TEST(Claim, ADomainTakesNoMoreJobsThanItsRoom) {
  Fixture f;
  for (int i = 0; i < 5; ++i) f.enqueue(envelope_for({"u@a.example"}));
  f.enqueue(envelope_for({"u@b.example"}));
  auto jobs = f.store->claim_due(f.clock.now(), with_room(10, {{"a.example", 2}}));
  ASSERT_TRUE(jobs) << jobs.error().message;
  ASSERT_EQ(jobs->size(), 3u);
  EXPECT_EQ((*jobs)[0].domain, "a.example");
  EXPECT_EQ((*jobs)[1].domain, "a.example");
  EXPECT_EQ((*jobs)[2].domain, "b.example");
  EXPECT_EQ(f.store->leased(), 3u);
}

// A domain at its limit with a large due backlog (more rows than a claim passes in due order)
// neither hides the due mail of other domains nor changes their order: earliest first.
TEST(Claim, ABacklogOfADomainWithoutRoomDoesNotHideOtherDomains) {
  Fixture f;
  const std::string early = f.enqueue(envelope_for({"u@late.example"}));
  f.clock.advance(seconds(1));
  std::vector<std::string> backlog;
  for (int i = 0; i < 300; ++i) backlog.push_back(f.enqueue(envelope_for({"u@full.example"})));
  f.clock.advance(seconds(1));
  const std::string both = f.enqueue(envelope_for({"v@full.example", "v@other.example"}));
  f.clock.advance(seconds(1));
  const std::string other = f.enqueue(envelope_for({"w@other.example"}));
  const std::string late = f.enqueue(envelope_for({"w@late.example"}));

  auto jobs = f.store->claim_due(f.clock.now(), with_room(3, {{"full.example", 0}}));
  ASSERT_TRUE(jobs) << jobs.error().message;
  ASSERT_EQ(jobs->size(), 3u);
  EXPECT_EQ((*jobs)[0].message_id, early);
  EXPECT_EQ((*jobs)[1].message_id, both);  // late.example's next is due after other.example's
  EXPECT_EQ((*jobs)[1].domain, "other.example");
  EXPECT_EQ((*jobs)[2].message_id, other);
  ASSERT_EQ((*jobs)[1].recipients.size(), 1u);

  auto rest = f.store->claim_due(f.clock.now(), with_room(10, {{"full.example", 0}}));
  ASSERT_TRUE(rest) << rest.error().message;
  ASSERT_EQ(rest->size(), 1u);
  EXPECT_EQ((*rest)[0].message_id, late);

  // Room again: the backlog is claimed in the order it became due, up to the room.
  auto backlog_jobs = f.store->claim_due(f.clock.now(), with_room(100, {{"full.example", 2}}));
  ASSERT_TRUE(backlog_jobs) << backlog_jobs.error().message;
  ASSERT_EQ(backlog_jobs->size(), 2u);
  EXPECT_EQ((*backlog_jobs)[0].message_id, backlog[0]);
  EXPECT_EQ((*backlog_jobs)[1].message_id, backlog[1]);
}

TEST(Claim, GroupJobsTable) {
  MessageRow message;
  message.id = "M";
  const auto rcpt = [](std::int64_t id, std::string address) {
    RecipientRecord r;
    r.id = id;
    r.address = std::move(address);
    return r;
  };
  const std::vector<RecipientRecord> due = {rcpt(1, "a@x.example"), rcpt(2, "b@Y.example"),
                                            rcpt(3, "c@x.example"), rcpt(4, "postmaster"),
                                            rcpt(5, "\"q@r\"@y.example")};
  struct Row {
    const char* name;
    std::size_t per_job;
    std::size_t room;
    std::set<std::int64_t> leased;
    std::vector<std::pair<std::string, std::vector<std::int64_t>>> jobs;
    std::map<std::string, std::size_t> domain_room = {};  // empty: no limit
  };
  const Row rows[] = {
      {"by domain, first appearance order",
       100,
       10,
       {},
       {{"x.example", {1, 3}}, {"y.example", {2, 5}}, {"", {4}}}},
      {"leased left out (order of first unleased appearance)",
       100,
       10,
       {1, 2},
       {{"x.example", {3}}, {"", {4}}, {"y.example", {5}}}},
      {"split per job",
       1,
       10,
       {},
       {{"x.example", {1}}, {"x.example", {3}}, {"y.example", {2}}, {"y.example", {5}}, {"", {4}}}},
      {"room bounds the jobs", 100, 2, {}, {{"x.example", {1, 3}}, {"y.example", {2, 5}}}},
      {"all leased", 100, 10, {1, 2, 3, 4, 5}, {}},
      {"a domain's room bounds its jobs",
       1,
       10,
       {},
       {{"x.example", {1}}, {"y.example", {2}}, {"y.example", {5}}},
       {{"x.example", 1}, {"y.example", 5}, {"", 0}}},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    ClaimLimits limits;
    limits.max_recipients_per_job = row.per_job;
    if (!row.domain_room.empty()) {
      limits.domain_room = [&row](std::string_view domain) {
        return row.domain_room.at(std::string(domain));
      };
    }
    DomainRoom domains(limits);
    auto jobs = group_jobs(
        message, due, limits, [&](std::int64_t id) { return row.leased.contains(id); }, row.room,
        domains);
    ASSERT_EQ(jobs.size(), row.jobs.size());
    for (std::size_t i = 0; i < jobs.size(); ++i) {
      EXPECT_EQ(jobs[i].domain, row.jobs[i].first);
      EXPECT_EQ(ids_of({jobs[i]}), row.jobs[i].second);
      EXPECT_EQ(jobs[i].envelope.recipients.size(), jobs[i].recipients.size());
    }
  }
}

TEST(Claim, RecordedResultsChangeStateAndEndTheLease) {
  Fixture f;
  const std::string id = f.enqueue();
  const auto ids = f.claim_ids();  // bob, dave (example.net), carol (example.org)
  ASSERT_EQ(ids.size(), 3u);
  const std::int64_t later = f.now() + 300;
  auto recorded = record_and_wait(
      *f.store, {{ids[0], RecipientState::delivered, 0, "250 2.0.0 ok"},
                 {ids[1], RecipientState::bounced, 0, "550 5.1.1 no such user"},
                 {ids[2], RecipientState::deferred, later, "451 4.7.5 certificate not trusted"}});
  ASSERT_TRUE(recorded) << recorded.error().message;
  EXPECT_TRUE(recorded->empty());
  EXPECT_EQ(f.store->leased(), 0u);
  EXPECT_EQ(f.store->stats().results_recorded, 3u);

  auto reader = Reader::open(f.dir.db(), f.clock);
  ASSERT_TRUE(reader);
  auto detail = (*reader)->show(id);
  ASSERT_TRUE(detail);
  std::map<std::string, RecipientRecord> by_address;
  for (const auto& r : detail->message.recipients) by_address[r.address] = r;
  EXPECT_EQ(by_address["bob@example.net"].state, RecipientState::delivered);
  EXPECT_EQ(by_address["bob@example.net"].next_attempt_at, 0);
  EXPECT_EQ(by_address["bob@example.net"].attempts, 1);
  EXPECT_EQ(by_address["dave@example.net"].state, RecipientState::bounced);
  EXPECT_EQ(by_address["dave@example.net"].last_reply, "550 5.1.1 no such user");
  EXPECT_EQ(by_address["carol@Example.ORG"].state, RecipientState::deferred);
  EXPECT_EQ(by_address["carol@Example.ORG"].next_attempt_at, later);
  EXPECT_EQ(by_address["carol@Example.ORG"].last_reply, "451 4.7.5 certificate not trusted");

  // The deferred recipient is not due before its time, and is the next due.
  auto none = f.store->claim_due(f.clock.now(), up_to(10));
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
  auto next = f.store->next_due();
  ASSERT_TRUE(next && next->has_value());
  EXPECT_EQ(core::to_unix(**next), later);
  f.clock.advance(seconds(300));
  auto due = f.store->claim_due(f.clock.now(), up_to(10));
  ASSERT_TRUE(due);
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ(due->front().recipients.front().attempts, 1);

  // Its delivery finishes the message, which then leaves the queue.
  auto last = record_and_wait(*f.store, {{ids[2], RecipientState::delivered, 0, "250 ok"}});
  ASSERT_TRUE(last) << last.error().message;
  EXPECT_EQ(f.store->stats().purged, 1u);
  expect_not_found((*reader)->show(id));
}

TEST(Claim, NoticesAreQueuedWithTheResults) {
  Fixture f;
  f.enqueue();
  const auto ids = f.claim_ids();
  core::Envelope dsn_envelope;
  dsn_envelope.recipients = {{"alice@example.com", core::kNotifyNever, ""}};
  std::vector<RecipientResult> results;
  for (auto rid : ids) results.push_back({rid, RecipientState::bounced, 0, "550 5.1.1 unknown"});
  auto recorded =
      record_and_wait(*f.store, results, {{dsn_envelope, "Subject: bounce\r\n\r\nx\r\n"}});
  ASSERT_TRUE(recorded) << recorded.error().message;
  ASSERT_EQ(recorded->size(), 1u);
  // The original is gone (all bounced), the notice is queued and due.
  auto reader = Reader::open(f.dir.db(), f.clock);
  ASSERT_TRUE(reader);
  auto list = (*reader)->list();
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].id, (*recorded)[0]);
  EXPECT_EQ((*list)[0].sender, "");
  auto due = f.store->claim_due(f.clock.now(), up_to(10));
  ASSERT_TRUE(due);
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ(due->front().domain, "example.com");
  auto content = f.store->load_content((*recorded)[0]);
  ASSERT_TRUE(content);
  EXPECT_EQ(*content, "Subject: bounce\r\n\r\nx\r\n");
}

TEST(Claim, InvalidResultsFailWholeAndKeepTheLeases) {
  Fixture f;
  f.enqueue();
  const auto ids = f.claim_ids();
  struct Row {
    const char* name;
    RecipientResult result;
  };
  const Row rows[] = {
      {"queued is no result", {ids[0], RecipientState::queued, 0, ""}},
      {"deferred without a time", {ids[0], RecipientState::deferred, 0, "451"}},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    auto recorded =
        record_and_wait(*f.store, {{ids[1], RecipientState::delivered, 0, "250"}, row.result});
    ASSERT_FALSE(recorded);
    EXPECT_EQ(recorded.error().kind, core::ErrorKind::invalid);
    EXPECT_EQ(f.store->leased(), 3u);
  }
  EXPECT_EQ(f.store->stats().record_failed, 2u);
  EXPECT_EQ(f.store->stats().results_recorded, 0u);
  // Released, they are due again at once.
  f.store->release(ids);
  EXPECT_EQ(f.store->leased(), 0u);
  auto again = f.store->claim_due(f.clock.now(), up_to(10));
  ASSERT_TRUE(again);
  EXPECT_EQ(ids_of(*again).size(), 3u);
}

TEST(Claim, InFlightRecipientsAreDueAgainAfterARestart) {
  TempDir dir;
  stsrelay::testing::FakeClock clock;
  std::vector<std::int64_t> claimed;
  {
    auto store = Store::open(dir.db(), clock);
    ASSERT_TRUE(store);
    ASSERT_TRUE(enqueue_and_wait(**store, sample_envelope(), sample_content()));
    auto jobs = (*store)->claim_due(clock.now(), up_to(10));
    ASSERT_TRUE(jobs);
    claimed = ids_of(*jobs);
    // The process "dies" with the deliveries in flight: no result is ever recorded.
  }
  auto store = Store::open(dir.db(), clock);
  ASSERT_TRUE(store);
  auto jobs = (*store)->claim_due(clock.now(), up_to(10));
  ASSERT_TRUE(jobs);
  EXPECT_EQ(ids_of(*jobs), claimed);
}

TEST(Claim, ResultsForADeletedMessageChangeNothing) {
  Fixture f;
  const std::string id = f.enqueue();
  const auto ids = f.claim_ids();
  auto reader = Reader::open(f.dir.db(), f.clock);
  ASSERT_TRUE(reader);
  ASSERT_TRUE((*reader)->remove(id));
  expect_not_found(f.store->load_content(id));
  std::vector<RecipientResult> results;
  for (auto rid : ids) results.push_back({rid, RecipientState::delivered, 0, "250"});
  auto recorded = record_and_wait(*f.store, results);
  ASSERT_TRUE(recorded) << recorded.error().message;
  EXPECT_EQ(f.store->leased(), 0u);
  EXPECT_EQ(testing::query_int(f.dir.db(), "SELECT count(*) FROM messages"), 0);
}

TEST(Claim, LoadContentIsByteExact) {
  Fixture f;
  std::string content = "Subject: x\r\n\r\n";
  for (int i = 0; i < 256; ++i) content.push_back(static_cast<char>(i));
  const std::string id = f.enqueue(sample_envelope(), content);
  auto loaded = f.store->load_content(id);
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ(*loaded, content);
}

TEST(Claim, WorkListenerRunsOnEnqueueRecordReleaseAndExternalChanges) {
  OpenOptions options;
  options.external_change_check = std::chrono::milliseconds(20);
  WorkSignal work;  // outlives the store, which calls it
  Fixture f(options);
  f.store->set_work_listener([&] { work.bump(); });

  std::uint64_t seen = work.count();
  f.enqueue();
  EXPECT_TRUE(work.wait_past(seen, testing::kWaitBound));

  auto jobs = f.store->claim_due(f.clock.now(), up_to(10));
  ASSERT_TRUE(jobs);
  seen = work.count();
  f.store->release(ids_of(*jobs));
  EXPECT_NE(work.count(), seen);

  jobs = f.store->claim_due(f.clock.now(), up_to(10));
  ASSERT_TRUE(jobs);
  const auto ids = ids_of(*jobs);
  seen = work.count();
  ASSERT_TRUE(
      record_and_wait(*f.store, {{ids[0], RecipientState::deferred, f.now() + 3600, "451"},
                                 {ids[1], RecipientState::deferred, f.now() + 3600, "451"},
                                 {ids[2], RecipientState::deferred, f.now() + 3600, "451"}}));
  EXPECT_NE(work.count(), seen);

  // `stsrelay queue flush` from another process: seen through PRAGMA data_version.
  seen = work.count();
  auto reader = Reader::open(f.dir.db(), f.clock);
  ASSERT_TRUE(reader);
  auto flushed = (*reader)->flush();
  ASSERT_TRUE(flushed);
  EXPECT_EQ(*flushed, 3);
  EXPECT_TRUE(work.wait_past(seen, testing::kWaitBound));
  auto due = f.store->claim_due(f.clock.now(), up_to(10));
  ASSERT_TRUE(due);
  EXPECT_EQ(ids_of(*due).size(), 3u);
}

TEST(Claim, NoWorkNotificationWhenNothingHappens) {
  WorkSignal work;  // outlives the store, which calls it
  Fixture f;
  f.store->set_work_listener([&] { work.bump(); });
  EXPECT_FALSE(work.wait_past(work.count(), std::chrono::milliseconds(1)));
}

TEST(Claim, ConcurrentClaimsNeverShareARecipient) {
  WorkSignal work;  // outlives the store, which calls it
  Fixture f;
  constexpr int kMessages = 60;
  for (int i = 0; i < kMessages; ++i) f.enqueue();
  std::mutex mutex;
  std::map<std::int64_t, int> claimed_times;
  std::vector<std::thread> workers;
  std::atomic<bool> failed{false};
  f.store->set_work_listener([&] { work.bump(); });
  for (int w = 0; w < 4; ++w) {
    workers.emplace_back([&] {
      for (;;) {
        const std::uint64_t generation = work.count();
        auto jobs = f.store->claim_due(f.clock.now(), up_to(3));
        if (!jobs) {
          failed = true;
          return;
        }
        if (jobs->empty()) {
          // Nothing unleased is due: finished once every recipient was claimed, otherwise wait
          // for another worker's results to commit.
          {
            std::lock_guard lock(mutex);
            if (claimed_times.size() == kMessages * 3u) return;
          }
          work.wait_past(generation, std::chrono::milliseconds(100));
          continue;
        }
        std::vector<RecipientResult> results;
        {
          std::lock_guard lock(mutex);
          for (auto id : ids_of(*jobs)) {
            ++claimed_times[id];
            results.push_back({id, RecipientState::delivered, 0, "250"});
          }
        }
        if (!record_and_wait(*f.store, results)) failed = true;
      }
    });
  }
  for (auto& w : workers) w.join();
  EXPECT_FALSE(failed);
  ASSERT_EQ(claimed_times.size(), kMessages * 3u);
  for (const auto& [id, times] : claimed_times) EXPECT_EQ(times, 1) << "recipient " << id;
  EXPECT_EQ(f.store->stats().purged, static_cast<std::uint64_t>(kMessages));
  EXPECT_EQ(testing::query_int(f.dir.db(), "SELECT count(*) FROM messages"), 0);
}

}  // namespace
}  // namespace stsrelay::queue
