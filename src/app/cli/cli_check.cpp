// `stsrelay check DOMAIN [--json]`: diagnoses a domain's MTA-STS set-up from here, with the
// daemon's configuration (DNS servers, trust store, fetch limits, sts.db); check_runner.hpp says
// what is checked. Exit 0 when the domain would receive mail from a relay that enforces MTA-STS,
// 1 when it would not, 2 when the check could not run (see check_report.hpp).
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <iostream>
#include <memory>

#include "src/app/check/check_runner.hpp"
#include "src/app/check/route_finding.hpp"
#include "src/app/cli/cli_common.hpp"
#include "src/app/config/delivery_settings_map.hpp"
#include "src/delivery/route_table.hpp"

namespace stsrelay::app {
namespace {

struct CheckOptions {
  std::string domain;
  bool json = false;
};

// As delivery decides it: [dane] enforcement or the domain's override is not "off", or the
// domain's route asks for DANE with a dane or dane-only floor.
bool dane_applies(const Config& config, const std::string& domain) {
  const auto it = config.dane.overrides.find(domain);
  const auto mode = it != config.dane.overrides.end() ? it->second : config.dane.enforcement;
  const delivery::RouteTable routes(config.routes);
  const delivery::TlsFloor floor = routes.route_for(domain, "").tls;
  return mode != sts::LocalEnforcement::off || floor == delivery::TlsFloor::dane ||
         floor == delivery::TlsFloor::dane_only;
}

int run(const CliContext& ctx, const CheckOptions& o) {
  const auto args = config_and_domain(ctx, o.domain);
  if (!args) return kExitUsage;
  const Config& config = args->config;
  const std::string& domain = args->domain;
  CheckSettings s;
  if (!resolver_settings_for_cli(config, s.dns)) return kExitUsage;
  s.ca_file = config.delivery.ca_file;
  s.helo_name = config.delivery.helo_name.empty() ? config.server.hostname
                                                   : config.delivery.helo_name;
  s.fetch_timeout =
      std::chrono::duration_cast<std::chrono::milliseconds>(config.sts.fetch_timeout);
  s.max_policy_size = config.sts.max_policy_size;
  s.sts_db = (std::filesystem::path(config.queue.state_dir) / "sts.db").string();
  s.route_lines = judge_routes(domain, delivery::RouteTable(config.routes));
  s.dane = dane_applies(config, domain);
  s.validation_probe = config.dane.validation_probe;

  // The report says what happened; the clients' own log lines would only repeat it.
  spdlog::set_level(spdlog::level::err);
  const CheckReport report = run_check(s, domain);
  std::cout << (o.json ? render_json(report) : render_text(report)) << std::flush;
  return report.exit_status();
}

}  // namespace

void add_check_command(CLI::App& app, CliContext& ctx) {
  auto options = std::make_shared<CheckOptions>();
  CLI::App* cmd = app.add_subcommand(
      "check",
      "diagnose a domain's MTA-STS set-up now: TXT record, policy fetch and syntax, MX records "
      "against the policy, each MX's STARTTLS and certificate, TLS-RPT record, policy changed "
      "without a new id. Exit 0: mail would flow under enforcement; 1: it would not; 2: the "
      "check could not run");
  cmd->add_option("DOMAIN", options->domain, "recipient domain")->required();
  cmd->add_flag("--json", options->json, "print the report as JSON");
  run_when_chosen(*cmd, ctx, [&ctx, options] { return run(ctx, *options); });
}

}  // namespace stsrelay::app
