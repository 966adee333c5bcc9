// `stsrelay cluster status`: what the shared database ([cluster] database) says about the fleet:
// the database itself (redacted target, reachable or why not, schema version), the nodes whose
// heartbeat it holds (name, version, age of the last heartbeat, TLS-RPT spool size), and who
// holds which lease: MTA-STS proactive refreshes (sts_refresh_leases) and the TLS-RPT report
// leases the report runs take (tlsrpt_report_leases: day, domain, node, state, until). One
// connection, every statement bounded by the usual timeouts.
// Exit status: 0 when the database answered, 1 when it did not, 2 for a configuration without
// [cluster] database (there is no fleet to show) or an unusable one.
#include <CLI/CLI.hpp>

#include <iostream>

#include "src/app/cli/cli_common.hpp"
#include "src/app/cli/cluster_status_format.hpp"
#include "src/app/daemon/cluster_services.hpp"
#include "src/db/pg_connection.hpp"
#include "src/db/pg_conninfo.hpp"

namespace stsrelay::app {
namespace {

core::Result<std::int64_t> one_integer(db::PgConnection& conn, std::string_view sql) {
  auto r = conn.exec(sql);
  if (!r) return r.error();
  return r->integer(0, 0);
}

// Fills `out` from the database; an error leaves what was read so far.
core::Status load_status(db::PgConnection& conn, ClusterStatus& out) {
  auto exists = one_integer(conn, "SELECT (to_regclass('stsrelay_schema') IS NOT NULL)::int");
  if (!exists) return exists.error();
  if (*exists == 0) return core::Ok{};
  auto version = one_integer(conn, "SELECT coalesce(max(version), 0) FROM stsrelay_schema");
  if (!version) return version.error();
  out.schema_version = static_cast<int>(*version);
  if (out.schema_version >= 2) {
    auto nodes = conn.exec(
        "SELECT node, version, extract(epoch FROM now() - last_heartbeat)::bigint, "
        "spool_batches, to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') "
        "FROM cluster_nodes WHERE last_heartbeat > now() - interval '1 day' ORDER BY node");
    if (!nodes) return nodes.error();
    for (int i = 0; i < nodes->rows(); ++i) {
      auto age = nodes->integer(i, 2);
      auto spool = nodes->integer(i, 3);
      if (!age) return age.error();
      if (!spool) return spool.error();
      out.nodes.push_back({nodes->text(i, 0), nodes->text(i, 1), *age, *spool,
                           nodes->text(i, 4) + " UTC"});
    }
    auto leases = conn.exec(
        "SELECT domain, node, expires_at - extract(epoch FROM now())::bigint "
        "FROM sts_refresh_leases ORDER BY domain");
    if (!leases) return leases.error();
    for (int i = 0; i < leases->rows(); ++i) {
      auto left = leases->integer(i, 2);
      if (!left) return left.error();
      out.refresh_leases.push_back(
          {leases->text(i, 0), leases->text(i, 1), describe_lease_left(*left)});
    }
  }
  if (out.schema_version < 3) return core::Ok{};
  auto leases = conn.exec(
      "SELECT day, domain, node, state, to_char(lease_until AT TIME ZONE 'UTC', "
      "'YYYY-MM-DD HH24:MI:SS'), extract(epoch FROM lease_until - now())::bigint "
      "FROM tlsrpt_report_leases ORDER BY day, domain");
  if (!leases) return leases.error();
  for (int i = 0; i < leases->rows(); ++i) {
    auto left = leases->integer(i, 5);
    if (!left) return left.error();
    out.report_leases.push_back(
        {leases->text(i, 0) + " " + leases->text(i, 1), leases->text(i, 2),
         describe_report_lease(leases->text(i, 3), leases->text(i, 4) + " UTC", *left)});
  }
  return core::Ok{};
}

int run_status(const CliContext& ctx) {
  auto config = load_config_for_cli(ctx);
  if (!config) return kExitUsage;
  if (!config->cluster.enabled()) {
    print_error("cluster.database is not set in " + ctx.config_path +
                ": this node runs alone, there is no fleet to show");
    return kExitUsage;
  }
  const std::string node = cluster_node_name(config->cluster);
  auto settings = cluster_pg_settings(config->cluster, node);
  if (!settings) {
    print_error(settings.error().message);
    return kExitUsage;
  }
  settings->application_name = "stsrelay cluster status";
  ClusterStatus status;
  status.target = db::redact_conninfo(settings->conninfo);
  auto conn = db::PgConnection::connect(*settings);
  core::Status loaded = conn ? load_status(*conn, status) : core::Status(conn.error());
  if (!loaded) status.error = loaded.error().message;
  std::cout << format_cluster_status(status);
  return loaded ? kExitOk : kExitFailure;
}

}  // namespace

void add_cluster_command(CLI::App& app, CliContext& ctx) {
  auto* cluster = app.add_subcommand("cluster", "the fleet sharing [cluster] database");
  cluster->require_subcommand(1);
  auto* status = cluster->add_subcommand(
      "status", "nodes, their heartbeats and spools, the database, who holds which lease");
  run_when_chosen(*status, ctx, [&ctx] { return run_status(ctx); });
}

}  // namespace stsrelay::app
