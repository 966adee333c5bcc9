#include "src/app/cli/cli.hpp"

#include <CLI/CLI.hpp>

#include <exception>
#include <iostream>

#include "src/app/cli/cli_common.hpp"
#include "src/app/cli/version.hpp"

namespace stsrelay::app {

int run_cli(int argc, char** argv) {
  CLI::App app{"stsrelay: outbound SMTP relay with MTA-STS enforcement and TLS-RPT reports",
               "stsrelay"};
  app.set_version_flag("--version", "stsrelay " + std::string(version()));
  CliContext ctx;
  // STSRELAY_CONFIG names it where the default path does not fit: the Docker image sets it, so
  // that a command run in the container (`docker exec ... stsrelay queue list`) finds the
  // daemon's configuration from any working directory.
  app.add_option("-c,--config", ctx.config_path, "configuration file")
      ->envname("STSRELAY_CONFIG")
      ->capture_default_str();
  // Subcommands inherit this: --config may follow the command's name too.
  app.fallthrough();
  app.require_subcommand(1);

  add_serve_command(app, ctx);
  add_queue_commands(app, ctx);
  add_policy_commands(app, ctx);
  add_check_command(app, ctx);
  add_route_command(app, ctx);
  add_passwd_command(app, ctx);
  add_dkim_commands(app, ctx);
  add_report_commands(app, ctx);
  add_health_command(app, ctx);
  add_cluster_command(app, ctx);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version are "errors" with status 0; app.exit prints them.
    const int status = app.exit(e);
    return status == 0 ? kExitOk : kExitUsage;
  }
  if (!ctx.action) {
    std::cerr << app.help();
    return kExitUsage;
  }
  try {
    return ctx.action();
  } catch (const std::exception& e) {
    print_error(e.what());
    return kExitFailure;
  }
}

}  // namespace stsrelay::app
