// The route a delivery job follows: recipient and sender domains matched, the floor's source and
// the next-hop domain `secure` checks, and REQUIRETLS carried into the TLS demand.
#include "src/delivery/job_route.hpp"

#include <gtest/gtest.h>

#include "table_test.hpp"

namespace stsrelay::delivery {
namespace {

queue::DeliveryJob job(const char* domain, const char* sender, bool requiretls = false) {
  queue::DeliveryJob j;
  j.domain = domain;
  j.envelope.sender = sender;
  j.envelope.require_tls = requiretls;
  return j;
}

Route route(std::vector<std::string> domains, const char* hop, TlsFloor tls,
            std::vector<std::string> senders = {}) {
  Route r;
  r.domains = std::move(domains);
  r.senders = std::move(senders);
  r.next_hops = {*parse_next_hop(hop)};
  r.tls = tls;
  return r;
}

TEST(JobRoute, AddressDomains) {
  const testing::Row<std::string, std::string> rows[] = {
      {"plain", "a@Example.COM", "example.com"},
      {"IDNA", "a@Bücher.example", "xn--bcher-kva.example"},
      {"the last @", "\"a@b\"@example.org", "example.org"},
      {"null sender", "", ""},
      {"no domain", "postmaster", ""},
  };
  testing::expect_rows(rows, [](const std::string& a) { return address_domain(a); });
}

struct Want {
  std::string name;
  std::string floor;
  std::string nexthop_domain;
  bool requiretls;
  friend bool operator==(const Want&, const Want&) = default;
};

TEST(JobRoute, TableAndDemand) {
  const RouteTable table({route({"shop.test"}, "[192.0.2.1]:25", TlsFloor::encrypt),
                          route({"*"}, "relay.example:587", TlsFloor::verify, {"news.test"}),
                          route({"partner.test"}, "mx", TlsFloor::secure)});
  const testing::Row<queue::DeliveryJob, Want> rows[] = {
      {"by recipient domain", job("SHOP.test", "a@x.test"), {"route[0]", "encrypt", "", false}},
      {"by sender domain", job("any.test", "a@News.Test"), {"route[1]", "verify", "", false}},
      {"the null sender matches no sender table", job("any.test", ""),
       {"default", "may", "any.test", false}},
      {"MX delivery: secure names the recipient domain", job("partner.test", "a@x.test", true),
       {"route[2]", "secure", "partner.test", true}},
  };
  testing::expect_rows(rows, [&table](const queue::DeliveryJob& j) {
    const JobRoute r = route_for_job(table, j);
    EXPECT_EQ(r.demand.source, r.name);
    return Want{r.name, std::string(to_string(r.demand.floor)), r.demand.nexthop_domain,
                r.demand.requiretls};
  });
}

}  // namespace
}  // namespace stsrelay::delivery
