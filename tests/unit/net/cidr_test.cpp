#include "src/net/cidr.hpp"

#include <gtest/gtest.h>

namespace stsrelay::net {
namespace {

struct CidrRow {
  const char* name;
  std::string network;
  std::string ip;
  bool contains;
};

TEST(Cidr, ContainsTable) {
  const CidrRow rows[] = {
      {"loopback /8", "127.0.0.0/8", "127.1.2.3", true},
      {"outside /8", "127.0.0.0/8", "128.0.0.1", false},
      {"host /32", "192.0.2.7/32", "192.0.2.7", true},
      {"host without prefix", "192.0.2.7", "192.0.2.7", true},
      {"host neighbour", "192.0.2.7", "192.0.2.8", false},
      {"odd prefix /23 low", "198.51.100.0/23", "198.51.101.255", true},
      {"odd prefix /23 high", "198.51.100.0/23", "198.51.102.0", false},
      {"/0 matches all IPv4", "0.0.0.0/0", "203.0.113.9", true},
      {"/0 v4 does not match v6", "0.0.0.0/0", "2001:db8::1", false},
      {"v6 loopback", "::1/128", "::1", true},
      {"v6 other", "::1/128", "::2", false},
      {"v6 /32", "2001:db8::/32", "2001:db8:ffff::1", true},
      {"v6 /32 outside", "2001:db8::/32", "2001:db9::1", false},
      {"v6 /63", "2001:db8:0:2::/63", "2001:db8:0:3::1", true},
      {"mapped v4 client matches v4 network", "127.0.0.0/8", "::ffff:127.0.0.1", true},
      {"mapped v4 client outside", "10.0.0.0/8", "::ffff:192.0.2.1", false},
      {"mapped network notation", "::ffff:10.0.0.0/104", "10.9.8.7", true},
      {"v4 network vs v6 client", "127.0.0.0/8", "::1", false},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    auto c = Cidr::parse(row.network);
    ASSERT_TRUE(c.ok()) << c.error().message;
    IpAddress ip;
    ASSERT_TRUE(IpAddress::parse(row.ip, ip));
    EXPECT_EQ(c->contains(ip), row.contains);
  }
}

TEST(Cidr, ParseErrorsNameTheInput) {
  const char* bad[] = {"", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/8x",
                       "10.0.0.1/8", "::1/129", "example.com/8", "10.0.0/8", "2001:db8::1/64"};
  for (const char* text : bad) {
    SCOPED_TRACE(text);
    auto c = Cidr::parse(text);
    ASSERT_FALSE(c.ok());
    EXPECT_NE(c.error().message.find(std::string("\"") + text + "\""), std::string::npos)
        << c.error().message;
  }
}

TEST(UnmapIpv4, MappedBecomesV4) {
  IpAddress mapped;
  ASSERT_TRUE(IpAddress::parse("::ffff:192.0.2.1", mapped));
  EXPECT_EQ(unmap_ipv4(mapped).to_string(), "192.0.2.1");
  IpAddress v6;
  ASSERT_TRUE(IpAddress::parse("2001:db8::1", v6));
  EXPECT_EQ(unmap_ipv4(v6), v6);
}

TEST(NetworkList, DefaultRelayNetworks) {
  auto list = NetworkList::parse({"127.0.0.0/8", "::1/128"});
  ASSERT_TRUE(list.ok());
  EXPECT_TRUE(list->contains("127.0.0.1"));
  EXPECT_TRUE(list->contains("::1"));
  EXPECT_TRUE(list->contains("::ffff:127.0.0.1"));
  EXPECT_FALSE(list->contains("192.0.2.1"));
  EXPECT_FALSE(list->contains("not an ip"));
  auto empty = NetworkList::parse({});
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
  EXPECT_FALSE(empty->contains("127.0.0.1"));
  EXPECT_FALSE(NetworkList::parse({"127.0.0.0/8", "bogus"}).ok());
}

}  // namespace
}  // namespace stsrelay::net
