#include "src/app/cli/cli_report_send.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <iostream>

#include "queue/store.hpp"
#include "src/app/cli/cli_report_storage.hpp"
#include "src/app/config/delivery_settings_map.hpp"
#include "src/app/config/signing_keys_load.hpp"
#include "src/app/reports/report_service.hpp"
#include "src/app/daemon/cluster_services.hpp"
#include "src/core/domain_name.hpp"
#include "src/net/dns_cares_resolver.hpp"
#include "src/net/https_client.hpp"
#include "src/db/pg_ask.hpp"
#include "tlsrpt/cluster_spool.hpp"
#include "tlsrpt/counter_store.hpp"
#include "tlsrpt/pg_report_lease.hpp"
#include "tlsrpt/pg_report_store.hpp"
#include "tlsrpt/spool_flush.hpp"
#include "tlsrpt/report_store.hpp"

namespace stsrelay::app {
namespace asio = boost::asio;

namespace {

struct SendRun {
  std::vector<BuildOutcome> built;
  std::vector<SendOutcome> sent;
};

asio::awaitable<void> build_and_send(ReportService& service, tlsrpt::Day day,
                                     std::optional<std::string> domain, SendRun& run) {
  run.built = co_await service.build_day(day, std::move(domain), true);
  run.sent = co_await service.send_due();
}

// This node's spooled counts go to the shared database before the build, so that the report
// has them; a node's counts not yet written out by its running daemon (a few seconds' worth, in
// its recorder's memory) and other nodes' spools are out of reach: the lines say when each node's
// counts last arrived, which tells a node whose spool has been waiting (tlsrpt_batches.added_at).
core::Result<std::vector<std::string>> flush_own_spool(const std::filesystem::path& path,
                                                       const std::string& node,
                                                       db::PgWorker& worker) {
  std::vector<std::string> lines;
  if (std::filesystem::exists(path)) {
    auto opened = tlsrpt::ClusterSpool::open(path, node);
    if (!opened) return opened.error();
    // Shared with the job: it may still run on the worker after a wait here gives up.
    std::shared_ptr<tlsrpt::ClusterSpool> s = std::move(*opened);
    auto flushed = db::ask_within<tlsrpt::SpoolFlush>(
        worker, kCliFleetWait, [s, node](db::PgConnection& conn) {
          tlsrpt::SpoolFlush total;
          for (;;) {
            auto step = tlsrpt::flush_spool(conn, *s, node, 100);
            if (!step) return core::Result<tlsrpt::SpoolFlush>(step.error());
            total.added += step->added;
            total.duplicates += step->duplicates;
            if (!step->more) return core::Result<tlsrpt::SpoolFlush>(total);
          }
        });
    if (!flushed) return core::Error{flushed.error().kind,
                                     "flushing this node's spool: " + flushed.error().message};
    lines.push_back("this node's spool: " + std::to_string(flushed->added) +
                    " batch(es) flushed before the build");
  }
  auto seen = db::ask_within<std::vector<std::string>>(
      worker, kCliFleetWait, [](db::PgConnection& conn) -> core::Result<std::vector<std::string>> {
        auto rows = conn.exec(
            "SELECT node, to_char(max(added_at) AT TIME ZONE 'UTC', "
            "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM tlsrpt_batches GROUP BY node ORDER BY node");
        if (!rows) return rows.error();
        std::vector<std::string> out;
        for (int i = 0; i < rows->rows(); ++i) {
          out.push_back("node " + rows->text(i, 0) + ": counts last arrived " + rows->text(i, 1));
        }
        return out;
      });
  if (seen) {
    lines.insert(lines.end(), seen->begin(), seen->end());
  } else {
    lines.push_back("when each node's counts last arrived is unknown: " + seen.error().message);
  }
  lines.push_back("other nodes' spools are not visible from here: counts a node still holds "
                  "are not in this report");
  return lines;
}

}  // namespace

int run_report_send(const CliContext& ctx, const ReportSendOptions& o) {
  auto config = load_config_for_cli(ctx);
  if (!config) return kExitUsage;
  auto day = tlsrpt::parse_day(o.day);
  if (!day) {
    print_error("--day " + o.day + ": " + day.error().message);
    return kExitUsage;
  }
  std::optional<std::string> domain;
  if (!o.domain.empty()) {
    auto normalised = core::normalize_domain(o.domain);
    if (!normalised) {
      print_error("--domain " + o.domain + ": " + normalised.error().message);
      return kExitUsage;
    }
    domain = *normalised;
  }
  const std::filesystem::path state_dir(config->queue.state_dir);
  const std::filesystem::path db = state_dir / "tlsrpt.db";
  // In a fleet the counts, the reports and their deliveries are in the shared database.
  const bool fleet = config->cluster.enabled();
  if (!fleet) {
    if (auto missing = missing_state_db(db, "TLS-RPT data", "")) return report_failure(*missing);
  }
  net::ResolverSettings dns_settings;
  if (!resolver_settings_for_cli(*config, dns_settings)) return kExitUsage;

  spdlog::set_level(spdlog::level::warn);  // the result lines say what happened
  core::SystemClock clock;
  std::unique_ptr<tlsrpt::CounterStore> local_counters;
  std::unique_ptr<db::PgWorker> worker;
  std::unique_ptr<tlsrpt::PgCounterReader> shared_counters;
  std::unique_ptr<tlsrpt::PgReportLeases> leases;
  std::unique_ptr<tlsrpt::ReportStorage> reports;
  tlsrpt::CounterReader* counters = nullptr;
  std::vector<std::string> fleet_lines;  // what the shared database said before the build
  if (fleet) {
    const std::string node = cluster_node_name(config->cluster);
    auto opened = open_fleet_worker(*config, node, clock);
    if (!opened) return report_failure(opened.error());
    worker = std::move(*opened);
    if (auto reached = reach_fleet_database(*worker); !reached) {
      return report_failure(reached.error());
    }
    shared_counters = std::make_unique<tlsrpt::PgCounterReader>(*worker, kCliFleetWait);
    counters = shared_counters.get();
    leases = std::make_unique<tlsrpt::PgReportLeases>(
        *worker, node,
        std::chrono::duration_cast<std::chrono::milliseconds>(config->cluster.report_lease),
        kCliFleetWait);
    reports = std::make_unique<tlsrpt::PgReportStore>(*worker, node, kCliFleetWait);
    auto flushed = flush_own_spool(state_dir / "cluster_spool.db", node, *worker);
    if (!flushed) return report_failure(flushed.error());
    fleet_lines = std::move(*flushed);
  } else {
    auto store = tlsrpt::CounterStore::open(db);
    if (!store) return report_failure(store.error());
    local_counters = std::move(*store);
    counters = local_counters.get();
    auto own_reports = tlsrpt::ReportStore::open(db);
    if (!own_reports) return report_failure(own_reports.error());
    reports = std::move(*own_reports);
  }
  // Mail reports go into the queue the daemon delivers from (it notices new rows at once).
  auto queue = queue::Store::open(state_dir / "queue.db", clock);
  if (!queue) return report_failure(queue.error());

  asio::io_context io;
  auto dns = net::CaresResolver::create(io.get_executor(), dns_settings, clock);
  if (!dns) return report_failure(dns.error());
  auto https = net::HttpsClient::create(io.get_executor(), **dns, {config->delivery.ca_file});
  if (!https) return report_failure(https.error());
  ReportSettings settings;
  settings.meta = {config->tlsrpt.organization_name, config->tlsrpt.contact_info,
                   config->tlsrpt.submitter};
  settings.dkim_selector = config->tlsrpt.dkim_selector;
  settings.dkim_key_file = config->tlsrpt.dkim_key_file;
  if (settings.dkim_key_file.empty()) {
    auto keys = load_signing_keys(config->dkim);
    if (!keys) return report_failure(keys.error());
    settings.signing_keys = [keys = *keys] { return keys; };
  }
  ReportService service(
      ReportDeps{**dns, **https, **queue, *counters, *reports, nullptr, clock, leases.get()},
      settings);

  SendRun run;
  std::exception_ptr failure;
  asio::co_spawn(io, build_and_send(service, *day, domain, run),
                 [&failure](std::exception_ptr e) { failure = e; });
  io.run();
  (*queue)->close();
  if (failure) {
    try {
      std::rethrow_exception(failure);
    } catch (const std::exception& e) {
      return report_failure(core::Error::temporary(e.what()));
    }
  }

  int status = kExitOk;
  for (const std::string& line : fleet_lines) std::cout << line << "\n";
  if (run.built.empty()) {
    std::cout << "no TLS-RPT sessions recorded on " << o.day
              << (domain ? " for " + *domain : std::string()) << "\n";
  }
  for (const BuildOutcome& b : run.built) {
    if (b.report_id.empty()) {
      std::cout << b.domain << ": " << b.note << "\n";
      continue;
    }
    std::cout << b.domain << ": report " << b.report_id << " for " << b.rua.size()
              << " destination(s)" << (b.note.empty() ? "" : " (" + b.note + ")") << "\n";
  }
  for (const SendOutcome& s : run.sent) {
    std::cout << "  " << s.uri << ": " << (s.ok ? "sent" : "failed") << ": " << s.detail << "\n";
    if (!s.ok) status = kExitFailure;
  }
  std::cout << std::flush;
  return status;
}

}  // namespace stsrelay::app
