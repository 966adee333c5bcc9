// RFC 5321 §5.1 / RFC 7505 as tables: which MX hosts, in which order, or which failure.
#include "src/net/mx_plan.hpp"

#include <gtest/gtest.h>

#include <set>

namespace stsrelay::net {
namespace {

DnsResult<MxRecord> mx_answer(std::vector<MxRecord> records) {
  DnsResult<MxRecord> r;
  r.status = DnsStatus::answer;
  r.records = std::move(records);
  return r;
}
DnsResult<MxRecord> mx_status(DnsStatus status, std::string reason) {
  DnsResult<MxRecord> r;
  r.status = status;
  r.reason = std::move(reason);
  return r;
}

// pick(n) == n - 1 makes Fisher-Yates swap every element with itself: DNS order is kept.
std::size_t keep_order(std::size_t n) { return n - 1; }
// pick(n) == 0 gives a fixed permutation: [a, b] -> [b, a]; [a, b, c] -> [b, c, a].
std::size_t always_first(std::size_t) { return 0; }

struct PlanRow {
  const char* name;
  DnsResult<MxRecord> mx;
  std::vector<std::string> hosts;  // expected order, "host/preference"
  std::optional<RouteFailure> failure = std::nullopt;
  PickIndex pick = keep_order;
  std::size_t skipped = 0;
};

std::vector<std::string> describe(const std::vector<MxHost>& hosts) {
  std::vector<std::string> out;
  for (const MxHost& h : hosts) {
    out.push_back(h.host + "/" + std::to_string(h.preference) + (h.implicit ? " implicit" : ""));
  }
  return out;
}

TEST(MxPlan, OrdersAndClassifies) {
  const std::vector<PlanRow> rows = {
      {"sorted by preference",
       mx_answer({{20, "mx2.example.test"}, {10, "mx1.example.test"}, {30, "mx3.example.test"}}),
       {"mx1.example.test/10", "mx2.example.test/20", "mx3.example.test/30"}},
      {"equal preferences shuffled with the injected randomness",
       mx_answer({{10, "a.example.test"}, {10, "b.example.test"}, {5, "first.example.test"}}),
       {"first.example.test/5", "b.example.test/10", "a.example.test/10"}, std::nullopt,
       always_first},
      {"three equal preferences, fixed permutation",
       mx_answer({{10, "a.test"}, {10, "b.test"}, {10, "c.test"}, {20, "z.test"}}),
       {"b.test/10", "c.test/10", "a.test/10", "z.test/20"}, std::nullopt, always_first},
      {"no MX records: implicit MX, the domain itself, preference 0",
       mx_status(DnsStatus::nodata, "no records of that type"), {"example.test/0 implicit"}},
      {"null MX (RFC 7505): 5.1.10",
       mx_answer({{0, "."}}), {}, RouteFailure{true, "5.1.10",
                                              "domain example.test accepts no mail (null MX, RFC 7505)"}},
      {"single root MX with another preference still names no host",
       mx_answer({{10, "."}}), {}, RouteFailure{true, "5.1.10",
                                               "domain example.test accepts no mail (null MX, RFC 7505)"}},
      {"root MX next to real ones is dropped", mx_answer({{0, "."}, {10, "mx.example.test"}}),
       {"mx.example.test/10"}, std::nullopt, keep_order, 1},
      {"NXDOMAIN: 5.1.2", mx_status(DnsStatus::nxdomain, "no such domain"), {},
       RouteFailure{true, "5.1.2", "domain example.test does not exist (NXDOMAIN)"}},
      {"SERVFAIL: 4.4.3", mx_status(DnsStatus::temporary, "SERVFAIL"), {},
       RouteFailure{false, "4.4.3", "MX lookup for example.test failed: SERVFAIL"}},
      {"timeout: 4.4.3", mx_status(DnsStatus::temporary, "timeout after 3 tries"), {},
       RouteFailure{false, "4.4.3", "MX lookup for example.test failed: timeout after 3 tries"}},
      {"IP address as MX target is skipped",
       mx_answer({{10, "192.0.2.25"}, {20, "mx.example.test"}}), {"mx.example.test/20"},
       std::nullopt, keep_order, 1},
      {"IPv6 address as MX target is skipped",
       mx_answer({{10, "2001:db8::25"}, {20, "mx.example.test"}}), {"mx.example.test/20"},
       std::nullopt, keep_order, 1},
      {"only unusable targets: 5.4.4", mx_answer({{10, "192.0.2.25"}, {20, "."}}), {},
       RouteFailure{true, "5.4.4", "no usable MX host for example.test"}, keep_order, 2},
      {"names normalised, duplicates merged at the lower preference",
       mx_answer({{20, "MX.Example.Test."}, {10, "mx.example.test"}, {30, "b.example.test"}}),
       {"mx.example.test/10", "b.example.test/30"}},
  };
  for (const PlanRow& row : rows) {
    SCOPED_TRACE(row.name);
    const MxPlan plan = plan_mx_hosts("Example.Test", row.mx, row.pick);
    EXPECT_EQ(describe(plan.hosts), row.hosts);
    EXPECT_EQ(plan.failure, row.failure);
    EXPECT_EQ(plan.skipped.size(), row.skipped);
  }
}

TEST(MxPlan, KeepsAtMostTenHosts) {
  std::vector<MxRecord> records;
  for (int i = 0; i < 15; ++i) {
    records.push_back({static_cast<std::uint16_t>(i), "mx" + std::to_string(i) + ".example.test"});
  }
  const MxPlan plan = plan_mx_hosts("example.test", mx_answer(records), keep_order);
  ASSERT_EQ(plan.hosts.size(), kMaxMxHosts);
  EXPECT_EQ(plan.hosts.back().host, "mx9.example.test");
  EXPECT_EQ(plan.skipped.size(), 5u);
}

TEST(MxPlan, RandomPickSpreadsEqualPreferences) {
  const auto records = mx_answer({{10, "a.example.test"}, {10, "b.example.test"}});
  const PickIndex pick = random_pick();
  std::set<std::string> firsts;
  // Both orders appear within 200 plans unless the generator is broken (chance 2^-199).
  for (int i = 0; i < 200 && firsts.size() < 2; ++i) {
    firsts.insert(plan_mx_hosts("example.test", records, pick).hosts.front().host);
  }
  EXPECT_EQ(firsts.size(), 2u);
}

IpAddress ip(const char* text) {
  IpAddress a;
  EXPECT_TRUE(IpAddress::parse(text, a)) << text;
  return a;
}
DnsResult<IpAddress> addrs(std::vector<const char*> texts) {
  DnsResult<IpAddress> r;
  r.status = DnsStatus::answer;
  for (const char* t : texts) r.records.push_back(ip(t));
  return r;
}
DnsResult<IpAddress> none(DnsStatus status) {
  DnsResult<IpAddress> r;
  r.status = status;
  r.reason = std::string(to_string(status));
  return r;
}

TEST(MxPlan, InterleavesIpv6First) {
  const auto out = interleave_addresses({ip("2001:db8::1"), ip("2001:db8::2"), ip("2001:db8::3")},
                                        {ip("192.0.2.1"), ip("192.0.2.1")});
  std::vector<std::string> text;
  for (const auto& a : out) text.push_back(a.to_string());
  EXPECT_EQ(text, (std::vector<std::string>{"2001:db8::1", "192.0.2.1", "2001:db8::2",
                                            "2001:db8::3"}));
  EXPECT_EQ(interleave_addresses({}, {ip("192.0.2.1"), ip("192.0.2.2")}, 1).size(), 1u);
}

struct RouteRow {
  const char* name;
  std::vector<HostAddresses> addresses;  // for hosts mx1 (10), mx2 (20)
  std::vector<std::string> targets;      // "host: addr addr"
  std::optional<bool> permanent = std::nullopt;
  std::string dsn = {};
};

TEST(MxPlan, AssemblesRoute) {
  const MxPlan plan = plan_mx_hosts(
      "example.test", mx_answer({{10, "mx1.example.test"}, {20, "mx2.example.test"}}), keep_order);
  const std::vector<RouteRow> rows = {
      {"all hosts with addresses, every address of an MX before the next MX",
       {{addrs({"2001:db8::1"}), addrs({"192.0.2.1", "192.0.2.2"})},
        {none(DnsStatus::nodata), addrs({"192.0.2.3"})}},
       {"mx1.example.test: 2001:db8::1 192.0.2.1 192.0.2.2", "mx2.example.test: 192.0.2.3"}},
      {"first MX's lookups fail temporarily: the next MX is used",
       {{none(DnsStatus::temporary), none(DnsStatus::temporary)},
        {none(DnsStatus::nodata), addrs({"192.0.2.3"})}},
       {"mx2.example.test: 192.0.2.3"}},
      {"first MX has no address records at all: skipped",
       {{none(DnsStatus::nxdomain), none(DnsStatus::nxdomain)},
        {addrs({"2001:db8::3"}), none(DnsStatus::nodata)}},
       {"mx2.example.test: 2001:db8::3"}},
      {"no host has an address, one lookup temporary: 4.4.3",
       {{none(DnsStatus::nodata), none(DnsStatus::temporary)},
        {none(DnsStatus::nxdomain), none(DnsStatus::nxdomain)}},
       {}, false, "4.4.3"},
      {"no host has an address, all answers final: 5.4.4",
       {{none(DnsStatus::nodata), none(DnsStatus::nodata)},
        {none(DnsStatus::nxdomain), none(DnsStatus::nxdomain)}},
       {}, true, "5.4.4"},
  };
  for (const RouteRow& row : rows) {
    SCOPED_TRACE(row.name);
    const DeliveryRoute route = assemble_route(plan, row.addresses);
    std::vector<std::string> got;
    for (const DeliveryTarget& t : route.targets) {
      std::string line = t.host + ":";
      for (const IpAddress& a : t.addresses) line += " " + a.to_string();
      got.push_back(line);
    }
    EXPECT_EQ(got, row.targets);
    EXPECT_EQ(route.ok(), !row.permanent.has_value());
    if (row.permanent) {
      ASSERT_TRUE(route.failure.has_value());
      EXPECT_EQ(route.failure->permanent, *row.permanent);
      EXPECT_EQ(route.failure->dsn, row.dsn);
      EXPECT_NE(route.failure->text.find("mx1.example.test"), std::string::npos);
      EXPECT_NE(route.failure->text.find("mx2.example.test"), std::string::npos);
    }
  }
}

TEST(MxPlan, FailedPlanGivesFailedRoute) {
  const MxPlan plan = plan_mx_hosts("example.test", mx_answer({{0, "."}}), keep_order);
  const DeliveryRoute route = assemble_route(plan, {});
  ASSERT_FALSE(route.ok());
  EXPECT_EQ(route.failure->dsn, "5.1.10");
  EXPECT_TRUE(route.targets.empty());
}

struct NextHopRow {
  const char* name;
  std::vector<HostAddresses> addresses;  // for the named hops: relay1 (587), relay2 (25)
  std::vector<std::string> targets;      // "host:port addr addr"
  bool fails = false;                    // then always temporary, 4.4.3
};

TEST(MxPlan, AssemblesConfiguredNextHops) {
  const std::vector<NextHopName> hops = {{"relay1.example.test", 587, false},
                                         {"192.0.2.10", 2525, true},
                                         {"relay2.example.test", 25, false}};
  const std::vector<NextHopRow> rows = {
      {"each hop in the configured order, literals as they are",
       {{addrs({"2001:db8::1"}), addrs({"192.0.2.1"})}, {none(DnsStatus::nodata), addrs({"192.0.2.3"})}},
       {"relay1.example.test:587 2001:db8::1 192.0.2.1", "192.0.2.10:2525 192.0.2.10",
        "relay2.example.test:25 192.0.2.3"}},
      {"a hop without addresses is skipped",
       {{none(DnsStatus::nxdomain), none(DnsStatus::nxdomain)}, {none(DnsStatus::nodata), addrs({"192.0.2.3"})}},
       {"192.0.2.10:2525 192.0.2.10", "relay2.example.test:25 192.0.2.3"}},
  };
  for (const NextHopRow& row : rows) {
    SCOPED_TRACE(row.name);
    const DeliveryRoute route = assemble_next_hops(hops, row.addresses);
    std::vector<std::string> got;
    for (const DeliveryTarget& t : route.targets) {
      std::string line = t.host + ":" + std::to_string(t.port);
      for (const IpAddress& a : t.addresses) line += " " + a.to_string();
      got.push_back(line);
    }
    EXPECT_EQ(got, row.targets);
    EXPECT_TRUE(route.ok());
  }
}

TEST(MxPlan, NextHopsThatCannotBeFoundAreATemporaryFailure) {
  const std::vector<NextHopName> hops = {{"relay1.example.test", 587, false}};
  for (DnsStatus status : {DnsStatus::nxdomain, DnsStatus::nodata, DnsStatus::temporary}) {
    const DeliveryRoute route = assemble_next_hops(hops, {{none(status), none(status)}});
    ASSERT_FALSE(route.ok());
    EXPECT_FALSE(route.failure->permanent);
    EXPECT_EQ(route.failure->dsn, "4.4.3");
    EXPECT_NE(route.failure->text.find("next hop relay1.example.test"), std::string::npos);
  }
}

// RFC 7672 §2.2: DANE needs a secure MX RRset (or a secure denial making the domain its own MX)
// and secure address lookups of the host; each is carried to the delivery targets.
TEST(MxPlan, CarriesTheDnssecFactsDaneNeeds) {
  auto secure = [](auto r) {
    r.authenticated = true;
    return r;
  };
  DnsResult<MxRecord> mx = secure(mx_answer({{10, "mx1.example.test"}, {20, "mx2.example.test"}}));
  const MxPlan plan = plan_mx_hosts("example.test", mx, keep_order);
  EXPECT_TRUE(plan.secure);
  const DeliveryRoute route = assemble_route(
      plan, {{secure(none(DnsStatus::nodata)), secure(addrs({"192.0.2.1"}))},
             {secure(addrs({"2001:db8::1"})), addrs({"192.0.2.2"})}});
  ASSERT_EQ(route.targets.size(), 2u);
  EXPECT_TRUE(route.mx_secure);
  EXPECT_TRUE(route.targets[0].addresses_secure);
  EXPECT_FALSE(route.targets[1].addresses_secure) << "one insecure address lookup";

  EXPECT_FALSE(plan_mx_hosts("example.test", mx_answer({{10, "mx.example.test"}}), keep_order)
                   .secure);
  DnsResult<MxRecord> denial = secure(mx_status(DnsStatus::nodata, ""));
  EXPECT_TRUE(plan_mx_hosts("example.test", denial, keep_order).secure)
      << "a secure NODATA makes the domain its own, secure, MX";
  DnsResult<MxRecord> failed = mx_status(DnsStatus::temporary, "SERVFAIL");
  failed.authenticated = true;
  EXPECT_FALSE(plan_mx_hosts("example.test", failed, keep_order).secure);
}

// RFC 7672 §2.2.2: the name a host's addresses belong to after CNAMEs is the preferred TLSA
// base domain, for MX hosts and next hops by name alike.
TEST(MxPlan, CarriesTheNameAfterCnames) {
  auto via = [](DnsResult<IpAddress> r, std::string name) {
    r.canonical_name = std::move(name);
    r.authenticated = true;
    return r;
  };
  const MxPlan plan = plan_mx_hosts("example.test", mx_answer({{10, "mx.example.test"},
                                                               {20, "mx2.example.test"},
                                                               {30, "mx3.example.test"}}),
                                    keep_order);
  const DeliveryRoute route = assemble_route(
      plan, {{via(none(DnsStatus::nodata), "mx.provider.test"),
              via(addrs({"192.0.2.1"}), "MX.Provider.test.")},
             {via(none(DnsStatus::nodata), "mx2.example.test"),
              via(addrs({"192.0.2.2"}), "mx2.example.test")},
             {none(DnsStatus::nodata), addrs({"192.0.2.3"})}});
  ASSERT_EQ(route.targets.size(), 3u);
  EXPECT_EQ(route.targets[0].expanded_name, "mx.provider.test") << "normalised";
  EXPECT_EQ(route.targets[1].expanded_name, "") << "the host owns its addresses";
  EXPECT_EQ(route.targets[2].expanded_name, "") << "no canonical name given";

  const DeliveryRoute hops = assemble_next_hops(
      {{"relay.example.test", 587, false}, {"192.0.2.9", 25, true}},
      {{via(none(DnsStatus::nodata), "smtp.provider.test"),
        via(addrs({"192.0.2.5"}), "smtp.provider.test")}});
  ASSERT_EQ(hops.targets.size(), 2u);
  EXPECT_EQ(hops.targets[0].expanded_name, "smtp.provider.test");
  EXPECT_TRUE(hops.targets[0].addresses_secure);
  EXPECT_FALSE(hops.targets[1].addresses_secure) << "an address literal has no lookup";
}

}  // namespace
}  // namespace stsrelay::net
