// PolicyFetcher: the request it makes (RFC 8461 §3.3 URL of the recipient domain itself, the
// configured deadline and size cap) and that its answer is the classified response.
#include "sts/policy_fetcher.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace stsrelay::sts {
namespace {

// Records each request and answers with `reply` at once.
class FakeHttps final : public net::HttpsFetcher {
 public:
  explicit FakeHttps(net::HttpsResult reply) : reply_(std::move(reply)) {}
  void fetch(net::HttpsRequest request, Callback done) override {
    requests.push_back(std::move(request));
    done(reply_);
  }
  std::vector<net::HttpsRequest> requests;

 private:
  net::HttpsResult reply_;
};

net::HttpsResponse good_response() {
  net::HttpsResponse r;
  r.status = 200;
  r.headers = {{"content-type", "text/plain"}};
  r.body = "version: STSv1\nmode: testing\nmx: mx.example.test\nmax_age: 600\n";
  return r;
}

TEST(PolicyFetcher, RequestsThePolicyUrlOfTheDomainItselfWithTheSettings) {
  struct Row {
    const char* name;
    const char* domain;
    const char* url;
  };
  const std::vector<Row> rows = {
      {"plain", "example.test", "https://mta-sts.example.test/.well-known/mta-sts.txt"},
      {"upper case and trailing dot", "Sub.Example.TEST.",
       "https://mta-sts.sub.example.test/.well-known/mta-sts.txt"},
      {"subdomain is its own policy domain, not its parent", "a.b.example.test",
       "https://mta-sts.a.b.example.test/.well-known/mta-sts.txt"},
      {"IDN as A-labels", "b\xC3\xBC" "cher.example",
       "https://mta-sts.xn--bcher-kva.example/.well-known/mta-sts.txt"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    FakeHttps https(good_response());
    PolicyFetcher fetcher(https, {std::chrono::seconds(7), 1000});
    std::optional<PolicyFetchResult> got;
    fetcher.fetch_policy(row.domain, [&](PolicyFetchResult r) { got = std::move(r); });
    ASSERT_EQ(https.requests.size(), 1u);
    const net::HttpsRequest& req = https.requests[0];
    EXPECT_EQ(req.url, row.url);
    EXPECT_EQ(req.method, net::HttpMethod::get);
    EXPECT_EQ(req.timeout, std::chrono::seconds(7));
    EXPECT_LE(req.connect_timeout, std::chrono::seconds(7));
    EXPECT_EQ(req.max_body, 1000u);
    ASSERT_TRUE(got.has_value());
    ASSERT_TRUE(got->ok()) << got->failure().detail;
    EXPECT_EQ(got->value().policy.mode, Mode::testing);
  }
}

TEST(PolicyFetcher, AnInvalidDomainFailsWithoutARequest) {
  FakeHttps https(good_response());
  PolicyFetcher fetcher(https, {});
  std::optional<PolicyFetchResult> got;
  fetcher.fetch_policy("bad domain..test", [&](PolicyFetchResult r) { got = std::move(r); });
  EXPECT_TRUE(https.requests.empty());
  ASSERT_TRUE(got.has_value());
  ASSERT_FALSE(got->ok());
  EXPECT_EQ(got->failure().error, FetchError::dns);
  EXPECT_EQ(got->failure().result_type, ResultType::sts_policy_fetch_error);
}

TEST(PolicyFetcher, DefaultsAreTheConfigurationDefaults) {
  const PolicyFetchSettings settings;
  EXPECT_EQ(settings.timeout, std::chrono::seconds(60));
  EXPECT_EQ(settings.max_policy_size, 65'536u);
}

TEST(PolicyFetcher, ClientFailuresKeepTheirReason) {
  FakeHttps https(net::HttpsError{net::HttpsErrorKind::tls, true, "Hostname mismatch"});
  PolicyFetcher fetcher(https, {});
  std::optional<PolicyFetchResult> got;
  fetcher.fetch_policy("example.test", [&](PolicyFetchResult r) { got = std::move(r); });
  ASSERT_TRUE(got.has_value());
  ASSERT_FALSE(got->ok());
  EXPECT_EQ(got->failure().error, FetchError::tls);
  EXPECT_EQ(got->failure().result_type, ResultType::sts_webpki_invalid);
  EXPECT_EQ(got->failure().detail, "Hostname mismatch");
}

}  // namespace
}  // namespace stsrelay::sts
