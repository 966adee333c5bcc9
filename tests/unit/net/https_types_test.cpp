// Values of the HTTPS client: header lookup and the names logs print.
#include "src/net/https_types.hpp"

#include <gtest/gtest.h>

namespace stsrelay::net {
namespace {

TEST(HttpsResponse, HeaderGivesTheFirstValueByLowerCaseName) {
  HttpsResponse r;
  r.headers = {{"content-type", "text/plain; charset=utf-8"},
               {"location", "https://elsewhere.test/"},
               {"content-type", "text/html"}};
  EXPECT_EQ(r.content_type(), "text/plain; charset=utf-8");
  EXPECT_EQ(r.location(), "https://elsewhere.test/");
  EXPECT_EQ(r.header("x-absent"), std::nullopt);
}

TEST(HttpsTypes, NamesAreStable) {
  struct Row {
    HttpsErrorKind kind;
    const char* text;
  };
  for (const Row& row : {Row{HttpsErrorKind::url, "url"}, Row{HttpsErrorKind::dns, "dns"},
                         Row{HttpsErrorKind::connect, "connect"}, Row{HttpsErrorKind::tls, "tls"},
                         Row{HttpsErrorKind::timeout, "timeout"},
                         Row{HttpsErrorKind::too_large, "too-large"},
                         Row{HttpsErrorKind::protocol, "protocol"}}) {
    SCOPED_TRACE(row.text);
    EXPECT_EQ(to_string(row.kind), row.text);
  }
  EXPECT_EQ(to_string(HttpProtocol::h2), "h2");
  EXPECT_EQ(to_string(HttpProtocol::http1_1), "http/1.1");
  EXPECT_EQ(to_string(HttpMethod::post), "POST");
}

TEST(HttpsResult, HoldsAResponseOrAnError) {
  HttpsResult ok = HttpsResponse{};
  EXPECT_TRUE(ok.ok());
  HttpsResult failed = HttpsError{HttpsErrorKind::tls, true, "Hostname mismatch"};
  ASSERT_FALSE(failed.ok());
  EXPECT_TRUE(failed.error().webpki);
}

}  // namespace
}  // namespace stsrelay::net
