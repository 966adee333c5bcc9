#include "src/app/check/route_finding.hpp"

#include <string>

namespace stsrelay::app {
namespace {

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

CheckLine route_line(std::size_t index, const delivery::Route& r) {
  std::string who = "route[" + std::to_string(index) + "]";
  if (!r.senders.empty()) who += " (senders " + joined(r.senders) + ")";
  const std::string floor(delivery::to_string(r.tls));
  if (!r.via_mx()) {
    std::vector<std::string> hops;
    for (const delivery::NextHop& hop : r.next_hops) hops.push_back(delivery::format_next_hop(hop));
    return {"route", CheckStatus::warn,
            who + " overrides MX delivery: mail goes to " + joined(hops) + " with tls=" + floor +
                ", and the domain's MTA-STS policy is not applied to it"};
  }
  if (r.tls == delivery::TlsFloor::none) {
    return {"route", CheckStatus::warn,
            who + " has tls=none: mail goes to the MX hosts in plain text, and the domain's "
                  "MTA-STS policy is not applied to it"};
  }
  return {"route", CheckStatus::pass,
          who + ": MX delivery with tls=" + floor + "; the domain's MTA-STS policy applies too"};
}

}  // namespace

std::vector<CheckLine> judge_routes(std::string_view domain, const delivery::RouteTable& routes) {
  std::vector<CheckLine> out;
  const std::vector<delivery::Route>& all = routes.routes();
  for (std::size_t i = 0; i < all.size(); ++i) {
    const delivery::Route& r = all[i];
    bool matches = false;
    for (const std::string& pattern : r.domains) {
      matches = matches || delivery::domain_matches(pattern, domain);
    }
    if (!matches) continue;
    out.push_back(route_line(i, r));
    if (r.senders.empty()) break;  // it takes all mail the tables before it left
  }
  return out;
}

}  // namespace stsrelay::app
