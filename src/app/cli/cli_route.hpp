// `stsrelay route DOMAIN [--sender ADDR]`: the [[route]] table a recipient domain gets (first
// match wins; with --sender, sender-dependent tables count), its next hops, TLS floor, AUTH and
// source address, and whether the domain's own MTA-STS policy applies (only for MX delivery).
// Exit status: 0, or 2 for a bad domain, address or configuration.
#pragma once

namespace CLI { class App; }

namespace stsrelay::app {

struct CliContext;

void add_route_command(CLI::App& app, CliContext& ctx);

}  // namespace stsrelay::app
