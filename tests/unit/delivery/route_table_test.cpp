// [[route]] tables: next-hop and pattern syntax, TLS floor names, first match wins.
#include "src/delivery/route_table.hpp"

#include <gtest/gtest.h>

#include "table_test.hpp"

namespace stsrelay::delivery {
namespace {

using Kind = NextHop::Kind;

TEST(RouteTable, NextHops) {
  struct Row {
    const char* text;
    std::optional<NextHop> want;  // nullopt: refused
    const char* formatted = "";
  };
  const Row rows[] = {
      {"mx", NextHop{Kind::mx, "", 25}, "mx"},
      {"Relay.Example.COM", NextHop{Kind::host, "relay.example.com", 25}, "relay.example.com:25"},
      {"smtp.provider.example:587", NextHop{Kind::host, "smtp.provider.example", 587},
       "smtp.provider.example:587"},
      {"[192.0.2.10]", NextHop{Kind::address, "192.0.2.10", 25}, "[192.0.2.10]:25"},
      {"[192.0.2.10]:2525", NextHop{Kind::address, "192.0.2.10", 2525}, "[192.0.2.10]:2525"},
      {"[2001:DB8::1]:465", NextHop{Kind::address, "2001:db8::1", 465}, "[2001:db8::1]:465"},
      {"bücher.example", NextHop{Kind::host, "xn--bcher-kva.example", 25},
       "xn--bcher-kva.example:25"},
      {"192.0.2.10:25", std::nullopt},  // an address without brackets
      {"192.0.2.1.", std::nullopt},     // the same with a root dot
      {"2001:db8::1", std::nullopt},
      {"[relay.example.com]:25", std::nullopt},
      {"[192.0.2.10", std::nullopt},
      {"[192.0.2.10]25", std::nullopt},
      {"relay.example.com:", std::nullopt},
      {"relay.example.com:0", std::nullopt},
      {"relay.example.com:65536", std::nullopt},
      {"relay.example.com:smtp", std::nullopt},
      {"relay example.com", std::nullopt},
      {"", std::nullopt},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.text);
    auto hop = parse_next_hop(row.text);
    if (!row.want) {
      EXPECT_FALSE(hop) << format_next_hop(*hop);
      continue;
    }
    ASSERT_TRUE(hop) << hop.error().message;
    EXPECT_EQ(*hop, *row.want);
    EXPECT_EQ(format_next_hop(*hop), row.formatted);
    EXPECT_EQ(*parse_next_hop(format_next_hop(*hop)), *hop);  // the formatted form reads back
  }
}

TEST(RouteTable, FloorNames) {
  for (const char* name : {"none", "may", "encrypt", "dane", "dane-only", "verify", "secure"}) {
    auto floor = parse_tls_floor(name);
    ASSERT_TRUE(floor) << name;
    EXPECT_EQ(to_string(*floor), name);
  }
  EXPECT_FALSE(parse_tls_floor("Verify"));
  EXPECT_FALSE(parse_tls_floor("dane_only"));
}

TEST(RouteTable, DomainPatterns) {
  const testing::Example<std::string_view, std::optional<std::string>> patterns[] = {
      {"corp.example", "corp.example"}, {".Corp.Example.", ".corp.example"}, {"*", "*"},
      {"", std::nullopt},               {".", std::nullopt},                 {"*.corp.example", std::nullopt},
      {"corp..example", std::nullopt},  {"a b", std::nullopt},
  };
  testing::expect_result_rows(patterns, [](std::string_view p) { return parse_domain_pattern(p); });

  const testing::Row<std::pair<const char*, const char*>, bool> matches[] = {
      {"exact", {"corp.example", "corp.example"}, true},
      {"exact, not a subdomain", {"corp.example", "a.corp.example"}, false},
      {"subdomain", {".corp.example", "a.corp.example"}, true},
      {"deeper subdomain", {".corp.example", "a.b.corp.example"}, true},
      {"subdomains only", {".corp.example", "corp.example"}, false},
      {"label boundary", {".corp.example", "xcorp.example"}, false},
      {"everything", {"*", "anything.example"}, true},
  };
  testing::expect_rows(matches, [](const auto& in) { return domain_matches(in.first, in.second); });
}

TEST(RouteTable, FirstMatchWinsAndSendersNarrow) {
  Route internal;
  internal.domains = {"corp.example", ".corp.example"};
  internal.next_hops = {*parse_next_hop("[192.0.2.10]:25")};
  internal.tls = TlsFloor::verify;
  Route marketing;
  marketing.domains = {"*"};
  marketing.senders = {"news.shop.example"};
  marketing.next_hops = {*parse_next_hop("smtp.provider.example:587")};
  Route partner;
  partner.domains = {"partner.example"};
  partner.tls = TlsFloor::secure;
  const RouteTable table({internal, marketing, partner});

  struct Row {
    const char* recipient;
    const char* sender;
    std::optional<std::size_t> index;  // nullopt: the default route
  };
  const Row rows[] = {
      {"corp.example", "shop.example", 0},
      {"hr.corp.example", "news.shop.example", 0},  // the earlier table wins
      {"gmail.example", "news.shop.example", 1},
      {"partner.example", "news.shop.example", 1},
      {"partner.example", "shop.example", 2},
      {"gmail.example", "shop.example", std::nullopt},
      {"gmail.example", "", std::nullopt},  // the null sender matches no `senders`
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(std::string(row.recipient) + " from " + row.sender);
    const RouteMatch m = table.match(row.recipient, row.sender);
    ASSERT_EQ(m.route != nullptr, row.index.has_value());
    if (row.index) EXPECT_EQ(m.index, *row.index);
  }
  const Route& fallback = table.route_for("gmail.example", "shop.example");
  EXPECT_TRUE(fallback.via_mx());
  EXPECT_EQ(fallback.tls, TlsFloor::may);
  EXPECT_FALSE(table.route_for("corp.example", "").via_mx());
}

}  // namespace
}  // namespace stsrelay::delivery
