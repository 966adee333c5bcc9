#include "src/net/listen_address.hpp"

#include <gtest/gtest.h>

namespace stsrelay::net {
namespace {

struct ListenRow {
  const char* name;
  std::string text;
  bool ok;
  std::string host;
  std::uint16_t port;
};

TEST(ParseListenAddress, Table) {
  const ListenRow rows[] = {
      {"ipv4", "127.0.0.1:2525", true, "127.0.0.1", 2525},
      {"any ipv4", "0.0.0.0:25", true, "0.0.0.0", 25},
      {"ephemeral port", "127.0.0.1:0", true, "127.0.0.1", 0},
      {"localhost", "localhost:2525", true, "127.0.0.1", 2525},
      {"ipv6", "[::1]:2525", true, "::1", 2525},
      {"any ipv6", "[::]:25", true, "::", 25},
      {"ipv6 without brackets", "::1:2525", false, "", 0},
      {"ipv4 in brackets", "[127.0.0.1]:25", false, "", 0},
      {"missing bracket", "[::1:25", false, "", 0},
      {"no port", "127.0.0.1", false, "", 0},
      {"empty port", "127.0.0.1:", false, "", 0},
      {"port too big", "127.0.0.1:65536", false, "", 0},
      {"port not a number", "127.0.0.1:smtp", false, "", 0},
      {"host name", "mail.example.com:25", false, "", 0},
      {"empty host", ":25", false, "", 0},
      {"garbage after bracket", "[::1]x25", false, "", 0},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    auto r = parse_listen_address(row.text);
    ASSERT_EQ(r.ok(), row.ok);
    if (r.ok()) {
      EXPECT_EQ(r->host, row.host);
      EXPECT_EQ(r->port, row.port);
    } else {
      EXPECT_NE(r.error().message.find(row.text), std::string::npos);
    }
  }
}

TEST(FormatEndpoint, BracketsForIpv6) {
  EXPECT_EQ(format_endpoint("127.0.0.1", 25), "127.0.0.1:25");
  EXPECT_EQ(format_endpoint("::1", 2525), "[::1]:2525");
}

}  // namespace
}  // namespace stsrelay::net
