// The policy fetcher and the HTTPS client against real servers (policy_fetch_run.py starts
// them inside a private network namespace): nginx serving mta-sts.<domain> over HTTP/2 and
// HTTP/1.1 with certificates from a test CA, a python3-dnslib DNS server, and a server that
// accepts and never answers. Each row names the outcome RFC 8461 §3.3 asks for.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "src/core/clock.hpp"
#include "src/net/dns_cares_resolver.hpp"
#include "src/net/dns_servers.hpp"
#include "src/net/https_client.hpp"
#include "sts/policy_fetcher.hpp"

namespace stsrelay {
namespace {

using namespace std::chrono_literals;

class PolicyFetchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* ca = std::getenv("STSRELAY_TEST_CA");
    const char* dns = std::getenv("STSRELAY_TEST_DNS");
    ASSERT_TRUE(ca != nullptr && dns != nullptr)
        << "run through policy_fetch_run.py, which sets STSRELAY_TEST_CA and STSRELAY_TEST_DNS";
    auto server = net::parse_dns_server(dns);
    ASSERT_TRUE(server.ok()) << server.error().message;
    net::ResolverSettings settings;
    settings.servers = {server.value()};
    settings.timeout = 1000ms;
    auto resolver = net::CaresResolver::create(ioc_.get_executor(), settings, clock_);
    ASSERT_TRUE(resolver.ok()) << resolver.error().message;
    resolver_ = std::move(resolver.value());
    auto client = net::HttpsClient::create(ioc_.get_executor(), *resolver_, {ca, "stsrelay"});
    ASSERT_TRUE(client.ok()) << client.error().message;
    client_ = std::move(client.value());
  }

  void TearDown() override {
    client_.reset();
    resolver_.reset();  // the io_context no longer runs here
  }

  // Runs the io_context until `slot` is filled, for at most `bound`.
  template <class T>
  void run_until_set(const std::optional<T>& slot, std::chrono::seconds bound) {
    const auto limit = std::chrono::steady_clock::now() + bound;
    while (!slot && std::chrono::steady_clock::now() < limit) {
      ioc_.restart();
      ioc_.run_one_for(100ms);
    }
  }

  std::optional<sts::PolicyFetchResult> fetch(const std::string& domain,
                                              std::chrono::milliseconds timeout = 10s) {
    sts::PolicyFetcher fetcher(*client_, {timeout, 65'536});
    std::optional<sts::PolicyFetchResult> got;
    fetcher.fetch_policy(domain, [&](sts::PolicyFetchResult r) { got = std::move(r); });
    run_until_set(got, 30s);
    return got;
  }

  std::optional<net::HttpsResult> request(net::HttpsRequest req) {
    std::optional<net::HttpsResult> got;
    client_->fetch(std::move(req), [&](net::HttpsResult r) { got = std::move(r); });
    run_until_set(got, 30s);
    return got;
  }

  boost::asio::io_context ioc_;
  core::SystemClock clock_;
  std::unique_ptr<net::CaresResolver> resolver_;
  std::unique_ptr<net::HttpsClient> client_;
};

struct Row {
  const char* name;
  const char* domain;
  std::optional<sts::FetchError> error;  // nullopt: the good policy
  net::HttpProtocol protocol = net::HttpProtocol::http1_1;  // when the policy is fetched
  sts::ResultType result_type = sts::ResultType::sts_policy_fetch_error;
  const char* detail = "";  // a piece of the failure detail
};

Row fetched(const char* name, const char* domain, net::HttpProtocol protocol) {
  return {name, domain, std::nullopt, protocol};
}
Row fails(const char* name, const char* domain, sts::FetchError error, const char* detail,
          sts::ResultType type = sts::ResultType::sts_policy_fetch_error) {
  return {name, domain, error, net::HttpProtocol::http1_1, type, detail};
}

TEST_F(PolicyFetchTest, EachServerBehaviourGivesItsOutcome) {
  using E = sts::FetchError;
  using P = net::HttpProtocol;
  using R = sts::ResultType;
  const std::vector<Row> rows = {
      fetched("good policy over HTTP/2", "good-h2.test", P::h2),
      fetched("good policy over HTTP/1.1", "good-h1.test", P::http1_1),
      fetched("upper case domain is normalised", "GOOD-H2.TEST.", P::h2),
      fetched("text/plain with charset", "charset.test", P::http1_1),
      fetched("chunked body", "chunked-h1.test", P::http1_1),
      fetched("first address refuses, second serves", "fallback.test", P::http1_1),
      fails("404 over HTTP/2", "notfound-h2.test", E::http_status, "404"),
      fails("404 over HTTP/1.1", "notfound-h1.test", E::http_status, "404"),
      fails("301 is not followed", "redirect-h2.test", E::redirect, "mta-sts.good-h2.test"),
      fails("302 is not followed", "redirect-h1.test", E::redirect, "302"),
      fails("text/html over HTTP/2", "html-h2.test", E::content_type, "text/html"),
      fails("text/html over HTTP/1.1", "html-h1.test", E::content_type, "text/html"),
      fails("body above 64 KiB, HTTP/2 with content-length", "big-h2.test", E::too_large,
            "65536"),
      fails("body above 64 KiB, HTTP/1.1 with Content-Length", "big-h1.test", E::too_large,
            "65536"),
      fails("body above 64 KiB, HTTP/2 DATA without length", "bigstream-h2.test", E::too_large,
            "65536"),
      fails("body above 64 KiB, HTTP/1.1 chunked", "bigchunked-h1.test", E::too_large,
            "65536"),
      fails("policy syntax error", "invalid.test", E::syntax, "mode", R::sts_policy_invalid),
      fails("certificate for another name", "wrongname.test", E::tls, "hostname mismatch",
            R::sts_webpki_invalid),
      fails("certificate from an untrusted CA", "untrusted.test", E::tls,
            "self-signed certificate in certificate chain", R::sts_webpki_invalid),
      fails("expired certificate", "expired.test", E::tls, "certificate has expired",
            R::sts_webpki_invalid),
      fails("policy host does not exist", "nodns.test", E::dns, "nxdomain"),
      fails("policy host refuses connections", "refused.test", E::connect, "127.0.0.8:443"),
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    const auto got = fetch(row.domain);
    ASSERT_TRUE(got.has_value()) << "no answer within the bound";
    if (!row.error) {
      ASSERT_TRUE(got->ok()) << to_string(got->failure().error) << ": " << got->failure().detail;
      const sts::FetchedPolicy& p = got->value();
      EXPECT_EQ(p.protocol, row.protocol);
      EXPECT_EQ(p.policy.mode, sts::Mode::enforce);
      EXPECT_EQ(p.policy.max_age, 604800);
      EXPECT_EQ(p.policy.mx, (std::vector<std::string>{"mx1.good.test", "*.good.test"}));
      continue;
    }
    ASSERT_FALSE(got->ok());
    const sts::PolicyFetchFailure& f = got->failure();
    EXPECT_EQ(f.error, *row.error) << to_string(f.error) << ": " << f.detail;
    EXPECT_EQ(f.result_type, row.result_type) << f.detail;
    EXPECT_NE(f.detail.find(row.detail), std::string::npos) << f.detail;
  }
}

TEST_F(PolicyFetchTest, AServerThatNeverAnswersEndsAtTheFetchTimeout) {
  const auto start = std::chrono::steady_clock::now();
  const auto got = fetch("stalled.test", 2s);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(got.has_value()) << "no answer within the bound";
  ASSERT_FALSE(got->ok());
  EXPECT_EQ(got->failure().error, sts::FetchError::timeout) << got->failure().detail;
  EXPECT_EQ(got->failure().result_type, sts::ResultType::sts_policy_fetch_error);
  EXPECT_GE(elapsed, 2s);  // it did wait for the server, up to the deadline
}

TEST_F(PolicyFetchTest, ClientPostsABodyOverBothProtocols) {
  struct PostRow {
    const char* name;
    const char* url;
    net::HttpProtocol protocol;
  };
  for (const PostRow& row :
       {PostRow{"h2", "https://mta-sts.good-h2.test/report", net::HttpProtocol::h2},
        PostRow{"http/1.1", "https://mta-sts.good-h1.test/report", net::HttpProtocol::http1_1}}) {
    SCOPED_TRACE(row.name);
    net::HttpsRequest req;
    req.method = net::HttpMethod::post;
    req.url = row.url;
    req.content_type = "application/tlsrpt+gzip";
    req.body = std::string(100'000, '\x1f');  // more than one HTTP/2 DATA frame and window
    req.timeout = 10s;
    const auto got = request(req);
    ASSERT_TRUE(got.has_value());
    ASSERT_TRUE(got->ok()) << got->error().reason;
    EXPECT_EQ(got->value().status, 204);
    EXPECT_EQ(got->value().protocol, row.protocol);
  }
}

TEST_F(PolicyFetchTest, ClientReturnsARedirectWithoutFollowingIt) {
  for (const char* url :
       {"https://mta-sts.good-h2.test/moved", "https://mta-sts.good-h1.test/moved"}) {
    SCOPED_TRACE(url);
    net::HttpsRequest req;
    req.url = url;
    req.timeout = 10s;
    const auto got = request(req);
    ASSERT_TRUE(got.has_value());
    ASSERT_TRUE(got->ok()) << got->error().reason;
    EXPECT_EQ(got->value().status, 301);
    EXPECT_EQ(got->value().location(), "https://elsewhere.test/");
  }
}

}  // namespace
}  // namespace stsrelay
