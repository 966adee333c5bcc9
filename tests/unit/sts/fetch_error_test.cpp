// classify_policy_fetch: RFC 8461 §3.3 applied to what the HTTPS client returned, each failure
// with its reason and its RFC 8460 §4.3.2.2 result type.
#include "sts/fetch_error.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace stsrelay::sts {
namespace {

constexpr std::uint64_t kMax = 65'536;
constexpr const char* kGoodPolicy =
    "version: STSv1\r\nmode: enforce\r\nmx: mx1.example.test\r\nmx: *.example.test\r\n"
    "max_age: 86400\r\n";

net::HttpsResponse response(int status, std::vector<std::pair<std::string, std::string>> headers,
                            std::string body) {
  net::HttpsResponse r;
  r.status = status;
  r.headers = std::move(headers);
  r.body = std::move(body);
  r.protocol = net::HttpProtocol::h2;
  r.peer = "127.0.0.2:443";
  return r;
}

struct Row {
  const char* name;
  net::HttpsResult input;
  std::optional<FetchError> error;  // nullopt: a policy
  ResultType result_type = ResultType::sts_policy_fetch_error;
};

TEST(ClassifyPolicyFetch, Table) {
  using K = net::HttpsErrorKind;
  const auto plain = std::vector<std::pair<std::string, std::string>>{
      {"content-type", "text/plain"}};
  const std::vector<Row> rows = {
      {"good policy", response(200, plain, kGoodPolicy), std::nullopt},
      {"charset parameter allowed",
       response(200, {{"content-type", "text/plain; charset=utf-8"}}, kGoodPolicy),
       std::nullopt},
      {"media type is case-insensitive",
       response(200, {{"content-type", "Text/Plain"}}, kGoodPolicy), std::nullopt},
      {"404", response(404, {{"content-type", "text/html"}}, "<h1>Not Found</h1>"),
       FetchError::http_status},
      {"204 is not 200", response(204, plain, ""), FetchError::http_status},
      {"500", response(500, plain, ""), FetchError::http_status},
      {"301 never followed",
       response(301, {{"location", "https://mta-sts.elsewhere.test/.well-known/mta-sts.txt"},
                      {"content-type", "text/html"}},
                "moved"),
       FetchError::redirect},
      {"302 never followed", response(302, {{"location", "/other"}}, ""), FetchError::redirect},
      {"307 never followed", response(307, {{"location", "/other"}}, ""), FetchError::redirect},
      {"text/html refused", response(200, {{"content-type", "text/html"}}, kGoodPolicy),
       FetchError::content_type},
      {"no content-type refused", response(200, {}, kGoodPolicy), FetchError::content_type},
      {"text/plainx refused", response(200, {{"content-type", "text/plainx"}}, kGoodPolicy),
       FetchError::content_type},
      {"content-length above the cap",
       response(200, {{"content-type", "text/plain"}, {"content-length", "70000"}}, ""),
       FetchError::too_large},
      {"body above the cap", response(200, plain, std::string(kMax + 1, 'a')),
       FetchError::too_large},
      {"policy syntax error", response(200, plain, "version: STSv1\nmode: sometimes\n"),
       FetchError::syntax, ResultType::sts_policy_invalid},
      {"empty body", response(200, plain, ""), FetchError::syntax,
       ResultType::sts_policy_invalid},
      {"dns", net::HttpsError{K::dns, false, "A nxdomain"}, FetchError::dns},
      {"bad url", net::HttpsError{K::url, false, "not a host"}, FetchError::dns},
      {"connect", net::HttpsError{K::connect, false, "refused"}, FetchError::connect},
      {"certificate invalid", net::HttpsError{K::tls, true, "certificate has expired"},
       FetchError::tls, ResultType::sts_webpki_invalid},
      {"handshake failure without certificate verdict",
       net::HttpsError{K::tls, false, "unsupported protocol"}, FetchError::tls,
       ResultType::sts_policy_fetch_error},
      {"timeout", net::HttpsError{K::timeout, false, "60000 ms"}, FetchError::timeout},
      {"too large from the client", net::HttpsError{K::too_large, false, "body"},
       FetchError::too_large},
      {"broken http", net::HttpsError{K::protocol, false, "bad chunk"}, FetchError::http_syntax},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    const PolicyFetchResult got = classify_policy_fetch(row.input, kMax);
    if (!row.error) {
      ASSERT_TRUE(got.ok()) << got.failure().detail;
      EXPECT_EQ(got.value().policy.mode, Mode::enforce);
      EXPECT_EQ(got.value().policy.mx,
                (std::vector<std::string>{"mx1.example.test", "*.example.test"}));
      EXPECT_EQ(got.value().protocol, net::HttpProtocol::h2);
      EXPECT_EQ(got.value().peer, "127.0.0.2:443");
      continue;
    }
    ASSERT_FALSE(got.ok());
    EXPECT_EQ(got.failure().error, *row.error) << got.failure().detail;
    EXPECT_EQ(got.failure().result_type, row.result_type);
    EXPECT_FALSE(got.failure().detail.empty());
  }
}

TEST(ClassifyPolicyFetch, RedirectDetailNamesTheTargetAndIsNotFollowed) {
  const auto got = classify_policy_fetch(
      response(301, {{"location", "https://evil.test/p"}}, ""), kMax);
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.failure().detail.find("https://evil.test/p"), std::string::npos)
      << got.failure().detail;
}

TEST(ResultTypeOf, OnlyACertificateFailureIsWebpkiInvalid) {
  EXPECT_EQ(result_type_of(FetchError::tls, true), ResultType::sts_webpki_invalid);
  EXPECT_EQ(result_type_of(FetchError::tls, false), ResultType::sts_policy_fetch_error);
  EXPECT_EQ(result_type_of(FetchError::syntax, false), ResultType::sts_policy_invalid);
  EXPECT_EQ(result_type_of(FetchError::redirect, false), ResultType::sts_policy_fetch_error);
}

}  // namespace
}  // namespace stsrelay::sts
