// The report storage of a fleet (report_storage.hpp) in the shared PostgreSQL database
// (tlsrpt_reports and tlsrpt_report_deliveries, schema version 4): every node sees every report
// of the organisation, and a node that takes over a report's lease (report_lease.hpp) finds the
// report and its deliveries where the node that died left them.
//
// A report is unique on (day, domain) as well as on its report-id: a second build of the same
// day and domain under another id (a node with another tlsrpt.submitter) is refused, not
// stored beside the first. The deliveries due on a node leave out the reports whose lease another
// node holds (compared on the database's clock, as the leases are), so that a node sends only
// what it may, and wakes when a lease it waits for runs out.
//
// The functions run statements on a connection; PgReportStore runs them on the PgWorker thread
// and waits a bounded time for each, like PgCounterReader.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "src/db/pg_connection.hpp"
#include "src/db/pg_worker.hpp"
#include "tlsrpt/report_storage.hpp"

namespace stsrelay::tlsrpt {

core::Status store_report_row(db::PgConnection& conn, const StoredReport& report,
                              std::string_view node);
core::Status add_report_destinations(db::PgConnection& conn, std::string_view report_id,
                                     const std::vector<std::string>& uris, core::SysTime now);
core::Result<std::vector<DueDelivery>> load_due_deliveries(db::PgConnection& conn,
                                                           std::string_view node,
                                                           core::SysTime now, std::size_t limit);
core::Result<std::optional<core::SysTime>> load_next_due(db::PgConnection& conn,
                                                         std::string_view node);
core::Result<ReportDelivery> record_delivery_sent(db::PgConnection& conn,
                                                  std::string_view report_id,
                                                  std::string_view uri, core::SysTime now);
core::Result<ReportDelivery> record_delivery_failed(db::PgConnection& conn,
                                                    std::string_view report_id,
                                                    std::string_view uri, std::string_view error,
                                                    core::SysTime now);
core::Result<std::optional<StoredReport>> load_report_row(db::PgConnection& conn,
                                                          std::string_view report_id);
core::Result<std::optional<StoredReport>> find_report_row(db::PgConnection& conn, Day day,
                                                          std::string_view policy_domain);
core::Result<std::vector<ReportDelivery>> load_deliveries(db::PgConnection& conn,
                                                          std::string_view report_id);
core::Result<std::vector<ReportListing>> load_report_listing(db::PgConnection& conn);
core::Result<std::int64_t> prune_report_rows(db::PgConnection& conn, core::SysTime cutoff);

class PgReportStore final : public ReportStorage {
 public:
  // `node`: this node's name, as in the leases; `wait`: how long each call waits for the worker
  // before it gives up with a temporary error.
  PgReportStore(db::PgWorker& worker, std::string node, std::chrono::milliseconds wait)
      : worker_(worker), node_(std::move(node)), wait_(wait) {}

  core::Status store_report(const StoredReport& report) override;
  core::Status add_destinations(std::string_view report_id, const std::vector<std::string>& uris,
                                core::SysTime now) override;
  core::Result<std::vector<DueDelivery>> due_deliveries(core::SysTime now,
                                                        std::size_t limit) override;
  core::Result<std::optional<core::SysTime>> next_due() override;
  core::Result<ReportDelivery> record_sent(std::string_view report_id, std::string_view uri,
                                           core::SysTime now) override;
  core::Result<ReportDelivery> record_failed(std::string_view report_id, std::string_view uri,
                                             std::string_view error, core::SysTime now) override;
  core::Result<StoredReport> load_report(std::string_view report_id) override;
  core::Result<std::optional<StoredReport>> find_report(Day day,
                                                        std::string_view policy_domain) override;
  core::Result<std::vector<ReportDelivery>> deliveries(std::string_view report_id) override;
  core::Result<std::vector<ReportListing>> list_reports() override;
  core::Result<std::int64_t> prune_reports(core::SysTime cutoff) override;

 private:
  template <class T>
  core::Result<T> ask(std::function<core::Result<T>(db::PgConnection&)> fn);

  db::PgWorker& worker_;
  std::string node_;
  std::chrono::milliseconds wait_;
};

}  // namespace stsrelay::tlsrpt
