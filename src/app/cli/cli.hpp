// The `stsrelay` command line (CLI11):
//   stsrelay serve                     the daemon (daemon.hpp)
//   stsrelay queue list [--json] | show ID [--json] | delete ID | retry ID | flush
//   stsrelay policy list | show DOMAIN | refresh DOMAIN   (cli_policy.cpp)
//   stsrelay passwd USER [--file F]    an entry for relay.auth_users_file
//   stsrelay --version | --help
// Every command takes --config FILE (default etc/stsrelay.toml), before or after its name.
// Exit status: 0 success, 1 failure (not found, I/O), 2 bad usage or configuration.
#pragma once

namespace stsrelay::app {

// Parses the command line and runs the command; returns the process exit status.
int run_cli(int argc, char** argv);

}  // namespace stsrelay::app
