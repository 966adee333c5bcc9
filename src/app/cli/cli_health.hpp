// `stsrelay health`: asks the running daemon's /healthz ([metrics] listen) and prints one line,
// "healthy: smtp ok; queue ok; delivery ok" or "unhealthy: <why>". Exit 0 when healthy, 1 for
// everything else: unhealthy, no answer within 5 s, and a configuration without a metrics
// address too, because the Docker HEALTHCHECK that runs it reserves exit status 2.
#pragma once

#include "src/app/cli/cli_common.hpp"

namespace CLI { class App; }

namespace stsrelay::app {

void add_health_command(CLI::App& app, CliContext& ctx);

}  // namespace stsrelay::app
