// `stsrelay check DOMAIN [--json]`: diagnoses a domain's MTA-STS set-up from here, with the
// daemon's configuration (DNS servers, trust store, fetch limits, sts.db); check_runner.hpp says
// what is checked. Exit 0 when the domain would receive mail from a relay that enforces MTA-STS,
// 1 when it would not, 2 when the check could not run (see check_report.hpp).
#pragma once

#include "src/app/cli/cli_common.hpp"

namespace CLI { class App; }

namespace stsrelay::app {

void add_check_command(CLI::App& app, CliContext& ctx);

}  // namespace stsrelay::app
