// Built TLS-RPT reports and their deliveries, wherever they are kept: tlsrpt.db on a node alone
// (ReportStore, report_store.hpp) or the shared PostgreSQL database of a fleet (PgReportStore,
// pg_report_store.hpp), so that the report run and `stsrelay report list|show|send` work the
// same on both. Each report (its report-id, UTC day, policy domain, JSON, creation time) has one
// delivery per rua destination, with a state:
//
//   pending  due at next_attempt_at (added, or failed and waiting for its retry)
//   sent     delivered (mail queued, or HTTPS POST answered 200/201)
//   failed   gave up: still failing 24 hours after the first attempt (RFC 8460 §5.5)
//
// The sender asks for due_deliveries(), tries each, and records the outcome with record_sent()
// or record_failed(), which schedules the retry (report_retry.hpp). Errors are values; in a
// fleet they are temporary when the database is away, and the run tries again later.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "src/core/clock.hpp"
#include "src/core/result.hpp"
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

class ReportStorage {
 public:
  virtual ~ReportStorage() = default;

  // Stores a report; a report of the same id (the same day and domain built again) is
  // replaced, its deliveries kept.
  virtual core::Status store_report(const StoredReport& report) = 0;

  // Adds the report's destinations, each pending and due at `now`. A destination it already has
  // starts over (attempts 0, due now): that is how a report is sent again by hand.
  virtual core::Status add_destinations(std::string_view report_id,
                                        const std::vector<std::string>& uris,
                                        core::SysTime now) = 0;

  // Pending deliveries this node may send at `now`, earliest first, at most `limit`. In a fleet
  // that leaves out the reports another node holds the lease of (report_lease.hpp).
  virtual core::Result<std::vector<DueDelivery>> due_deliveries(core::SysTime now,
                                                                std::size_t limit) = 0;

  // The earliest time a pending delivery is due here (for the sender's timer); in a fleet, a
  // report another node holds is due here no earlier than the end of that node's lease.
  virtual core::Result<std::optional<core::SysTime>> next_due() = 0;

  // The attempt succeeded: the delivery is sent.
  virtual core::Result<ReportDelivery> record_sent(std::string_view report_id,
                                                   std::string_view uri, core::SysTime now) = 0;
  // The attempt failed with `error`: pending with the next attempt of the RFC 8460 §5.5
  // backoff, or failed when the 24 hours since the first attempt are over.
  virtual core::Result<ReportDelivery> record_failed(std::string_view report_id,
                                                     std::string_view uri,
                                                     std::string_view error,
                                                     core::SysTime now) = 0;

  // not_found when there is no such report.
  virtual core::Result<StoredReport> load_report(std::string_view report_id) = 0;
  // The report of (day, domain), whatever its id, or nullopt.
  virtual core::Result<std::optional<StoredReport>> find_report(Day day,
                                                                std::string_view policy_domain) = 0;
  virtual core::Result<std::vector<ReportDelivery>> deliveries(std::string_view report_id) = 0;
  // Every report, newest day first, with its deliveries.
  virtual core::Result<std::vector<ReportListing>> list_reports() = 0;

  // Deletes reports created before `cutoff` with their deliveries; returns how many reports.
  virtual core::Result<std::int64_t> prune_reports(core::SysTime cutoff) = 0;
};

}  // namespace stsrelay::tlsrpt
