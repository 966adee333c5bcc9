// PolicyResolver: the rules of RFC 8461 §3.3, §5.1 and §10.2 carried out over a fake DNS, a
// fake policy source, a fake clock and a real sts.db in a temporary directory. Each test asserts
// on effects: which policy was answered, whether a fetch happened, what survived a reopen.
#include "sts/policy_resolver.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "fake_clock.hpp"
#include "fake_policy_source.hpp"
#include "fake_resolver.hpp"
#include "policy_cache_fixture.hpp"
#include "sts/policy_parser.hpp"
#include "sts/policy_resolver_await.hpp"

namespace stsrelay::sts {
namespace {

using namespace std::chrono_literals;
using testing::FakeResolver;

constexpr const char* kDomain = "example.com";
constexpr const char* kTxtName = "_mta-sts.example.com";
constexpr const char* kEnforce =
    "version: STSv1\nmode: enforce\nmx: mx1.example.com\nmx: *.mx.example.com\nmax_age: 86400\n";
constexpr const char* kTesting = "version: STSv1\nmode: testing\nmx: mx2.example.com\nmax_age: 86400\n";

using FakeSource = testing::FakePolicySource;

PolicyFetchResult served(const char* text) {
  auto policy = parse_policy(text);
  EXPECT_TRUE(policy.ok());
  return FetchedPolicy{policy.ok() ? *policy : Policy{}, net::HttpProtocol::h2, "127.0.0.1:443"};
}

PolicyFetchResult failed(FetchError error, bool webpki = false) {
  return PolicyFetchFailure{error, result_type_of(error, webpki), "test failure"};
}

class PolicyResolverTest : public ::testing::Test {
 protected:
  void SetUp() override { reopen(); }

  // A daemon restart: new cache connection, new resolver (empty memory layer).
  void reopen() {
    resolver_.reset();
    cache_.reset();
    cache_ = dir_.open();
    ASSERT_NE(cache_, nullptr);
    resolver_ = std::make_unique<PolicyResolver>(dns_, source_, *cache_, clock_);
  }

  void publish_txt(const std::string& id) {
    dns_.txt[kTxtName] = FakeResolver::answer<net::TxtRecord>({{"v=STSv1; id=" + id + ";"}});
  }

  PolicyLookup resolve() {
    std::optional<PolicyLookup> got;
    resolver_->resolve(kDomain, [&](PolicyLookup l) { got = std::move(l); });
    EXPECT_TRUE(got.has_value());
    return got ? std::move(*got) : PolicyLookup{};
  }

  PolicyLookup refresh(bool ignore_backoff = false) {
    std::optional<PolicyLookup> got;
    resolver_->refresh(kDomain, [&](PolicyLookup l) { got = std::move(l); }, ignore_backoff);
    EXPECT_TRUE(got.has_value());
    return got ? std::move(*got) : PolicyLookup{};
  }

  // Caches kEnforce under id "v1" through one fetch.
  void seed() {
    publish_txt("v1");
    source_.reply = served(kEnforce);
    const PolicyLookup l = resolve();
    ASSERT_EQ(l.origin, PolicyOrigin::fetched) << l.reason;
    source_.requests.clear();
  }

  testing::CacheDir dir_;
  FakeResolver dns_;
  FakeSource source_;
  testing::FakeClock clock_;
  std::unique_ptr<PolicyCache> cache_;
  std::unique_ptr<PolicyResolver> resolver_;
};

TEST_F(PolicyResolverTest, FirstLookupFetchesAndAnswersThePolicy) {
  seed();
  const PolicyLookup l = resolve();
  ASSERT_TRUE(l.has_policy());
  EXPECT_EQ(l.domain, kDomain);
  EXPECT_EQ(l.entry->id, "v1");
  EXPECT_EQ(l.entry->policy.mode, Mode::enforce);
  EXPECT_EQ(l.entry->expires_at - l.entry->fetched_at, 86400s);
  EXPECT_EQ(l.policy()->mx, (std::vector<std::string>{"mx1.example.com", "*.mx.example.com"}));
  EXPECT_EQ(l.policy()->lines.size(), 5u);
  EXPECT_EQ(l.txt_id, "v1");
  EXPECT_FALSE(l.fetch_failure.has_value());
}

TEST_F(PolicyResolverTest, CachedPolicyWithTheSameIdIsUsedWithoutAFetch) {
  seed();
  clock_.advance(1h);
  const PolicyLookup l = resolve();
  EXPECT_EQ(l.origin, PolicyOrigin::cache);
  EXPECT_EQ(l.reason, "cache-hit");
  ASSERT_TRUE(l.has_policy());
  EXPECT_EQ(l.entry->id, "v1");
  EXPECT_TRUE(source_.requests.empty());
  EXPECT_EQ(resolver_->fetches_started(), 1u);
}

TEST_F(PolicyResolverTest, NewTxtIdFetchesTheNewPolicy) {
  seed();
  clock_.advance(1h);
  publish_txt("v2");
  source_.reply = served(kTesting);
  const PolicyLookup l = resolve();
  EXPECT_EQ(l.origin, PolicyOrigin::fetched);
  ASSERT_TRUE(l.has_policy());
  EXPECT_EQ(l.entry->id, "v2");
  EXPECT_EQ(l.entry->policy.mode, Mode::testing);
  EXPECT_EQ(source_.requests, (std::vector<std::string>{kDomain}));
  // The next lookup uses what was stored.
  const PolicyLookup again = resolve();
  EXPECT_EQ(again.origin, PolicyOrigin::cache);
  EXPECT_EQ(again.entry->id, "v2");
}

TEST_F(PolicyResolverTest, NewIdWhoseFetchFailsKeepsTheCachedPolicy) {
  seed();
  clock_.advance(1h);
  publish_txt("v2");
  source_.reply = failed(FetchError::tls, true);
  const PolicyLookup l = resolve();
  EXPECT_EQ(l.origin, PolicyOrigin::cache);
  ASSERT_TRUE(l.has_policy());
  EXPECT_EQ(l.entry->id, "v1");
  EXPECT_EQ(l.entry->policy.mode, Mode::enforce);
  ASSERT_TRUE(l.fetch_failure.has_value());
  EXPECT_EQ(l.fetch_failure->error, FetchError::tls);
  EXPECT_EQ(l.fetch_failure->result_type, ResultType::sts_webpki_invalid);
}

TEST_F(PolicyResolverTest, MissingOrFailedTxtDoesNotDowngradeTheCachedPolicy) {
  struct Row {
    const char* name;
    std::optional<net::DnsResult<net::TxtRecord>> txt;  // nullopt: NXDOMAIN
    const char* reason;
  };
  const std::vector<Row> rows = {
      {"NXDOMAIN", std::nullopt, "txt-absent-keep-cache"},
      {"NODATA", FakeResolver::failure<net::TxtRecord>(net::DnsStatus::nodata),
       "txt-absent-keep-cache"},
      {"SERVFAIL", FakeResolver::failure<net::TxtRecord>(net::DnsStatus::temporary, "SERVFAIL"),
       "txt-failed-keep-cache"},
      {"two records", FakeResolver::answer<net::TxtRecord>({{"v=STSv1; id=a;"}, {"v=STSv1; id=b;"}}),
       "txt-absent-keep-cache"},
      {"malformed", FakeResolver::answer<net::TxtRecord>({{"v=STSv1; id=no good;"}}),
       "txt-absent-keep-cache"},
  };
  seed();
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    if (row.txt) {
      dns_.txt[kTxtName] = *row.txt;
    } else {
      dns_.txt.erase(kTxtName);
    }
    const PolicyLookup l = resolve();
    EXPECT_EQ(l.origin, PolicyOrigin::cache);
    EXPECT_EQ(l.reason, row.reason);
    ASSERT_TRUE(l.has_policy());
    EXPECT_EQ(l.entry->policy.mode, Mode::enforce);
    EXPECT_TRUE(source_.requests.empty());
  }
}

TEST_F(PolicyResolverTest, FetchFailureWithNothingCachedMeansNoPolicyWithTheFailure) {
  struct Row {
    const char* name;
    PolicyFetchResult reply;
    ResultType type;
  };
  const std::vector<Row> rows = {
      {"certificate", failed(FetchError::tls, true), ResultType::sts_webpki_invalid},
      {"handshake", failed(FetchError::tls, false), ResultType::sts_policy_fetch_error},
      {"404", failed(FetchError::http_status), ResultType::sts_policy_fetch_error},
      {"redirect", failed(FetchError::redirect), ResultType::sts_policy_fetch_error},
      {"syntax", failed(FetchError::syntax), ResultType::sts_policy_invalid},
  };
  int n = 0;
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    // A new id each row, so the 5-minute rule of an earlier row does not apply.
    publish_txt("id" + std::to_string(n++));
    source_.reply = row.reply;
    source_.requests.clear();
    const PolicyLookup l = resolve();
    EXPECT_EQ(l.origin, PolicyOrigin::none);
    EXPECT_FALSE(l.has_policy());
    EXPECT_EQ(l.policy(), nullptr);
    ASSERT_TRUE(l.fetch_failure.has_value());
    EXPECT_EQ(l.fetch_failure->result_type, row.type);
    EXPECT_EQ(source_.requests.size(), 1u);
  }
}

TEST_F(PolicyResolverTest, FailedIdIsNotFetchedAgainWithinFiveMinutesEvenAfterARestart) {
  publish_txt("v1");
  source_.reply = failed(FetchError::content_type);
  EXPECT_EQ(resolve().origin, PolicyOrigin::none);
  ASSERT_EQ(source_.requests.size(), 1u);
  auto stored = cache_->load_failure(kDomain);
  ASSERT_TRUE(stored.ok()) << stored.error().message;
  ASSERT_TRUE(stored->has_value());
  EXPECT_EQ((*stored)->id, "v1");
  EXPECT_EQ((*stored)->at, clock_.now());
  EXPECT_EQ((*stored)->reason, std::string(to_string(FetchError::content_type)) + ": test failure");

  clock_.advance(4min);
  const PolicyLookup backoff = resolve();
  EXPECT_EQ(backoff.reason, "fetch-backoff-no-policy");
  EXPECT_FALSE(backoff.has_policy());
  ASSERT_TRUE(backoff.fetch_failure.has_value());  // remembered by this process
  EXPECT_EQ(backoff.fetch_failure->error, FetchError::content_type);
  EXPECT_EQ(source_.requests.size(), 1u);

  reopen();  // sts.db remembers the failure too
  EXPECT_EQ(resolve().reason, "fetch-backoff-no-policy");
  EXPECT_EQ(source_.requests.size(), 1u);

  clock_.advance(1min);
  source_.reply = served(kEnforce);
  const PolicyLookup l = resolve();
  EXPECT_EQ(l.origin, PolicyOrigin::fetched);
  EXPECT_EQ(source_.requests.size(), 2u);
  stored = cache_->load_failure(kDomain);
  ASSERT_TRUE(stored.ok());
  EXPECT_FALSE(stored->has_value());  // the success of the same id cleared it
}

TEST_F(PolicyResolverTest, ConcurrentLookupsShareOneFetch) {
  publish_txt("v1");
  source_.hold = true;
  std::vector<PolicyLookup> answers;
  for (int i = 0; i < 3; ++i) {
    resolver_->resolve(kDomain, [&](PolicyLookup l) { answers.push_back(std::move(l)); });
  }
  resolver_->refresh(kDomain, [&](PolicyLookup l) { answers.push_back(std::move(l)); });
  EXPECT_TRUE(answers.empty());
  ASSERT_EQ(source_.pending.size(), 1u);
  source_.complete(served(kEnforce));
  ASSERT_EQ(answers.size(), 4u);
  for (const PolicyLookup& l : answers) {
    EXPECT_EQ(l.origin, PolicyOrigin::fetched);
    ASSERT_TRUE(l.has_policy());
    EXPECT_EQ(l.entry->policy.mode, Mode::enforce);
  }
  EXPECT_EQ(source_.requests.size(), 1u);
  EXPECT_EQ(resolver_->fetches_started(), 1u);
  // The shared fetch failing answers every waiter with the failure.
  publish_txt("v2");
  answers.clear();
  resolver_->resolve(kDomain, [&](PolicyLookup l) { answers.push_back(std::move(l)); });
  resolver_->resolve(kDomain, [&](PolicyLookup l) { answers.push_back(std::move(l)); });
  ASSERT_EQ(source_.pending.size(), 1u);
  source_.complete(failed(FetchError::timeout));
  ASSERT_EQ(answers.size(), 2u);
  for (const PolicyLookup& l : answers) {
    EXPECT_EQ(l.origin, PolicyOrigin::cache);
    EXPECT_EQ(l.entry->id, "v1");
    ASSERT_TRUE(l.fetch_failure.has_value());
    EXPECT_EQ(l.fetch_failure->error, FetchError::timeout);
  }
}

TEST_F(PolicyResolverTest, CachedPolicySurvivesARestartWithTheHttpsHostAndTxtGone) {
  seed();
  reopen();
  source_.reply = failed(FetchError::connect);
  clock_.advance(2h);
  PolicyLookup l = resolve();
  EXPECT_EQ(l.origin, PolicyOrigin::cache);
  ASSERT_TRUE(l.has_policy());
  EXPECT_EQ(l.entry->id, "v1");
  EXPECT_EQ(l.entry->policy.mode, Mode::enforce);
  EXPECT_TRUE(source_.requests.empty());

  dns_.txt.erase(kTxtName);
  reopen();
  l = resolve();
  ASSERT_TRUE(l.has_policy());
  EXPECT_EQ(l.entry->policy.mode, Mode::enforce);
  EXPECT_TRUE(source_.requests.empty());
}

TEST_F(PolicyResolverTest, ExpiredPolicyIsNotUsed) {
  seed();
  clock_.advance(86400s + 1s);
  source_.reply = failed(FetchError::dns);
  PolicyLookup l = resolve();  // TXT still there: fetch, fails, nothing usable
  EXPECT_EQ(l.reason, "expired");
  EXPECT_FALSE(l.has_policy());
  EXPECT_TRUE(l.fetch_failure.has_value());
  dns_.txt.erase(kTxtName);
  l = resolve();  // §3.1: no record and nothing unexpired: the domain left MTA-STS
  EXPECT_EQ(l.reason, "no-record");
  EXPECT_FALSE(l.has_policy());
}

TEST_F(PolicyResolverTest, PastTheRefreshPointTheCacheAnswersAndAFetchRunsInTheBackground) {
  seed();
  clock_.advance(12h);  // half of max_age
  source_.hold = true;
  const PolicyLookup l = resolve();
  EXPECT_EQ(l.origin, PolicyOrigin::cache);
  EXPECT_EQ(l.reason, "refresh");
  ASSERT_EQ(source_.pending.size(), 1u);
  const auto first_fetch = l.entry->fetched_at;

  source_.complete(served(kEnforce));
  const PolicyLookup after = resolve();
  EXPECT_EQ(after.origin, PolicyOrigin::cache);
  EXPECT_EQ(after.reason, "cache-hit");
  EXPECT_EQ(after.entry->fetched_at - first_fetch, 12h);
}

TEST_F(PolicyResolverTest, RefreshFetchesWhateverTheCacheSays) {
  seed();
  dns_.txt.erase(kTxtName);  // §10.2: refreshed under the cached id
  source_.reply = served(kTesting);
  PolicyLookup l = refresh();
  EXPECT_EQ(l.origin, PolicyOrigin::fetched);
  EXPECT_EQ(l.entry->id, "v1");
  EXPECT_EQ(l.entry->policy.mode, Mode::testing);
  EXPECT_EQ(source_.requests.size(), 1u);

  // A failed refresh keeps the cached policy; the next one within 5 minutes waits, unless the
  // administrator insists.
  source_.reply = failed(FetchError::http_status);
  l = refresh();
  EXPECT_EQ(l.origin, PolicyOrigin::cache);
  EXPECT_EQ(l.entry->policy.mode, Mode::testing);
  ASSERT_TRUE(l.fetch_failure.has_value());
  EXPECT_EQ(source_.requests.size(), 2u);
  l = refresh();
  EXPECT_EQ(l.reason, "fetch-backoff-keep-cache");
  EXPECT_EQ(source_.requests.size(), 2u);
  l = refresh(true);
  EXPECT_EQ(l.reason, "refresh");
  EXPECT_EQ(source_.requests.size(), 3u);
}

TEST_F(PolicyResolverTest, RefreshWithoutTxtOrCacheHasNoPolicy) {
  PolicyLookup l = refresh();
  EXPECT_EQ(l.reason, "no-record");
  EXPECT_FALSE(l.has_policy());
  dns_.txt[kTxtName] = FakeResolver::failure<net::TxtRecord>(net::DnsStatus::temporary, "timeout");
  l = refresh();
  EXPECT_EQ(l.reason, "txt-failed");
  EXPECT_FALSE(l.has_policy());
  EXPECT_TRUE(source_.requests.empty());
}

TEST_F(PolicyResolverTest, DomainIsNormalisedAndAnInvalidOneHasNoPolicy) {
  seed();
  std::optional<PolicyLookup> got;
  resolver_->resolve("EXAMPLE.com.", [&](PolicyLookup l) { got = std::move(l); });
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->domain, kDomain);
  EXPECT_EQ(got->origin, PolicyOrigin::cache);

  got.reset();
  resolver_->resolve("not a domain", [&](PolicyLookup l) { got = std::move(l); });
  ASSERT_TRUE(got.has_value());
  EXPECT_FALSE(got->has_policy());
  EXPECT_EQ(got->reason.rfind("invalid-domain", 0), 0u) << got->reason;
}

TEST_F(PolicyResolverTest, AwaitableAdapterCompletesOnTheCallersExecutor) {
  seed();
  boost::asio::io_context io;
  std::optional<PolicyLookup> got;
  boost::asio::co_spawn(
      io,
      [&]() -> boost::asio::awaitable<void> {
        got = co_await async_resolve_policy(*resolver_, kDomain, boost::asio::use_awaitable);
      },
      boost::asio::detached);
  io.run();
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->origin, PolicyOrigin::cache);
  EXPECT_EQ(got->entry->id, "v1");
}

}  // namespace
}  // namespace stsrelay::sts
