// The delivery agent end to end over the in-memory queue and scripted MX hosts: due work is
// claimed, delivered and recorded, counted for the metrics, new work wakes the scheduler, and a
// stop abandons (unrecorded) a job that does not finish within its grace.
#include "src/delivery/delivery_agent.hpp"

#include <gtest/gtest.h>

#include <optional>

#include "delivery_fixture.hpp"

namespace stsrelay::delivery {
namespace {

using namespace testing;

class Agent : public DeliveryFixture {
 protected:
  DeliverySettings agent_settings() {
    DeliverySettings s = settings();
    s.ca_file = (dir_.path() / "ca.pem").string();
    return s;
  }

  std::optional<std::size_t> stop(DeliveryAgent& agent, std::chrono::milliseconds grace) {
    std::optional<std::size_t> abandoned;
    agent.async_stop(grace, [&abandoned](std::size_t n) { abandoned = n; });
    EXPECT_TRUE(wait_until([&] { return abandoned.has_value(); }));
    return abandoned;
  }
};

TEST_F(Agent, DeliversDueWorkAndCountsTheAttempt) {
  only_mx1();
  auto mx1 = serve("mx1", {tls_session()});
  store_.due.push_back(job());
  DeliveryAgent agent(io_, store_, dns_, clock_, agent_settings());
  ASSERT_TRUE(agent.start().ok());
  ASSERT_TRUE(wait_until([&] { return store_.records == 1 && mx1->finished; })) << mx1->error;
  ASSERT_NE(store_.result_of(1), nullptr);
  EXPECT_EQ(store_.result_of(1)->state, queue::RecipientState::delivered);
  const auto counts = agent.attempt_counts();
  ASSERT_EQ(counts.size(), 1u);
  EXPECT_EQ(counts.begin()->first, (AttemptKey{"sent", "verified", "no-policy"}));
  EXPECT_EQ(counts.begin()->second, 1u);
  EXPECT_EQ(stop(agent, 1000ms), 0u);
}

TEST_F(Agent, NewWorkWakesTheScheduler) {
  only_mx1();
  auto mx1 = serve("mx1", {plain_session()});
  DeliveryAgent agent(io_, store_, dns_, clock_, agent_settings());
  ASSERT_TRUE(agent.start().ok());
  std::optional<bool> scheduling;
  agent.async_check([&scheduling](bool s) { scheduling = s; });
  ASSERT_TRUE(wait_until([&] { return scheduling.has_value(); }));
  EXPECT_TRUE(*scheduling);
  EXPECT_EQ(store_.records, 0u);
  store_.due.push_back(job());
  store_.wake();
  ASSERT_TRUE(wait_until([&] { return store_.records == 1; }));
  EXPECT_EQ(store_.result_of(1)->state, queue::RecipientState::delivered);
  EXPECT_EQ(stop(agent, 1000ms), 0u);
}

TEST_F(Agent, StopAbandonsAJobBeyondItsGraceUnrecorded) {
  only_mx1();
  auto mx1 = serve("mx1", {{fake::stall()}});  // accepts, never greets
  store_.due.push_back(job());
  DeliveryAgent agent(io_, store_, dns_, clock_, agent_settings());
  ASSERT_TRUE(agent.start().ok());
  ASSERT_TRUE(wait_until([&] { return mx1->connections == 1; }));
  EXPECT_EQ(stop(agent, 10ms), 1u);
  EXPECT_EQ(store_.records, 0u);  // the recipient stays pending on disk
}

}  // namespace
}  // namespace stsrelay::delivery
