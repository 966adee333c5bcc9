// `stsrelay check`: the "route" lines for a domain that [[route]] tables send elsewhere.
#include "src/app/check/route_finding.hpp"

#include <gtest/gtest.h>

#include "table_test.hpp"

namespace stsrelay::app {
namespace {

delivery::Route route(std::vector<std::string> domains, const char* hop, delivery::TlsFloor tls,
                      std::vector<std::string> senders = {}) {
  delivery::Route r;
  r.domains = std::move(domains);
  r.senders = std::move(senders);
  r.next_hops = {*delivery::parse_next_hop(hop)};
  r.tls = tls;
  return r;
}

std::string lines_of(std::string_view domain, const delivery::RouteTable& table) {
  std::string out;
  for (const CheckLine& l : judge_routes(domain, table)) {
    out += std::string(to_string(l.status)) + " " + l.evidence + "\n";
  }
  return out;
}

TEST(RouteFinding, NoTablesNoLines) {
  EXPECT_TRUE(judge_routes("example.com", delivery::RouteTable()).empty());
}

TEST(RouteFinding, Lines) {
  using F = delivery::TlsFloor;
  const delivery::RouteTable table({
      route({"corp.example", ".corp.example"}, "[192.0.2.10]:25", F::encrypt),
      route({"partner.example"}, "mx", F::verify),
      route({"*"}, "smtp.provider.example:587", F::verify, {"shop.example.org"}),
      route({"legacy.example"}, "mx", F::none),
  });
  const testing::Row<std::string, std::string> rows[] = {
      {"only a sender-dependent table matches",
       "other.example",
       "warn route[2] (senders shop.example.org) overrides MX delivery: mail goes to "
       "smtp.provider.example:587 with tls=verify, and the domain's MTA-STS policy is not "
       "applied to it\n"},
      {"a next hop of its own",
       "mail.corp.example",
       "warn route[0] overrides MX delivery: mail goes to [192.0.2.10]:25 with tls=encrypt, and "
       "the domain's MTA-STS policy is not applied to it\n"},
      {"MX delivery with a floor",
       "partner.example",
       "pass route[1]: MX delivery with tls=verify; the domain's MTA-STS policy applies too\n"},
      {"a sender-dependent table, then the one for everyone",
       "legacy.example",
       "warn route[2] (senders shop.example.org) overrides MX delivery: mail goes to "
       "smtp.provider.example:587 with tls=verify, and the domain's MTA-STS policy is not "
       "applied to it\n"
       "warn route[3] has tls=none: mail goes to the MX hosts in plain text, and the domain's "
       "MTA-STS policy is not applied to it\n"},
  };
  testing::expect_rows(rows, [&table](const std::string& d) { return lines_of(d, table); });
}

}  // namespace
}  // namespace stsrelay::app
