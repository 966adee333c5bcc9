// HttpsClient paths that end before any socket: a URL it refuses and a host without address
// (a FakeResolver answers). Connections, TLS and both HTTP versions are exercised against real
// servers in tests/integration/policy_fetch_test.cpp.
#include "src/net/https_client.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "fake_resolver.hpp"
#include "src/net/await_callback.hpp"

namespace stsrelay::net {
namespace {

using testing::FakeResolver;

struct Row {
  const char* name;
  const char* url;
  HttpsErrorKind kind;
  const char* detail;
};

TEST(HttpsClient, FailsBeforeConnectingWithTheStepThatFailed) {
  boost::asio::io_context ioc;
  FakeResolver resolver;
  resolver.a["mta-sts.temp.test"] =
      FakeResolver::failure<IpAddress>(DnsStatus::temporary, "SERVFAIL");
  resolver.aaaa["mta-sts.nodata.test"] = FakeResolver::failure<IpAddress>(DnsStatus::nodata);
  resolver.a["mta-sts.nodata.test"] = FakeResolver::failure<IpAddress>(DnsStatus::nodata);
  auto client = HttpsClient::create(ioc.get_executor(), resolver, {});
  ASSERT_TRUE(client.ok()) << client.error().message;

  const std::vector<Row> rows = {
      {"http URL", "http://mta-sts.example.test/", HttpsErrorKind::url, "https"},
      {"IP literal", "https://192.0.2.1/", HttpsErrorKind::url, "DNS host name"},
      {"no such host", "https://mta-sts.absent.test/", HttpsErrorKind::dns, "nxdomain"},
      {"lookup failed", "https://mta-sts.temp.test/", HttpsErrorKind::dns, "SERVFAIL"},
      {"no address records", "https://mta-sts.nodata.test/", HttpsErrorKind::dns, "nodata"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    std::optional<HttpsResult> got;
    HttpsRequest request;
    request.url = row.url;
    (*client)->fetch(request, [&](HttpsResult r) { got = std::move(r); });
    ioc.restart();
    ioc.run_for(std::chrono::seconds(10));
    ASSERT_TRUE(got.has_value());
    ASSERT_FALSE(got->ok());
    EXPECT_EQ(got->error().kind, row.kind) << got->error().reason;
    EXPECT_FALSE(got->error().webpki);
    EXPECT_NE(got->error().reason.find(row.detail), std::string::npos) << got->error().reason;
  }
}

TEST(HttpsClient, AMissingCaFileIsRefusedAtCreation) {
  boost::asio::io_context ioc;
  FakeResolver resolver;
  auto client = HttpsClient::create(ioc.get_executor(), resolver, {"/nonexistent/ca.pem"});
  ASSERT_FALSE(client.ok());
  EXPECT_NE(client.error().message.find("/nonexistent/ca.pem"), std::string::npos);
}

// A fetcher that answers at once on the calling thread, like a fake would.
class ImmediateFetcher final : public HttpsFetcher {
 public:
  void fetch(HttpsRequest request, Callback done) override {
    HttpsResponse r;
    r.status = 204;
    r.body = request.url;
    done(std::move(r));
  }
};

TEST(AsyncFetch, CompletesACoroutineOnItsExecutor) {
  boost::asio::io_context ioc;
  ImmediateFetcher fetcher;
  std::optional<HttpsResult> got;
  boost::asio::co_spawn(
      ioc,
      [&]() -> boost::asio::awaitable<void> {
        HttpsRequest request;
        request.url = "https://reports.example.test/tlsrpt";
        got = co_await await_call(fetcher, &HttpsFetcher::fetch, request);
      },
      boost::asio::detached);
  ioc.run_for(std::chrono::seconds(10));
  ASSERT_TRUE(got.has_value());
  ASSERT_TRUE(got->ok());
  EXPECT_EQ(got->value().status, 204);
  EXPECT_EQ(got->value().body, "https://reports.example.test/tlsrpt");
}

}  // namespace
}  // namespace stsrelay::net
