// Built TLS-RPT reports and their deliveries in tlsrpt.db. Each report (its report-id, UTC day,
// policy domain, JSON, creation time) is kept for `stsrelay report list|show` and for sending;
// each rua destination of it is a delivery with a state:
//
//   pending  due at next_attempt_at (added, or failed and waiting for its retry)
//   sent     delivered (mail queued, or HTTPS POST answered 200/201)
//   failed   gave up: still failing 24 hours after the first attempt (RFC 8460 §5.5)
//
// The sender asks for due_deliveries(), tries each, and records the outcome with record_sent()
// or record_failed(), which schedules the retry (report_retry.hpp). One connection, guarded by
// a mutex; the CLI opens its own.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "src/core/clock.hpp"
#include "src/core/result.hpp"
#include "src/db/sqlite_connection.hpp"
#include "tlsrpt/report_day.hpp"

namespace stsrelay::tlsrpt {

enum class DeliveryState { pending, sent, failed };
std::string_view to_string(DeliveryState state);
std::optional<DeliveryState> parse_delivery_state(std::string_view token);

struct StoredReport {
  std::string id;  // report-id, "left@right"
  Day day{};
  std::string policy_domain;
  std::string json;  // empty in list_reports()
  core::SysTime created_at{};
};

struct ReportDelivery {
  std::string report_id;
  std::string uri;  // the rua URI, "mailto:..." or "https://..."
  DeliveryState state = DeliveryState::pending;
  int attempts = 0;               // failed and successful attempts made
  core::SysTime first_at{};       // when the destination was added: the first attempt's time
  core::SysTime next_attempt_at{};
  std::string last_error;         // of the latest failed attempt
};

// A delivery that is due, with the report it carries.
struct DueDelivery {
  ReportDelivery delivery;
  StoredReport report;
};

// A report and its deliveries, for `stsrelay report list`.
struct ReportListing {
  StoredReport report;  // without json
  std::vector<ReportDelivery> deliveries;
};

class ReportStore {
 public:
  // Opens (creating if needed) tlsrpt.db at `path`; errors name the file.
  static core::Result<std::unique_ptr<ReportStore>> open(const std::filesystem::path& path);

  // Stores a report; a report of the same id (the same day and domain built again) is
  // replaced, its deliveries kept.
  core::Status store_report(const StoredReport& report);

  // Adds the report's destinations, each pending and due at `now`. A destination it already has
  // starts over (attempts 0, due now): that is how a report is sent again by hand.
  core::Status add_destinations(std::string_view report_id, const std::vector<std::string>& uris,
                                core::SysTime now);

  // Pending deliveries due at `now`, earliest first, at most `limit`.
  core::Result<std::vector<DueDelivery>> due_deliveries(core::SysTime now, std::size_t limit);

  // The earliest next_attempt_at of any pending delivery (for the sender's timer).
  core::Result<std::optional<core::SysTime>> next_due();

  // The attempt succeeded: the delivery is sent.
  core::Result<ReportDelivery> record_sent(std::string_view report_id, std::string_view uri,
                                           core::SysTime now);
  // The attempt failed with `error`: pending with the next attempt of the RFC 8460 §5.5
  // backoff, or failed when the 24 hours since the first attempt are over.
  core::Result<ReportDelivery> record_failed(std::string_view report_id, std::string_view uri,
                                             std::string_view error, core::SysTime now);

  // No more attempts, for `reason`: failed now (another node of the fleet took the report over).
  core::Result<ReportDelivery> record_given_up(std::string_view report_id, std::string_view uri,
                                               std::string_view reason);

  // not_found when there is no such report.
  core::Result<StoredReport> load_report(std::string_view report_id);
  // The report of (day, domain), whatever its id, or nullopt.
  core::Result<std::optional<StoredReport>> find_report(Day day, std::string_view policy_domain);
  core::Result<std::vector<ReportDelivery>> deliveries(std::string_view report_id);
  // Every report, newest day first, with its deliveries.
  core::Result<std::vector<ReportListing>> list_reports();

  // Deletes reports created before `cutoff` with their deliveries; returns how many reports.
  core::Result<std::int64_t> prune_reports(core::SysTime cutoff);

 private:
  explicit ReportStore(db::SqliteConnection conn) : conn_(std::move(conn)) {}
  core::Result<ReportDelivery> load_delivery(std::string_view report_id, std::string_view uri);
  core::Result<std::vector<ReportDelivery>> deliveries_locked(std::string_view report_id);

  std::mutex mutex_;
  db::SqliteConnection conn_;
};

}  // namespace stsrelay::tlsrpt
