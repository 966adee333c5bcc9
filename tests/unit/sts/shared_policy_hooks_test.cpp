// The hooks the fleet's shared policy cache uses (shared_policy_sync.hpp), over a fake DNS, a
// fake policy source, a fake clock and a real sts.db: PolicyResolver::adopt() keeps a peer's copy
// only when it wins (merge_policy), the stored observer sees every successful fetch and no
// failed one, and the refresher's gate chooses which due domains this node refreshes.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include <optional>
#include <string>
#include <vector>

#include "fake_clock.hpp"
#include "fake_policy_source.hpp"
#include "fake_resolver.hpp"
#include "policy_cache_fixture.hpp"
#include "sts/policy_parser.hpp"
#include "sts/policy_refresher.hpp"
#include "sts/policy_resolver.hpp"

namespace stsrelay::sts {
namespace {

using namespace std::chrono_literals;
using testing::FakeResolver;

constexpr const char* kDomain = "example.com";
constexpr const char* kEnforce =
    "version: STSv1\nmode: enforce\nmx: mx1.example.com\nmax_age: 86400\n";

CachedPolicy copy(const char* id, core::SysTime fetched_at) {
  auto policy = parse_policy(kEnforce);
  EXPECT_TRUE(policy.ok());
  return CachedPolicy{*policy, id, fetched_at, fetched_at + 24h};
}

class SharedPolicyHooksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cache_ = dir_.open();
    ASSERT_NE(cache_, nullptr);
    resolver_ = std::make_unique<PolicyResolver>(dns_, source_, *cache_, clock_);
  }

  void publish_txt(const std::string& id) {
    dns_.txt["_mta-sts.example.com"] =
        FakeResolver::answer<net::TxtRecord>({{"v=STSv1; id=" + id + ";"}});
  }

  PolicyLookup resolve() {
    std::optional<PolicyLookup> got;
    resolver_->resolve(kDomain, [&](PolicyLookup l) { got = std::move(l); });
    EXPECT_TRUE(got.has_value());
    return got ? std::move(*got) : PolicyLookup{};
  }

  testing::CacheDir dir_;
  FakeResolver dns_;
  testing::FakePolicySource source_;
  testing::FakeClock clock_;
  std::unique_ptr<PolicyCache> cache_;
  std::unique_ptr<PolicyResolver> resolver_;
};

TEST_F(SharedPolicyHooksTest, APeersPolicyEnforcesWithoutAFetch) {
  const core::SysTime t0 = core::from_unix(core::to_unix(clock_.now()));
  ASSERT_EQ(resolver_->adopt("Example.COM.", copy("v1", t0)).value(), true);
  publish_txt("v1");
  const PolicyLookup l = resolve();
  ASSERT_TRUE(l.has_policy());
  EXPECT_EQ(l.entry->id, "v1");
  EXPECT_EQ(l.policy()->mode, Mode::enforce);
  EXPECT_EQ(l.origin, PolicyOrigin::cache);
  EXPECT_TRUE(source_.requests.empty());
  // In sts.db too: a restart keeps it.
  auto state = cache_->load(kDomain);
  ASSERT_TRUE(state.ok() && state->cached);
  EXPECT_EQ(state->cached->id, "v1");
  EXPECT_EQ(state->cached->fetched_at, t0);
}

TEST_F(SharedPolicyHooksTest, AnOlderOrExpiredCopyIsNotAdopted) {
  const core::SysTime t0 = core::from_unix(core::to_unix(clock_.now()));
  ASSERT_TRUE(cache_->store_policy(kDomain, "v2", kEnforce, t0).ok());
  EXPECT_EQ(resolver_->adopt(kDomain, copy("v1", t0 - 1h)).value(), false);
  EXPECT_EQ(resolver_->adopt(kDomain, copy("v2", t0)).value(), false);
  EXPECT_EQ(resolver_->adopt("other.example", copy("v1", t0 - 25h)).value(), false);
  EXPECT_EQ(cache_->load(kDomain)->cached->id, "v2");
  EXPECT_FALSE(cache_->load("other.example")->cached.has_value());
  // Newer: adopted.
  EXPECT_EQ(resolver_->adopt(kDomain, copy("v3", t0 + 1h)).value(), true);
  EXPECT_EQ(cache_->load(kDomain)->cached->id, "v3");
}

TEST_F(SharedPolicyHooksTest, TheObserverSeesSuccessfulFetchesOnly) {
  std::vector<std::string> seen;
  resolver_->set_stored_observer(
      [&](const std::string& domain, const CachedPolicy& p, const std::string& text) {
        seen.push_back(domain + " " + p.id + " " + std::to_string(text.size()));
      });
  publish_txt("v1");
  source_.reply = PolicyFetchFailure{FetchError::connect,
                                     result_type_of(FetchError::connect, false), "refused"};
  EXPECT_FALSE(resolve().has_policy());
  EXPECT_TRUE(seen.empty());
  clock_.advance(6min);  // past the 5-minute rule of §3.3
  auto policy = parse_policy(kEnforce);
  ASSERT_TRUE(policy.ok());
  source_.reply = FetchedPolicy{*policy, net::HttpProtocol::h2, "peer"};
  EXPECT_TRUE(resolve().has_policy());
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0], "example.com v1 " + std::to_string(std::string(kEnforce).size()));
}

TEST_F(SharedPolicyHooksTest, TheGateChoosesWhichDueDomainsThisNodeRefreshes) {
  boost::asio::io_context io;
  const core::SysTime t0 = clock_.now();
  ASSERT_TRUE(cache_->store_policy("a.example", "a1", kEnforce, t0).ok());
  ASSERT_TRUE(cache_->store_policy("b.example", "b1", kEnforce, t0).ok());
  clock_.advance(13h);
  auto policy = parse_policy(kEnforce);
  ASSERT_TRUE(policy.ok());
  source_.reply = FetchedPolicy{*policy, net::HttpProtocol::h2, "peer"};
  std::vector<std::string> offered;
  PolicyRefresherSettings settings{1min, {}, {}};
  settings.gate = [&](std::vector<std::string> due,
                      std::function<void(std::vector<std::string>)> go) {
    offered = due;
    go({"b.example"});  // a peer holds a.example's lease
  };
  PolicyRefresher refresher(io.get_executor(), *resolver_, *cache_, clock_, settings);
  EXPECT_EQ(refresher.sweep(), 2u);
  EXPECT_EQ(offered, (std::vector<std::string>{"a.example", "b.example"}));
  EXPECT_EQ(source_.requests, (std::vector<std::string>{"b.example"}));
}

}  // namespace
}  // namespace stsrelay::sts
