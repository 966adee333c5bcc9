// The report leases of a fleet in the shared database (tlsrpt_report_leases, schema version 3):
// the I/O around decide_lease() (report_lease.hpp). take_report_lease() reads the row under
// FOR UPDATE (or inserts it), decides with the database's clock, and writes the result in one
// transaction, so two nodes asking at once get one holder. PgReportLeases runs both on the
// PgWorker thread and waits a bounded time, like PgCounterReader.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "src/db/pg_connection.hpp"
#include "src/db/pg_worker.hpp"
#include "tlsrpt/report_lease.hpp"

namespace stsrelay::tlsrpt {

core::Result<ReportLeases::Grant> take_report_lease(db::PgConnection& conn, Day day,
                                                    std::string_view domain,
                                                    std::string_view node,
                                                    std::chrono::milliseconds term);

core::Result<bool> mark_report_lease(db::PgConnection& conn, Day day, std::string_view domain,
                                     std::string_view node, LeaseState state,
                                     std::chrono::milliseconds term);

core::Result<bool> hold_report_lease(db::PgConnection& conn, Day day, std::string_view domain,
                                     std::string_view node, core::SysTime retry_at,
                                     std::chrono::milliseconds term);

// Every lease, newest day first: which node holds or sent each report of the fleet.
struct LeaseRow {
  Day day{};
  std::string domain;
  ReportLease lease;
  std::int64_t taken_over = 0;  // how many times another node took it over
};
core::Result<std::vector<LeaseRow>> load_report_leases(db::PgConnection& conn);

class PgReportLeases final : public ReportLeases {
 public:
  PgReportLeases(db::PgWorker& worker, std::string node, std::chrono::milliseconds term,
                 std::chrono::milliseconds wait)
      : worker_(worker), node_(std::move(node)), term_(term), wait_(wait) {}

  core::Result<Grant> take(Day day, std::string_view domain) override;
  core::Result<bool> mark(Day day, std::string_view domain, LeaseState state) override;
  core::Result<bool> hold_until(Day day, std::string_view domain,
                                core::SysTime retry_at) override;

 private:
  db::PgWorker& worker_;
  std::string node_;
  std::chrono::milliseconds term_;
  std::chrono::milliseconds wait_;
};

}  // namespace stsrelay::tlsrpt
