#include "src/app/cli.hpp"

#include <CLI/CLI.hpp>

#ifndef STSRELAY_VERSION
#define STSRELAY_VERSION "0.0.0"
#endif

namespace stsrelay::app {

int run_cli(int argc, char** argv) {
  CLI::App app{"stsrelay: outbound SMTP relay with MTA-STS enforcement and TLS-RPT"};
  app.set_version_flag("--version", std::string("stsrelay ") + STSRELAY_VERSION);
  app.require_subcommand(1);
  CLI11_PARSE(app, argc, argv);
  return 0;
}

}  // namespace stsrelay::app
