// PolicyRefresher: which cached policies a sweep refreshes (RFC 8461 §10.2), the count of
// failures in a row and the alert it logs, and the timer that runs the sweeps.
#include "sts/policy_refresher.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>

#include <filesystem>
#include <sstream>

#include "fake_clock.hpp"
#include "fake_policy_source.hpp"
#include "fake_resolver.hpp"
#include "policy_cache_fixture.hpp"
#include "sts/policy_parser.hpp"

namespace stsrelay::sts {
namespace {

using namespace std::chrono_literals;

constexpr const char* kEnforce =
    "version: STSv1\nmode: enforce\nmx: mx1.example.com\nmax_age: 86400\n";

class PolicyRefresherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cache_ = dir_.open();
    ASSERT_NE(cache_, nullptr);
    resolver_ = std::make_unique<PolicyResolver>(dns_, source_, *cache_, clock_);
    refresher_ = std::make_unique<PolicyRefresher>(io_.get_executor(), *resolver_, *cache_,
                                                   clock_, PolicyRefresherSettings{1ms, {}, {}});
  }
  void TearDown() override {
    refresher_.reset();
    resolver_.reset();
    cache_.reset();
  }

  PolicyFetchResult served(const char* text) {
    auto policy = parse_policy(text);
    EXPECT_TRUE(policy.ok());
    return FetchedPolicy{policy.ok() ? *policy : Policy{}, net::HttpProtocol::h2, "peer"};
  }

  testing::CacheDir dir_;
  boost::asio::io_context io_;
  testing::FakeResolver dns_;
  testing::FakePolicySource source_;
  testing::FakeClock clock_;
  std::unique_ptr<PolicyCache> cache_;
  std::unique_ptr<PolicyResolver> resolver_;
  std::unique_ptr<PolicyRefresher> refresher_;
};

TEST_F(PolicyRefresherTest, SweepRefreshesOnlyPoliciesPastTheirRefreshPoint) {
  const core::SysTime t0 = clock_.now();
  ASSERT_TRUE(cache_->store_policy("a.example.com", "a1", kEnforce, t0).ok());
  ASSERT_TRUE(cache_->store_policy("b.example.com", "b1", kEnforce, t0 + 10h).ok());
  ASSERT_TRUE(cache_->store_policy("c.example.com", "c1", kEnforce, t0 - 48h).ok());  // expired
  clock_.advance(12h);
  source_.reply = served(kEnforce);
  EXPECT_EQ(refresher_->sweep(), 1u);
  EXPECT_EQ(source_.requests, (std::vector<std::string>{"a.example.com"}));
  auto state = cache_->load("a.example.com");
  ASSERT_TRUE(state.ok());
  ASSERT_TRUE(state->cached.has_value());
  EXPECT_EQ(state->cached->fetched_at, clock_.now());
  EXPECT_EQ(state->cached->id, "a1");  // no TXT record: refreshed under the cached id
  EXPECT_EQ(refresher_->sweep(), 0u);  // refreshed: not due again
}

// Sends the default logger's lines to `out` while it lives.
class LogCapture {
 public:
  explicit LogCapture(std::ostringstream& out) : previous_(spdlog::default_logger()) {
    auto capture = std::make_shared<spdlog::logger>(
        "capture", std::make_shared<spdlog::sinks::ostream_sink_mt>(out));
    capture->set_level(spdlog::level::info);
    spdlog::set_default_logger(capture);
  }
  ~LogCapture() { spdlog::set_default_logger(previous_); }

 private:
  std::shared_ptr<spdlog::logger> previous_;
};

TEST_F(PolicyRefresherTest, ARefreshThatKeepsFailingIsAnAlert) {
  std::ostringstream log;
  LogCapture capture(log);

  ASSERT_TRUE(cache_->store_policy("example.com", "v1", kEnforce, clock_.now()).ok());
  clock_.advance(13h);
  source_.reply = PolicyFetchFailure{FetchError::connect, ResultType::sts_policy_fetch_error,
                                     "connection refused"};
  EXPECT_EQ(refresher_->sweep(), 1u);
  EXPECT_EQ(refresher_->consecutive_failures("example.com"), 1u);
  EXPECT_EQ(log.str().find("mta-sts alert"), std::string::npos);

  EXPECT_EQ(refresher_->sweep(), 0u);  // §3.3: the same id waits 5 minutes
  clock_.advance(5min);
  EXPECT_EQ(refresher_->sweep(), 1u);
  EXPECT_EQ(refresher_->consecutive_failures("example.com"), 2u);
  EXPECT_NE(log.str().find("mta-sts alert: policy refresh keeps failing domain=example.com"),
            std::string::npos)
      << log.str();
  // The cached policy still applies to deliveries.
  std::optional<PolicyLookup> got;
  resolver_->resolve("example.com", [&](PolicyLookup l) { got = std::move(l); });
  ASSERT_TRUE(got && got->has_policy());
  EXPECT_EQ(got->entry->policy.mode, Mode::enforce);

  clock_.advance(5min);
  source_.reply = served(kEnforce);
  EXPECT_EQ(refresher_->sweep(), 1u);
  EXPECT_EQ(refresher_->consecutive_failures("example.com"), 0u);
}

TEST_F(PolicyRefresherTest, TimerRunsSweepsUntilStopped) {
  ASSERT_TRUE(cache_->store_policy("example.com", "v1", kEnforce, clock_.now()).ok());
  clock_.advance(13h);
  source_.reply = served(kEnforce);
  refresher_->start();
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (source_.requests.empty() && std::chrono::steady_clock::now() < deadline) {
    io_.run_one_for(100ms);
  }
  EXPECT_EQ(source_.requests.size(), 1u);
  refresher_->stop();
  io_.run_for(10s);  // returns as soon as the cancelled timer is gone
  EXPECT_TRUE(io_.stopped());
  EXPECT_EQ(source_.requests.size(), 1u);
}

}  // namespace
}  // namespace stsrelay::sts
