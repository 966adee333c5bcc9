// Reading the [[route]] auth_file passwords at start-up and on SIGHUP (a failure refuses the
// reload; the running routes stay), into the route table delivery follows.
#pragma once

#include <string_view>
#include <vector>

#include "src/core/result.hpp"
#include "src/delivery/route_table.hpp"

namespace stsrelay::app {

// "user:password" on the first line (the password may hold ':'; a final CR LF or LF is not part
// of it). Errors never quote the password.
core::Result<delivery::RouteCredentials> parse_route_credentials(std::string_view text);

// The routes with each auth_file read. A file that others may read (or write) is refused, as
// Postfix's postmap warns for sasl_passwd and ssh for keys: the password is the organisation's
// account at its provider. Errors name the key: "route[1].auth_file: /etc/...: ...".
core::Result<delivery::RouteTable> load_routes(std::vector<delivery::Route> routes);

}  // namespace stsrelay::app
