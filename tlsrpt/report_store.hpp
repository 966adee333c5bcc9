// The report storage of a node alone (report_storage.hpp): reports and their deliveries in
// tlsrpt.db. One connection, guarded by a mutex; the CLI opens its own.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>

#include "src/db/sqlite_connection.hpp"
#include "tlsrpt/report_storage.hpp"

namespace stsrelay::tlsrpt {

class ReportStore final : public ReportStorage {
 public:
  // Opens (creating if needed) tlsrpt.db at `path`; errors name the file.
  static core::Result<std::unique_ptr<ReportStore>> open(const std::filesystem::path& path);

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
  explicit ReportStore(db::SqliteConnection conn) : conn_(std::move(conn)) {}
  core::Result<ReportDelivery> load_delivery(std::string_view report_id, std::string_view uri);
  core::Result<std::vector<ReportDelivery>> deliveries_locked(std::string_view report_id);

  std::mutex mutex_;
  db::SqliteConnection conn_;
};

}  // namespace stsrelay::tlsrpt
