// The report lease of a fleet (tlsrpt/report_lease.hpp): take, renew, wait, take over and done,
// as a table, and a handover played on a FakeClock: node a takes the report, dies, and node b
// takes it over once a's term is over, and only then.
#include <gtest/gtest.h>

#include "fake_clock.hpp"
#include "tlsrpt/report_lease.hpp"

namespace stsrelay::tlsrpt {
namespace {

using namespace std::chrono_literals;

const core::SysTime kNow = core::from_unix(1'800'000'000);

struct Row {
  const char* name;
  std::optional<ReportLease> current;
  const char* node;
  LeaseAction want;
};

TEST(ReportLease, DecisionTable) {
  const std::vector<Row> rows = {
      {"no lease: take", std::nullopt, "a", LeaseAction::take},
      {"ours, building: renew", ReportLease{"a", kNow + 60s, LeaseState::building}, "a",
       LeaseAction::renew},
      {"ours, expired: renew (our own restart)", ReportLease{"a", kNow - 60s, LeaseState::built},
       "a", LeaseAction::renew},
      {"another's, running: wait", ReportLease{"b", kNow + 1s, LeaseState::building}, "a",
       LeaseAction::wait},
      {"another's, built and sending: wait", ReportLease{"b", kNow + 600s, LeaseState::built},
       "a", LeaseAction::wait},
      {"another's, ends now: take over", ReportLease{"b", kNow, LeaseState::building}, "a",
       LeaseAction::take_over},
      {"another's, expired while building: take over",
       ReportLease{"b", kNow - 1s, LeaseState::building}, "a", LeaseAction::take_over},
      {"another's, expired while sending: take over",
       ReportLease{"b", kNow - 3600s, LeaseState::built}, "a", LeaseAction::take_over},
      {"sent by another: done", ReportLease{"b", kNow - 3600s, LeaseState::sent}, "a",
       LeaseAction::done},
      {"sent by us: done", ReportLease{"a", kNow + 60s, LeaseState::sent}, "a",
       LeaseAction::done},
      {"names compare exactly", ReportLease{"A", kNow + 60s, LeaseState::building}, "a",
       LeaseAction::wait},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    const LeaseAction got = decide_lease(row.current, row.node, kNow);
    EXPECT_EQ(to_string(got), to_string(row.want));
    const auto after = apply_lease(row.current, got, row.node, kNow, 120s);
    if (holds(got)) {
      ASSERT_TRUE(after.has_value());
      EXPECT_EQ(after->node, row.node);
      EXPECT_EQ(after->until, kNow + 120s);
      const LeaseState kept = got == LeaseAction::renew ? row.current->state : LeaseState::building;
      EXPECT_EQ(after->state, kept);
    } else {
      EXPECT_EQ(after.has_value(), row.current.has_value());
      if (after) EXPECT_EQ(after->node, row.current->node);
    }
  }
}

TEST(ReportLease, StatesRoundTrip) {
  for (LeaseState s : {LeaseState::building, LeaseState::built, LeaseState::sent}) {
    EXPECT_EQ(parse_lease_state(to_string(s)), s);
  }
  EXPECT_FALSE(parse_lease_state("claimed").has_value());
  EXPECT_FALSE(parse_lease_state("").has_value());
}

// Node a takes the report and dies; node b waits out a's term on the clock and takes over,
// once: node c, coming later, finds b's lease and waits; b's sent report is done for all.
TEST(ReportLease, HandoverOnAFakeClock) {
  stsrelay::testing::FakeClock clock(kNow);
  const auto term = 120s;
  std::optional<ReportLease> lease;
  auto step = [&](const char* node) {
    const LeaseAction action = decide_lease(lease, node, clock.now());
    lease = apply_lease(lease, action, node, clock.now(), term);
    return action;
  };
  EXPECT_EQ(step("a"), LeaseAction::take);
  lease->state = LeaseState::built;  // a stored the report and began sending; then SIGKILL
  clock.advance(60s);
  EXPECT_EQ(step("b"), LeaseAction::wait);
  clock.advance(59s);
  EXPECT_EQ(step("b"), LeaseAction::wait);
  clock.advance(1s);
  EXPECT_EQ(step("b"), LeaseAction::take_over);
  EXPECT_EQ(lease->node, "b");
  EXPECT_EQ(lease->state, LeaseState::building);
  EXPECT_EQ(step("c"), LeaseAction::wait);
  clock.advance(30s);
  EXPECT_EQ(step("b"), LeaseAction::renew);  // before each send
  EXPECT_EQ(lease->until, clock.now() + term);
  lease->state = LeaseState::sent;
  clock.advance(3600s);
  EXPECT_EQ(step("c"), LeaseAction::done);
  EXPECT_EQ(step("a"), LeaseAction::done);  // a, restarted, does not send it again
}

}  // namespace
}  // namespace stsrelay::tlsrpt
