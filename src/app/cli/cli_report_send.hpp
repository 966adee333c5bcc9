// `stsrelay report send --day YYYY-MM-DD [--domain D]`: (re)builds that day's TLS-RPT reports
// and sends every due delivery now, printing one line per report and per destination. In a fleet
// a report already built (by any node) is not built again: the node holding its lease sends
// what of it has not been sent (report_steps.hpp).
#pragma once

#include <string>

#include "src/app/cli/cli_common.hpp"

namespace stsrelay::app {

struct ReportSendOptions {
  std::string day;     // YYYY-MM-DD (UTC)
  std::string domain;  // empty: every policy domain with sessions that day
};

int run_report_send(const CliContext& ctx, const ReportSendOptions& options);

}  // namespace stsrelay::app
