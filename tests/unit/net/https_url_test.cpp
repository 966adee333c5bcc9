// parse_https_url: the policy URL of RFC 8461 §3.3 and TLS-RPT https endpoints (RFC 8460 §3).
#include "src/net/https_url.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace stsrelay::net {
namespace {

struct UrlRow {
  const char* name;
  std::string input;
  std::optional<HttpsUrl> expected;  // nullopt: refused
};

TEST(HttpsUrl, Table) {
  const std::vector<UrlRow> rows = {
      {"policy url", "https://mta-sts.example.com/.well-known/mta-sts.txt",
       HttpsUrl{"mta-sts.example.com", 443, "/.well-known/mta-sts.txt"}},
      {"scheme and host are case-insensitive", "HTTPS://MTA-STS.Example.COM/Path",
       HttpsUrl{"mta-sts.example.com", 443, "/Path"}},
      {"explicit port", "https://reports.example.test:8443/tlsrpt",
       HttpsUrl{"reports.example.test", 8443, "/tlsrpt"}},
      {"empty path becomes /", "https://example.test", HttpsUrl{"example.test", 443, "/"}},
      {"query kept, path empty", "https://example.test?a=1",
       HttpsUrl{"example.test", 443, "/?a=1"}},
      {"query kept", "https://example.test/r?x=1&y=2",
       HttpsUrl{"example.test", 443, "/r?x=1&y=2"}},
      {"fragment dropped", "https://example.test/a#frag", HttpsUrl{"example.test", 443, "/a"}},
      {"trailing dot dropped", "https://example.test./", HttpsUrl{"example.test", 443, "/"}},
      {"http is refused", "http://example.test/", std::nullopt},
      {"no scheme", "example.test/", std::nullopt},
      {"empty host", "https:///path", std::nullopt},
      {"userinfo refused", "https://user@example.test/", std::nullopt},
      {"ipv4 literal refused", "https://192.0.2.1/", std::nullopt},
      {"ipv6 literal refused", "https://[2001:db8::1]/", std::nullopt},
      {"port zero", "https://example.test:0/", std::nullopt},
      {"port too large", "https://example.test:65536/", std::nullopt},
      {"port not digits", "https://example.test:44x/", std::nullopt},
      {"empty port", "https://example.test:/", std::nullopt},
      {"space in path", "https://example.test/a b", std::nullopt},
      {"control character", std::string("https://example.test/a\r\nHost: x"), std::nullopt},
      {"underscore in host", "https://_mta-sts.example.test/", std::nullopt},
      {"empty label", "https://a..example.test/", std::nullopt},
      {"hyphen at label start", "https://-a.example.test/", std::nullopt},
      {"label of 64 octets", "https://" + std::string(64, 'a') + ".test/", std::nullopt},
      {"label of 63 octets", "https://" + std::string(63, 'a') + ".test/",
       HttpsUrl{std::string(63, 'a') + ".test", 443, "/"}},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    const auto got = parse_https_url(row.input);
    if (row.expected) {
      ASSERT_TRUE(got.ok()) << got.error().message;
      EXPECT_EQ(*got, *row.expected);
    } else {
      ASSERT_FALSE(got.ok());
      EXPECT_EQ(got.error().kind, core::ErrorKind::invalid);
      EXPECT_FALSE(got.error().message.empty());
    }
  }
}

TEST(HttpsUrl, AuthorityNamesThePortOnlyWhenNot443) {
  EXPECT_EQ((HttpsUrl{"example.test", 443, "/"}).authority(), "example.test");
  EXPECT_EQ((HttpsUrl{"example.test", 8443, "/"}).authority(), "example.test:8443");
}

}  // namespace
}  // namespace stsrelay::net
