// The pure job state: each step's fates applied to the pending recipients, the recipients the
// policy left undecided, the queue lifetime, and the queue records at the end. Tables; `now` is
// always an argument.
#include "src/delivery/job_state.hpp"

#include <gtest/gtest.h>

namespace stsrelay::delivery {
namespace {

using std::chrono::seconds;

const core::SysTime kReceived = core::from_unix(1'000'000);
const seconds kLifetime{3600};

queue::DeliveryJob job_of(std::size_t n) {
  queue::DeliveryJob job;
  job.message_id = "Q1";
  job.domain = "example.test";
  job.envelope.sender = "alice@example.org";
  job.received_at = core::to_unix(kReceived);
  for (std::size_t i = 0; i < n; ++i) {
    const std::string address = "r" + std::to_string(i) + "@example.test";
    job.envelope.recipients.push_back({address, 0, ""});
    queue::RecipientRecord r;
    r.id = static_cast<std::int64_t>(100 + i);
    r.address = address;
    r.attempts = static_cast<int>(i);
    job.recipients.push_back(r);
  }
  return job;
}

const RecipientFate kSent{Fate::delivered, "2.0.0", "250 ok"};
const RecipientFate kNext{Fate::next_host, "4.4.1", "refused"};
const RecipientFate kLater{Fate::deferred, "4.2.0", "450 greylisted"};
const RecipientFate kNoUser{Fate::bounced, "5.1.1", "550 no such user"};
const Relay kMx1{"mx1.example.test", "192.0.2.1", {"TLSv1.3", "verified"}, true};
const Relay kMx2{"mx2.example.test", "192.0.2.2", {}, true};

TEST(JobState, StartsWithEveryRecipientPendingAndUntried) {
  const JobState st = start_job(job_of(3));
  EXPECT_EQ(st.pending, (std::vector<std::size_t>{0, 1, 2}));
  ASSERT_EQ(st.fates.size(), 3u);
  EXPECT_EQ(st.fates[2], (RecipientFate{Fate::deferred, "4.4.0", "no delivery target was tried"}));
  EXPECT_FALSE(st.relays[0].connected);
  EXPECT_EQ(recipient_ids(st.job), (std::vector<std::int64_t>{100, 101, 102}));
}

TEST(JobState, EachStepDecidesThePendingRecipients) {
  struct Row {
    const char* name;
    std::vector<std::vector<RecipientFate>> steps;  // one per host, for the pending ones
    std::vector<Fate> fates;                        // per recipient afterwards
    std::vector<std::size_t> pending;
    std::vector<std::string> hosts;  // relay of each recipient ("" untouched)
  };
  const Row rows[] = {
      {"one host takes all", {{kSent, kSent, kSent}},
       {Fate::delivered, Fate::delivered, Fate::delivered}, {}, {"mx1", "mx1", "mx1"}},
      {"mixed replies on one host", {{kSent, kNoUser, kLater}},
       {Fate::delivered, Fate::bounced, Fate::deferred}, {}, {"mx1", "mx1", "mx1"}},
      {"next host keeps them pending", {{kNext, kNext, kNext}},
       {Fate::next_host, Fate::next_host, Fate::next_host}, {0, 1, 2}, {"mx1", "mx1", "mx1"}},
      {"the second host gets only those still pending", {{kSent, kNext, kNext}, {kNoUser, kSent}},
       {Fate::delivered, Fate::bounced, Fate::delivered}, {}, {"mx1", "mx2", "mx2"}},
      {"a step with fewer fates leaves the rest alone", {{kSent}},
       {Fate::delivered, Fate::deferred, Fate::deferred}, {}, {"mx1", "", ""}},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    JobState st = start_job(job_of(3));
    for (std::size_t s = 0; s < row.steps.size(); ++s) {
      apply(st, row.steps[s], s == 0 ? kMx1 : kMx2);
    }
    for (std::size_t i = 0; i < 3; ++i) {
      EXPECT_EQ(st.fates[i].fate, row.fates[i]) << i;
      const std::string host = row.hosts[i].empty() ? "" : row.hosts[i] + ".example.test";
      EXPECT_EQ(st.relays[i].host, host) << i;
    }
    EXPECT_EQ(st.pending, row.pending);
  }
}

TEST(JobState, PendingEnvelopeHoldsOnlyThePendingRecipients) {
  JobState st = start_job(job_of(3));
  apply(st, {kNext, kSent, kNext}, kMx1);
  const core::Envelope env = pending_envelope(st);
  EXPECT_EQ(env.sender, "alice@example.org");
  ASSERT_EQ(env.recipients.size(), 2u);
  EXPECT_EQ(env.recipients[0].address, "r0@example.test");
  EXPECT_EQ(env.recipients[1].address, "r2@example.test");
}

TEST(JobState, ApplyAllGivesEveryPendingRecipientOneFate) {
  JobState st = start_job(job_of(2));
  apply(st, {kSent, kNext}, kMx1);
  apply_all(st, kLater, kMx2);
  EXPECT_EQ(st.fates[0], kSent);
  EXPECT_EQ(st.fates[1], kLater);
  EXPECT_EQ(st.relays[1].host, "mx2.example.test");
  EXPECT_TRUE(st.pending.empty());
}

TEST(JobState, RecipientsTheAbandonedHostsLeftAreSettledWithThePolicyReply) {
  const sts::DeferReply reply{451, "4.7.5", "mx1.example.test: certificate not trusted"};
  struct Row {
    const char* name;
    std::optional<sts::DeferReply> reply;
    bool dry_run;
    bool all_pending;  // false: the host took them
    RecipientFate expected;
  };
  const Row rows[] = {
      {"deferred with the 4.7.x reply", reply, false, true,
       {Fate::deferred, "4.7.5", "451 4.7.5 mx1.example.test: certificate not trusted"}},
      {"a dry run records what it would do", reply, true, true,
       {Fate::dry_run, "4.7.5",
        "dry run: would defer: 451 4.7.5 mx1.example.test: certificate not trusted"}},
      {"no abandoned host: unchanged", std::nullopt, false, true, kNext},
      {"nothing pending: unchanged", reply, false, false, kSent},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    JobState st = start_job(job_of(1));
    apply(st, {row.all_pending ? kNext : kSent}, kMx1);
    st.last_abandoned = kMx2;
    settle_abandoned(st, row.reply, row.dry_run);
    EXPECT_EQ(st.fates[0], row.expected);
    if (row.reply && row.all_pending) {
      EXPECT_EQ(st.relays[0].host, "mx2.example.test");
    }
  }
}

TEST(JobState, LifetimeAndQueueRecords) {
  const queue::RetrySchedule schedule{{seconds(60), seconds(600)}, 0.0};
  struct Row {
    const char* name;
    RecipientFate fate;
    seconds age;
    bool would_bounce;
    queue::RecipientState state;
    std::string dsn;
    seconds next_attempt;  // after now, for deferrals
  };
  const Row rows[] = {
      {"delivered", kSent, seconds(10), false, queue::RecipientState::delivered, "2.0.0", {}},
      {"young deferral: first step", kLater, seconds(10), false, queue::RecipientState::deferred,
       "4.2.0", seconds(60)},
      {"next host, none left: a deferral", kNext, seconds(10), false,
       queue::RecipientState::deferred, "4.4.1", seconds(60)},
      {"deferral at the lifetime bounces", kLater, kLifetime, true,
       queue::RecipientState::bounced, "5.4.7", {}},
      {"bounce stays", kNoUser, seconds(10), false, queue::RecipientState::bounced, "5.1.1", {}},
      {"dry run", {Fate::dry_run, "2.0.0", "dry run"}, seconds(10), false,
       queue::RecipientState::dry_run, "2.0.0", {}},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    JobState st = start_job(job_of(1));
    apply(st, {row.fate}, kMx1);
    const core::SysTime now = kReceived + row.age;
    EXPECT_EQ(would_bounce(st, kLifetime, now), row.would_bounce);
    const auto finals = final_fates(st, kLifetime, now);
    ASSERT_EQ(finals.size(), 1u);
    EXPECT_EQ(finals[0].dsn, row.dsn);
    int draws = 0;
    const auto results = queue_results(st, finals, schedule, now, [&draws] {
      ++draws;
      return 0.5;
    });
    ASSERT_EQ(results.size(), 1u);
    EXPECT_EQ(draws, 1);
    EXPECT_EQ(results[0].recipient_id, 100);
    EXPECT_EQ(results[0].state, row.state);
    EXPECT_EQ(results[0].last_reply, finals[0].reply);
    if (row.state == queue::RecipientState::deferred) {
      EXPECT_EQ(results[0].next_attempt_at, core::to_unix(now + row.next_attempt));
    }
  }
}

TEST(JobState, RetryStepFollowsEachRecipientsAttempts) {
  const queue::RetrySchedule schedule{{seconds(60), seconds(600)}, 0.0};
  JobState st = start_job(job_of(2));  // attempts 0 and 1
  apply_all(st, kLater, kMx1);
  const core::SysTime now = kReceived + seconds(5);
  const auto results =
      queue_results(st, final_fates(st, kLifetime, now), schedule, now, [] { return 0.5; });
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].next_attempt_at, core::to_unix(now + seconds(60)));
  EXPECT_EQ(results[1].next_attempt_at, core::to_unix(now + seconds(600)));
}

}  // namespace
}  // namespace stsrelay::delivery
