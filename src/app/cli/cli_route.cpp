// `stsrelay route DOMAIN [--sender ADDR]`: the [[route]] table a recipient domain gets (first
// match wins; with --sender, sender-dependent tables count), its next hops, TLS floor, AUTH and
// source address, and whether the domain's own MTA-STS policy applies (only for MX delivery).
// Exit status: 0, or 2 for a bad domain, address or configuration.
#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>

#include "src/app/cli/cli_common.hpp"
#include "src/app/config/route_credentials_load.hpp"
#include "src/delivery/route_table.hpp"

namespace stsrelay::app {
namespace {

struct RouteOptions {
  std::string domain;
  std::string sender;
};

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

int run(const CliContext& ctx, const RouteOptions& o) {
  const auto args = config_and_domain(ctx, o.domain);
  if (!args) return kExitUsage;
  const Config& config = args->config;
  const std::string& domain = args->domain;
  std::string sender_domain;
  if (!o.sender.empty()) {
    const std::size_t at = o.sender.rfind('@');
    auto normal = domain_argument(at == std::string::npos ? o.sender : o.sender.substr(at + 1));
    if (!normal) return kExitUsage;
    sender_domain = std::move(*normal);
  }
  const delivery::RouteTable table(config.routes);
  const delivery::RouteMatch match = table.match(domain, sender_domain);
  const delivery::Route& r = table.route_for(domain, sender_domain);
  std::vector<std::string> hops;
  for (const auto& hop : r.next_hops) hops.push_back(delivery::format_next_hop(hop));
  std::string auth = "none";
  if (!r.auth_file.empty()) {
    // The file as the daemon would read it: its mode and its line are checked here too.
    auto loaded = load_routes({r});
    auth = loaded ? r.auth_file + " (user " + loaded->routes()[0].credentials->user +
                        "; sent only over TLS)"
                  : r.auth_file + " (unusable: " + loaded.error().message + ")";
  }
  std::string source = r.source_address;
  if (source.empty()) {
    source = config.delivery.source_address.empty()
                 ? "default"
                 : config.delivery.source_address + " (delivery.source_address)";
  }
  std::string sts = "the domain's policy applies to its MX hosts";
  if (!r.via_mx()) {
    sts = "not applied: the next hops are not the domain's MX hosts";
  } else if (r.tls == delivery::TlsFloor::none) {
    sts = "not applied: the route's tls is \"none\" (plain text)";
  }

  std::cout << "domain:         " << domain << '\n';
  if (match.route) {
    std::cout << "route:          route[" << match.index << "] (domains " << joined(r.domains);
    if (!r.senders.empty()) std::cout << "; senders " << joined(r.senders);
    std::cout << ")\n";
  } else {
    std::cout << "route:          default (no [[route]] matches)\n";
  }
  std::cout << "next hops:      " << joined(hops) << '\n'
            << "tls floor:      " << delivery::to_string(r.tls) << '\n'
            << "implicit tls:   " << (r.implicit_tls ? "yes" : "no (STARTTLS)") << '\n'
            << "auth:           " << auth << '\n'
            << "source address: " << source << '\n'
            << "mta-sts:        " << sts << '\n'
            << std::flush;
  return kExitOk;
}

}  // namespace

void add_route_command(CLI::App& app, CliContext& ctx) {
  auto options = std::make_shared<RouteOptions>();
  CLI::App* cmd = app.add_subcommand(
      "route", "the [[route]] a recipient domain gets: next hops, TLS floor, AUTH, source "
               "address, and whether its MTA-STS policy applies");
  cmd->add_option("DOMAIN", options->domain, "recipient domain")->required();
  cmd->add_option("--sender", options->sender,
                  "envelope sender (or its domain), for sender-dependent routes");
  run_when_chosen(*cmd, ctx, [&ctx, options] { return run(ctx, *options); });
}

}  // namespace stsrelay::app
