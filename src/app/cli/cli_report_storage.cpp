#include "src/app/cli/cli_report_storage.hpp"

#include <filesystem>

#include "src/app/cli/cli_common.hpp"
#include "src/app/daemon/cluster_services.hpp"
#include "src/db/pg_ask.hpp"
#include "src/db/pg_migrate.hpp"
#include "tlsrpt/pg_report_store.hpp"
#include "tlsrpt/report_store.hpp"

namespace stsrelay::app {

core::Result<std::unique_ptr<db::PgWorker>> open_fleet_worker(const Config& config,
                                                              const std::string& node,
                                                              const core::Clock& clock) {
  auto pg = cluster_pg_settings(config.cluster, node);
  if (!pg) return pg.error();
  db::PgWorkerOptions options;
  options.on_connect = [](db::PgConnection& conn) {
    return db::migrate(conn, db::shared_schema());
  };
  return std::make_unique<db::PgWorker>(*pg, clock, std::move(options));
}

core::Status reach_fleet_database(db::PgWorker& worker) {
  auto reached = db::ask_within<bool>(worker, kCliFleetWait,
                                      [](db::PgConnection& c) -> core::Result<bool> {
                                        if (auto st = c.run("SELECT 1"); !st) return st.error();
                                        return true;
                                      });
  if (!reached) {
    return core::Error{reached.error().kind, "the cluster database ([cluster] database) cannot "
                                             "be used: " + reached.error().message};
  }
  return core::Ok{};
}

int with_report_storage(const Config& config,
                        const std::function<int(tlsrpt::ReportStorage&)>& body) {
  if (!config.cluster.enabled()) {
    return with_state_db(
        std::filesystem::path(config.queue.state_dir) / "tlsrpt.db", "TLS-RPT database",
        "the relay creates it with its first delivery",
        [](const std::filesystem::path& path) { return tlsrpt::ReportStore::open(path); }, body);
  }
  static const core::SystemClock clock;
  const std::string node = cluster_node_name(config.cluster);
  auto worker = open_fleet_worker(config, node, clock);
  if (!worker) return report_failure(worker.error());
  if (auto reached = reach_fleet_database(**worker); !reached) {
    return report_failure(reached.error());
  }
  tlsrpt::PgReportStore store(**worker, node, kCliFleetWait);
  return body(store);
}

}  // namespace stsrelay::app
