// `stsrelay report list [--json] | show ID`: the TLS-RPT reports stored in tlsrpt.db (in
// queue.state_dir), or with [cluster] database the whole organisation's in the shared database
// (cli_report_storage.hpp), read through their own connection, safe while the daemon runs.
//   list  every report: day, policy domain, report-id, creation time, and each rua destination
//         with its delivery state (pending, sent, failed), attempts, next attempt, last error
//   show  the report's JSON (RFC 8460 §4.4) as it was built and sent
// In a fleet, `list` also prints which node holds or sent each report (the leases).
// Exit status: 0 success, 1 failure (no such report, no tlsrpt.db, the cluster database
// unreachable, I/O), 2 usage/config.
#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>

#include "src/app/cli/cli_common.hpp"
#include "src/app/cli/cli_report_send.hpp"
#include "src/app/cli/cli_report_storage.hpp"
#include "src/app/daemon/cluster_services.hpp"
#include "src/db/pg_ask.hpp"
#include "tlsrpt/pg_report_lease.hpp"
#include "tlsrpt/report_list_format.hpp"

namespace stsrelay::app {
namespace {

// A fleet: who holds or sent each report of the organisation, as the shared database's leases
// tell it, after the reports themselves.
int print_fleet_leases(const Config& config) {
  const std::string node = cluster_node_name(config.cluster);
  auto pg = cluster_pg_settings(config.cluster, node);
  if (!pg) return report_failure(pg.error());
  core::SystemClock clock;
  db::PgWorker worker(*pg, clock);
  auto leases = db::ask_within<std::vector<tlsrpt::LeaseRow>>(
      worker, kCliFleetWait, [](db::PgConnection& c) { return tlsrpt::load_report_leases(c); });
  if (!leases) return report_failure(leases.error());
  std::cout << "fleet (postgresql " << worker.target() << "), this node " << node << ":\n";
  if (leases->empty()) std::cout << "  no report of any node yet\n";
  for (const tlsrpt::LeaseRow& l : *leases) {
    std::cout << "  " << tlsrpt::format_day(l.day) << "  " << l.domain << "  "
              << tlsrpt::to_string(l.lease.state) << " by " << l.lease.node;
    if (l.lease.state != tlsrpt::LeaseState::sent) {
      std::cout << ", lease until " << tlsrpt::format_rfc3339(l.lease.until);
    }
    if (l.taken_over > 0) std::cout << " (taken over " << l.taken_over << "x)";
    std::cout << "\n";
  }
  std::cout << std::flush;
  return kExitOk;
}

int run_list(const CliContext& ctx, const ListShowOptions& o) {
  auto config = load_config_for_cli(ctx);
  if (!config) return kExitUsage;
  const int status = with_report_storage(*config, [&o](tlsrpt::ReportStorage& store) {
    auto reports = store.list_reports();
    if (!reports) return report_failure(reports.error());
    std::cout << (o.json ? tlsrpt::format_report_list_json(*reports)
                         : tlsrpt::format_report_list_text(*reports))
              << std::flush;
    return kExitOk;
  });
  // The JSON is the array of reports; the text adds who holds or sent each.
  if (status != kExitOk || o.json || !config->cluster.enabled()) return status;
  return print_fleet_leases(*config);
}

int run_show(const CliContext& ctx, const ListShowOptions& o) {
  auto config = load_config_for_cli(ctx);
  if (!config) return kExitUsage;
  return with_report_storage(*config, [&o](tlsrpt::ReportStorage& store) {
    // The id as printed by `report list`, or as quoted in a Subject (<id>).
    std::string id = o.id;
    if (id.size() > 2 && id.front() == '<' && id.back() == '>') id = id.substr(1, id.size() - 2);
    auto report = store.load_report(id);
    if (!report) return report_failure(report.error());
    std::cout << report->json << "\n" << std::flush;
    return kExitOk;
  });
}

}  // namespace

void add_report_commands(CLI::App& app, CliContext& ctx) {
  auto options = std::make_shared<ListShowOptions>();
  CLI::App* r = app.add_subcommand("report", "list, show and send TLS-RPT reports (RFC 8460)");
  r->require_subcommand(1);

  CLI::App* list = r->add_subcommand(
      "list", "list reports: day, domain, report-id, and the state of each rua destination");
  list->add_flag("--json", options->json, "print a JSON array");
  run_when_chosen(*list, ctx, [&ctx, options] { return run_list(ctx, *options); });

  auto send_options = std::make_shared<ReportSendOptions>();
  CLI::App* send = r->add_subcommand(
      "send", "build a day's reports again and send them, with every other due delivery, now");
  send->add_option("--day", send_options->day, "the UTC day, YYYY-MM-DD")->required();
  send->add_option("--domain", send_options->domain, "only this policy domain");
  run_when_chosen(*send, ctx,
                  [&ctx, send_options] { return run_report_send(ctx, *send_options); });

  CLI::App* show = r->add_subcommand("show", "print the JSON of a report");
  show->add_option("ID", options->id, "report-id as printed by `report list`")->required();
  run_when_chosen(*show, ctx, [&ctx, options] { return run_show(ctx, *options); });
}

}  // namespace stsrelay::app
