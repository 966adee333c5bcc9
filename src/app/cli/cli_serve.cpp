// `stsrelay serve`: runs the daemon (daemon.hpp) on the configuration of --config.
#include <CLI/CLI.hpp>

#include "src/app/cli/cli_common.hpp"
#include "src/app/daemon/daemon.hpp"

namespace stsrelay::app {

void add_serve_command(CLI::App& app, CliContext& ctx) {
  CLI::App* serve = app.add_subcommand(
      "serve", "run the relay: accept mail over SMTP and queue it (SIGHUP reloads the config)");
  run_when_chosen(*serve, ctx, [&ctx] { return run_daemon(ctx.config_path); });
}

}  // namespace stsrelay::app
