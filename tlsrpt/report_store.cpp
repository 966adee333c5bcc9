#include "tlsrpt/report_store.hpp"

#include <utility>

#include "src/core/enum_names.hpp"
#include "src/db/sqlite_run.hpp"
#include "src/db/sqlite_statement.hpp"
#include "src/db/sqlite_transaction.hpp"
#include "tlsrpt/report_retry.hpp"
#include "tlsrpt/tlsrpt_schema.hpp"

namespace stsrelay::tlsrpt {
namespace {

constexpr core::EnumNameList<DeliveryState::failed> kStateNames{{"pending", "sent", "failed"},
                                                                "pending"};

constexpr std::string_view kDeliveryColumns =
    "report_id, uri, state, attempts, first_at, next_attempt_at, last_error";

// Reads the kDeliveryColumns of the current row, starting at `col`.
core::Result<ReportDelivery> delivery_from(const db::SqliteStatement& q, int col,
                                           const db::SqliteConnection& conn) {
  auto state = parse_delivery_state(q.column_text(col + 2));
  if (!state) {
    return core::Error::invalid(conn.path().string() + ": delivery of " + q.column_text(col) +
                                " has unknown state " + q.column_text(col + 2));
  }
  return ReportDelivery{q.column_text(col),
                        q.column_text(col + 1),
                        *state,
                        static_cast<int>(q.column_int(col + 3)),
                        core::from_unix(q.column_int(col + 4)),
                        core::from_unix(q.column_int(col + 5)),
                        q.column_text(col + 6)};
}

// Reads id, day, domain, json, created_at starting at `col`.
core::Result<StoredReport> report_from(const db::SqliteStatement& q, int col,
                                       const db::SqliteConnection& conn) {
  auto day = parse_day(q.column_text(col + 1));
  if (!day) {
    return core::Error::invalid(conn.path().string() + ": report " + q.column_text(col) + ": " +
                                day.error().message);
  }
  return StoredReport{q.column_text(col), *day, q.column_text(col + 2), q.column_text(col + 3),
                      core::from_unix(q.column_int(col + 4))};
}

}  // namespace

std::string_view to_string(DeliveryState state) { return kStateNames.name(state); }

std::optional<DeliveryState> parse_delivery_state(std::string_view token) {
  return kStateNames.parse(token);
}

core::Result<std::unique_ptr<ReportStore>> ReportStore::open(const std::filesystem::path& path) {
  auto conn = open_tlsrpt_db(path);
  if (!conn) return conn.error();
  return std::unique_ptr<ReportStore>(new ReportStore(std::move(*conn)));
}

core::Status ReportStore::store_report(const StoredReport& r) {
  std::lock_guard lock(mutex_);
  return db::run_once(
      conn_,
      "INSERT INTO reports (id, day, domain, json, created_at) VALUES (?1, ?2, ?3, ?4, ?5) "
      "ON CONFLICT (id) DO UPDATE SET day = excluded.day, domain = excluded.domain, "
      "json = excluded.json, created_at = excluded.created_at",
      r.id, format_day(r.day), r.policy_domain, r.json, core::to_unix(r.created_at));
}

core::Status ReportStore::add_destinations(std::string_view report_id,
                                           const std::vector<std::string>& uris,
                                           core::SysTime now) {
  std::lock_guard lock(mutex_);
  auto exists = db::SqliteStatement::prepare(conn_, "SELECT 1 FROM reports WHERE id = ?1");
  auto q = db::SqliteStatement::prepare(
      conn_,
      "INSERT INTO report_deliveries (report_id, uri, state, attempts, first_at, "
      "next_attempt_at, last_error) VALUES (?1, ?2, 'pending', 0, ?3, ?3, '') "
      "ON CONFLICT (report_id, uri) DO UPDATE SET state = 'pending', attempts = 0, "
      "first_at = excluded.first_at, next_attempt_at = excluded.next_attempt_at, "
      "last_error = ''");
  if (!exists) return exists.error();
  if (!q) return q.error();
  exists->bind(1, report_id);
  auto found = exists->step();
  if (!found) return found.error();
  if (!*found) return core::Error::not_found("no report " + std::string(report_id));
  auto txn = db::SqliteTransaction::begin(conn_);
  if (!txn) return txn.error();
  for (const std::string& uri : uris) {
    q->reset();
    q->bind(1, report_id).bind(2, uri).bind(3, core::to_unix(now));
    if (auto st = q->run(); !st) return st;
  }
  return txn->commit();
}

core::Result<std::vector<DueDelivery>> ReportStore::due_deliveries(core::SysTime now,
                                                                   std::size_t limit) {
  std::lock_guard lock(mutex_);
  std::vector<DueDelivery> out;
  const auto done = db::for_each_row(
      conn_,
      "SELECT d.report_id, d.uri, d.state, d.attempts, d.first_at, d.next_attempt_at, "
      "d.last_error, r.id, r.day, r.domain, r.json, r.created_at "
      "FROM report_deliveries d JOIN reports r ON r.id = d.report_id "
      "WHERE d.state = 'pending' AND d.next_attempt_at <= ?1 "
      "ORDER BY d.next_attempt_at, d.report_id, d.uri LIMIT ?2",
      [&](const db::SqliteStatement& q) -> core::Status {
        auto delivery = delivery_from(q, 0, conn_);
        if (!delivery) return delivery.error();
        auto report = report_from(q, 7, conn_);
        if (!report) return report.error();
        out.push_back(DueDelivery{std::move(*delivery), std::move(*report)});
        return core::Ok{};
      },
      core::to_unix(now), static_cast<std::int64_t>(limit));
  if (!done) return done.error();
  return out;
}

core::Result<std::optional<core::SysTime>> ReportStore::next_due() {
  std::lock_guard lock(mutex_);
  auto row = db::first_row(conn_,
                           "SELECT MIN(next_attempt_at) FROM report_deliveries "
                           "WHERE state = 'pending' HAVING COUNT(*) > 0");
  if (!row) return row.error();
  if (!*row) return std::optional<core::SysTime>();
  return std::optional<core::SysTime>(core::from_unix((*row)->column_int(0)));
}

core::Result<ReportDelivery> ReportStore::load_delivery(std::string_view report_id,
                                                        std::string_view uri) {
  auto row = db::first_row(conn_,
                           "SELECT " + std::string(kDeliveryColumns) +
                               " FROM report_deliveries WHERE report_id = ?1 AND uri = ?2",
                           report_id, uri);
  if (!row) return row.error();
  if (!*row) {
    return core::Error::not_found("no delivery of report " + std::string(report_id) + " to " +
                                  std::string(uri));
  }
  return delivery_from(**row, 0, conn_);
}

core::Result<ReportDelivery> ReportStore::record_sent(std::string_view report_id,
                                                      std::string_view uri, core::SysTime now) {
  std::lock_guard lock(mutex_);
  auto current = load_delivery(report_id, uri);
  if (!current) return current.error();
  const auto done = db::run_once(conn_,
                                 "UPDATE report_deliveries SET state = 'sent', "
                                 "attempts = attempts + 1, next_attempt_at = ?3 "
                                 "WHERE report_id = ?1 AND uri = ?2",
                                 report_id, uri, core::to_unix(now));
  if (!done) return done.error();
  return load_delivery(report_id, uri);
}

core::Result<ReportDelivery> ReportStore::record_failed(std::string_view report_id,
                                                        std::string_view uri,
                                                        std::string_view error,
                                                        core::SysTime now) {
  std::lock_guard lock(mutex_);
  auto current = load_delivery(report_id, uri);
  if (!current) return current.error();
  const int attempts = current->attempts + 1;
  const auto next = next_report_attempt(attempts, current->first_at, now);
  const auto done = db::run_once(
      conn_,
      "UPDATE report_deliveries SET state = ?3, attempts = ?4, next_attempt_at = ?5, "
      "last_error = ?6 WHERE report_id = ?1 AND uri = ?2",
      report_id, uri, to_string(next ? DeliveryState::pending : DeliveryState::failed),
      static_cast<std::int64_t>(attempts), core::to_unix(next.value_or(now)), error);
  if (!done) return done.error();
  return load_delivery(report_id, uri);
}

core::Result<StoredReport> ReportStore::load_report(std::string_view report_id) {
  std::lock_guard lock(mutex_);
  auto row = db::first_row(
      conn_, "SELECT id, day, domain, json, created_at FROM reports WHERE id = ?1", report_id);
  if (!row) return row.error();
  if (!*row) return core::Error::not_found("no report " + std::string(report_id));
  return report_from(**row, 0, conn_);
}

core::Result<std::optional<StoredReport>> ReportStore::find_report(Day day,
                                                                   std::string_view domain) {
  std::lock_guard lock(mutex_);
  auto row = db::first_row(conn_,
                           "SELECT id, day, domain, json, created_at FROM reports WHERE day = ?1 "
                           "AND domain = ?2 ORDER BY created_at DESC LIMIT 1",
                           format_day(day), domain);
  if (!row) return row.error();
  if (!*row) return std::optional<StoredReport>();
  auto report = report_from(**row, 0, conn_);
  if (!report) return report.error();
  return std::optional<StoredReport>(std::move(*report));
}

core::Result<std::vector<ReportDelivery>> ReportStore::deliveries_locked(
    std::string_view report_id) {
  std::vector<ReportDelivery> out;
  const auto done = db::for_each_row(
      conn_,
      "SELECT " + std::string(kDeliveryColumns) +
          " FROM report_deliveries WHERE report_id = ?1 ORDER BY uri",
      [&](const db::SqliteStatement& q) -> core::Status {
        auto d = delivery_from(q, 0, conn_);
        if (!d) return d.error();
        out.push_back(std::move(*d));
        return core::Ok{};
      },
      report_id);
  if (!done) return done.error();
  return out;
}

core::Result<std::vector<ReportDelivery>> ReportStore::deliveries(std::string_view report_id) {
  std::lock_guard lock(mutex_);
  return deliveries_locked(report_id);
}

core::Result<std::vector<ReportListing>> ReportStore::list_reports() {
  std::lock_guard lock(mutex_);
  std::vector<ReportListing> out;
  const auto done = db::for_each_row(
      conn_, "SELECT id, day, domain, '', created_at FROM reports ORDER BY day DESC, domain, id",
      [&](const db::SqliteStatement& q) -> core::Status {
        auto report = report_from(q, 0, conn_);
        if (!report) return report.error();
        out.push_back(ReportListing{std::move(*report), {}});
        return core::Ok{};
      });
  if (!done) return done.error();
  for (ReportListing& l : out) {
    auto d = deliveries_locked(l.report.id);
    if (!d) return d.error();
    l.deliveries = std::move(*d);
  }
  return out;
}

core::Result<std::int64_t> ReportStore::prune_reports(core::SysTime cutoff) {
  std::lock_guard lock(mutex_);
  return db::run_in_one_transaction(conn_,
                                    {"DELETE FROM report_deliveries WHERE report_id IN "
                                     "(SELECT id FROM reports WHERE created_at < ?1)",
                                     "DELETE FROM reports WHERE created_at < ?1"},
                                    core::to_unix(cutoff));
}

}  // namespace stsrelay::tlsrpt
