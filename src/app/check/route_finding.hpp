// `stsrelay check DOMAIN`: what this relay's own [[route]] tables do to the domain's MTA-STS, so
// that a check that passes is not mistaken for "my mail to it is protected by MTA-STS" when a
// route sends that mail elsewhere. Pure.
#pragma once

#include <string_view>
#include <vector>

#include "src/app/check/check_report.hpp"
#include "src/delivery/route_table.hpp"

namespace stsrelay::app {

// One "route" line per table that matches `domain` (normalised), up to and including the first
// one without `senders` (which takes all mail left); none when no table matches (MX delivery,
// floor may, the policy applies as checked). A route to next hops of its own, or with tls
// "none", is a warning: the domain's policy is not applied to that mail.
std::vector<CheckLine> judge_routes(std::string_view domain, const delivery::RouteTable& routes);

}  // namespace stsrelay::app
