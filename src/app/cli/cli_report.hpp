// `stsrelay report list [--json] | show ID`: the TLS-RPT reports stored in tlsrpt.db (in
// queue.state_dir), read through their own connection, safe while the daemon runs.
//   list  every report: day, policy domain, report-id, creation time, and each rua destination
//         with its delivery state (pending, sent, failed), attempts, next attempt, last error
//   show  the report's JSON (RFC 8460 §4.4) as it was built and sent
// Exit status: 0 success, 1 failure (no such report, no tlsrpt.db, I/O), 2 usage/config.
#pragma once

namespace CLI { class App; }

namespace stsrelay::app {

struct CliContext;

void add_report_commands(CLI::App& app, CliContext& ctx);

}  // namespace stsrelay::app
