// The `stsrelay` command line (CLI11): serve, queue, policy, check, report, passwd, dkim.
#pragma once

namespace stsrelay::app {

// Parses the command line and runs the command; returns the process exit status.
int run_cli(int argc, char** argv);

}  // namespace stsrelay::app
