// resolve_delivery_targets over a fake resolver: what is asked, and the route it gives.
#include "src/net/mx_targets.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include "fake_resolver.hpp"

namespace stsrelay::net {
namespace {

using testing::FakeResolver;

IpAddress ip(const char* text) {
  IpAddress a;
  EXPECT_TRUE(IpAddress::parse(text, a)) << text;
  return a;
}

DeliveryRoute run(FakeResolver& resolver, const std::string& domain) {
  boost::asio::io_context io;
  std::optional<DeliveryRoute> route;
  boost::asio::co_spawn(
      io, resolve_delivery_targets(resolver, domain, [](std::size_t n) { return n - 1; }),
      [&](std::exception_ptr e, DeliveryRoute r) {
        if (e) std::rethrow_exception(e);
        route = std::move(r);
      });
  io.run();
  EXPECT_TRUE(route.has_value());
  return route.value_or(DeliveryRoute{});
}

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

TEST(MxTargets, MxHostsWithAddresses) {
  FakeResolver dns;
  dns.mx["example.test"] = FakeResolver::answer<MxRecord>(
      {{20, "mx2.example.test"}, {10, "mx1.example.test"}});
  dns.aaaa["mx1.example.test"] = FakeResolver::answer<IpAddress>({ip("2001:db8::1")});
  dns.a["mx1.example.test"] = FakeResolver::answer<IpAddress>({ip("192.0.2.1")});
  dns.aaaa["mx2.example.test"] = FakeResolver::failure<IpAddress>(DnsStatus::nodata);
  dns.a["mx2.example.test"] = FakeResolver::answer<IpAddress>({ip("192.0.2.2")});

  const DeliveryRoute route = run(dns, "example.test");
  ASSERT_TRUE(route.ok());
  ASSERT_EQ(route.targets.size(), 2u);
  EXPECT_EQ(route.targets[0], (DeliveryTarget{"mx1.example.test", 10, false,
                                              {ip("2001:db8::1"), ip("192.0.2.1")}}));
  EXPECT_EQ(route.targets[1], (DeliveryTarget{"mx2.example.test", 20, false, {ip("192.0.2.2")}}));
  EXPECT_EQ(dns.queries.front(), "MX example.test");
  EXPECT_EQ(sorted({dns.queries.begin() + 1, dns.queries.end()}),
            (std::vector<std::string>{"A mx1.example.test", "A mx2.example.test",
                                      "AAAA mx1.example.test", "AAAA mx2.example.test"}));
}

TEST(MxTargets, ImplicitMx) {
  FakeResolver dns;
  dns.mx["example.test"] = FakeResolver::failure<MxRecord>(DnsStatus::nodata);
  dns.aaaa["example.test"] = FakeResolver::failure<IpAddress>(DnsStatus::nodata);
  dns.a["example.test"] = FakeResolver::answer<IpAddress>({ip("192.0.2.9")});
  const DeliveryRoute route = run(dns, "example.test");
  ASSERT_TRUE(route.ok());
  EXPECT_EQ(route.targets,
            (std::vector<DeliveryTarget>{{"example.test", 0, true, {ip("192.0.2.9")}}}));
}

struct FailRow {
  const char* name;
  DnsResult<MxRecord> mx;
  bool permanent;
  const char* dsn;
};

TEST(MxTargets, FailuresAskNoAddresses) {
  const std::vector<FailRow> rows = {
      {"null MX", FakeResolver::answer<MxRecord>({{0, "."}}), true, "5.1.10"},
      {"NXDOMAIN", FakeResolver::failure<MxRecord>(DnsStatus::nxdomain, "no such domain"), true,
       "5.1.2"},
      {"SERVFAIL", FakeResolver::failure<MxRecord>(DnsStatus::temporary, "SERVFAIL"), false,
       "4.4.3"},
  };
  for (const FailRow& row : rows) {
    SCOPED_TRACE(row.name);
    FakeResolver dns;
    dns.mx["example.test"] = row.mx;
    const DeliveryRoute route = run(dns, "example.test");
    ASSERT_FALSE(route.ok());
    EXPECT_EQ(route.failure->permanent, row.permanent);
    EXPECT_EQ(route.failure->dsn, row.dsn);
    EXPECT_EQ(dns.queries, std::vector<std::string>{"MX example.test"});
  }
}

TEST(MxTargets, MxHostsWithoutAddressesAreAFailure) {
  FakeResolver dns;  // the MX host is in no table: NXDOMAIN for A and AAAA
  dns.mx["example.test"] = FakeResolver::answer<MxRecord>({{10, "gone.example.test"}});
  const DeliveryRoute route = run(dns, "example.test");
  ASSERT_FALSE(route.ok());
  EXPECT_TRUE(route.failure->permanent);
  EXPECT_EQ(route.failure->dsn, "5.4.4");
}

}  // namespace
}  // namespace stsrelay::net
