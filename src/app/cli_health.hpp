// `stsrelay health`: asks the running daemon's /healthz ([metrics] listen) and exits 0 when it is
// healthy, 1 when it is not or does not answer within 5 s (one line says why), 2 when the
// configuration has no metrics address. The Docker HEALTHCHECK runs it.
#pragma once

#include "src/app/cli_common.hpp"

namespace CLI { class App; }

namespace stsrelay::app {

void add_health_command(CLI::App& app, CliContext& ctx);

}  // namespace stsrelay::app
