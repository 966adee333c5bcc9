// Validation of a parsed configuration: what the type of a value cannot say. Addresses in
// server.listen and delivery.dns_servers, CIDR networks in relay.allow_networks (parsed with
// the same functions the server and the resolver use, so that what passes here also binds),
// host names, TLS material set in pairs, the retry schedule, log level names, and limits that
// depend on each other. Pure: no file is opened (a missing certificate is found at start-up).
#pragma once

#include "src/app/config/config_parser.hpp"
#include "src/core/result.hpp"

namespace stsrelay::app {

// Every problem is one line, "file:line: key: what", ordered as in the file; all of them at once.
core::Status validate_config(const ParsedConfig& parsed);

// The spdlog level names that [log] level accepts.
bool is_log_level(std::string_view name);

}  // namespace stsrelay::app
