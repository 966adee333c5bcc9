// The statements of the shared report storage (pg_report_store.hpp). Times are unix seconds of
// the node that wrote them, as in tlsrpt.db; only lease ends are compared on the database's
// clock, as the leases themselves are.
#include <utility>

#include "tlsrpt/pg_report_store.hpp"
#include "tlsrpt/report_retry.hpp"

namespace stsrelay::tlsrpt {
namespace {

constexpr std::string_view kDeliveryColumns =
    "d.report_id, d.uri, d.state, d.attempts, d.first_at, d.next_attempt_at, d.last_error";
constexpr std::string_view kReportColumns = "r.id, r.day, r.domain, r.json, r.created_at";

// A report's lease lets this node ($node) send it: no lease row (built before leases were
// asked for), or a lease not yet sent that is this node's or has run out.
constexpr std::string_view kMaySend =
    "(l.node IS NULL OR (l.state <> 'sent' AND (l.node = $node OR "
    "l.lease_until <= clock_timestamp())))";

std::string with_node(std::string sql, std::string_view placeholder) {
  for (auto at = sql.find("$node"); at != std::string::npos; at = sql.find("$node", at)) {
    sql.replace(at, 5, placeholder);
  }
  return sql;
}

core::Error bad_row(std::string_view table, const std::string& key, std::string_view why) {
  return core::Error::invalid(std::string(table) + ": bad row " + key + ": " + std::string(why));
}

// The kDeliveryColumns of `row`, from column `col` on.
core::Result<ReportDelivery> delivery_at(const db::PgResult& r, int row, int col) {
  auto state = parse_delivery_state(r.text(row, col + 2));
  auto attempts = r.integer(row, col + 3);
  auto first = r.integer(row, col + 4);
  auto next = r.integer(row, col + 5);
  const std::string key = r.text(row, col) + " " + r.text(row, col + 1);
  if (!state) return bad_row("tlsrpt_report_deliveries", key, "state " + r.text(row, col + 2));
  if (!attempts || !first || !next) {
    return bad_row("tlsrpt_report_deliveries", key, "a number is not one");
  }
  return ReportDelivery{r.text(row, col),         r.text(row, col + 1),
                        *state,                   static_cast<int>(*attempts),
                        core::from_unix(*first),  core::from_unix(*next),
                        r.text(row, col + 6)};
}

// The kReportColumns of `row`, from column `col` on.
core::Result<StoredReport> report_at(const db::PgResult& r, int row, int col) {
  auto day = parse_day(r.text(row, col + 1));
  auto created = r.integer(row, col + 4);
  if (!day) return bad_row("tlsrpt_reports", r.text(row, col), day.error().message);
  if (!created) return bad_row("tlsrpt_reports", r.text(row, col), created.error().message);
  return StoredReport{r.text(row, col), *day, r.text(row, col + 2), r.text(row, col + 3),
                      core::from_unix(*created)};
}

core::Result<std::optional<StoredReport>> first_report(core::Result<db::PgResult> rows) {
  if (!rows) return rows.error();
  if (rows->rows() == 0) return std::optional<StoredReport>();
  auto report = report_at(*rows, 0, 0);
  if (!report) return report.error();
  return std::optional<StoredReport>(std::move(*report));
}

core::Result<ReportDelivery> first_delivery(core::Result<db::PgResult> rows,
                                            std::string_view report_id, std::string_view uri) {
  if (!rows) return rows.error();
  if (rows->rows() == 0) {
    return core::Error::not_found("no delivery of report " + std::string(report_id) + " to " +
                                  std::string(uri));
  }
  return delivery_at(*rows, 0, 0);
}

std::string unix_text(core::SysTime t) { return std::to_string(core::to_unix(t)); }

}  // namespace

core::Status store_report_row(db::PgConnection& conn, const StoredReport& r,
                              std::string_view node) {
  // The same id again is the same report built again by its lease holder; another id for the
  // same (day, domain) breaks the UNIQUE key and is refused.
  return conn.run(
      "INSERT INTO tlsrpt_reports (id, day, domain, json, created_at, node) "
      "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO UPDATE SET day = excluded.day, "
      "domain = excluded.domain, json = excluded.json, created_at = excluded.created_at, "
      "node = excluded.node",
      {r.id, format_day(r.day), r.policy_domain, r.json, unix_text(r.created_at),
       std::string(node)});
}

core::Status add_report_destinations(db::PgConnection& conn, std::string_view report_id,
                                     const std::vector<std::string>& uris, core::SysTime now) {
  auto txn = db::PgTransaction::begin(conn);
  if (!txn) return txn.error();
  auto exists = conn.exec("SELECT 1 FROM tlsrpt_reports WHERE id = $1 FOR UPDATE",
                          {std::string(report_id)});
  if (!exists) return exists.error();
  if (exists->rows() == 0) return core::Error::not_found("no report " + std::string(report_id));
  for (const std::string& uri : uris) {
    auto st = conn.run(
        "INSERT INTO tlsrpt_report_deliveries (report_id, uri, state, attempts, first_at, "
        "next_attempt_at, last_error) VALUES ($1, $2, 'pending', 0, $3, $3, '') "
        "ON CONFLICT (report_id, uri) DO UPDATE SET state = 'pending', attempts = 0, "
        "first_at = excluded.first_at, next_attempt_at = excluded.next_attempt_at, "
        "last_error = ''",
        {std::string(report_id), uri, unix_text(now)});
    if (!st) return st;
  }
  return txn->commit();
}

core::Result<std::vector<DueDelivery>> load_due_deliveries(db::PgConnection& conn,
                                                           std::string_view node,
                                                           core::SysTime now, std::size_t limit) {
  auto rows = conn.exec(
      with_node("SELECT " + std::string(kDeliveryColumns) + ", " + std::string(kReportColumns) +
                    " FROM tlsrpt_report_deliveries d JOIN tlsrpt_reports r ON r.id = d.report_id "
                    "LEFT JOIN tlsrpt_report_leases l ON l.day = r.day AND l.domain = r.domain "
                    "WHERE d.state = 'pending' AND d.next_attempt_at <= $1 AND " +
                    std::string(kMaySend) +
                    " ORDER BY d.next_attempt_at, d.report_id, d.uri LIMIT $2",
                "$3"),
      {unix_text(now), std::to_string(limit), std::string(node)});
  if (!rows) return rows.error();
  std::vector<DueDelivery> out;
  for (int i = 0; i < rows->rows(); ++i) {
    auto delivery = delivery_at(*rows, i, 0);
    if (!delivery) return delivery.error();
    auto report = report_at(*rows, i, 7);
    if (!report) return report.error();
    out.push_back(DueDelivery{std::move(*delivery), std::move(*report)});
  }
  return out;
}

core::Result<std::optional<core::SysTime>> load_next_due(db::PgConnection& conn,
                                                         std::string_view node) {
  // Another node's live lease delays a delivery until its end (a second after, so that the
  // lease has run out when the timer fires); a sent lease ends it.
  auto rows = conn.exec(
      "SELECT min(greatest(d.next_attempt_at, CASE WHEN l.node IS NULL OR l.node = $1 THEN 0 "
      "ELSE ceil(extract(epoch FROM l.lease_until))::bigint + 1 END)) "
      "FROM tlsrpt_report_deliveries d JOIN tlsrpt_reports r ON r.id = d.report_id "
      "LEFT JOIN tlsrpt_report_leases l ON l.day = r.day AND l.domain = r.domain "
      "WHERE d.state = 'pending' AND (l.state IS NULL OR l.state <> 'sent')",
      {std::string(node)});
  if (!rows) return rows.error();
  if (rows->rows() == 0 || rows->is_null(0, 0)) return std::optional<core::SysTime>();
  auto at = rows->integer(0, 0);
  if (!at) return at.error();
  return std::optional<core::SysTime>(core::from_unix(*at));
}

core::Result<ReportDelivery> record_delivery_sent(db::PgConnection& conn,
                                                  std::string_view report_id,
                                                  std::string_view uri, core::SysTime now) {
  return first_delivery(
      conn.exec("UPDATE tlsrpt_report_deliveries d SET state = 'sent', attempts = attempts + 1, "
                "next_attempt_at = $3 WHERE report_id = $1 AND uri = $2 RETURNING " +
                    std::string(kDeliveryColumns),
                {std::string(report_id), std::string(uri), unix_text(now)}),
      report_id, uri);
}

core::Result<ReportDelivery> record_delivery_failed(db::PgConnection& conn,
                                                    std::string_view report_id,
                                                    std::string_view uri, std::string_view error,
                                                    core::SysTime now) {
  const std::string id(report_id);
  const std::string u(uri);
  auto txn = db::PgTransaction::begin(conn);
  if (!txn) return txn.error();
  auto current = first_delivery(
      conn.exec("SELECT " + std::string(kDeliveryColumns) +
                    " FROM tlsrpt_report_deliveries d WHERE report_id = $1 AND uri = $2 "
                    "FOR UPDATE",
                {id, u}),
      report_id, uri);
  if (!current) return current.error();
  const int attempts = current->attempts + 1;
  const auto next = next_report_attempt(attempts, current->first_at, now);
  auto updated = first_delivery(
      conn.exec("UPDATE tlsrpt_report_deliveries d SET state = $3, attempts = $4, "
                "next_attempt_at = $5, last_error = $6 WHERE report_id = $1 AND uri = $2 "
                "RETURNING " +
                    std::string(kDeliveryColumns),
                {id, u, std::string(to_string(next ? DeliveryState::pending : DeliveryState::failed)),
                 std::to_string(attempts), unix_text(next.value_or(now)), std::string(error)}),
      report_id, uri);
  if (!updated) return updated.error();
  if (auto st = txn->commit(); !st) return st.error();
  return updated;
}

core::Result<std::optional<StoredReport>> load_report_row(db::PgConnection& conn,
                                                          std::string_view report_id) {
  return first_report(conn.exec(
      "SELECT " + std::string(kReportColumns) + " FROM tlsrpt_reports r WHERE r.id = $1",
      {std::string(report_id)}));
}

core::Result<std::optional<StoredReport>> find_report_row(db::PgConnection& conn, Day day,
                                                          std::string_view policy_domain) {
  return first_report(conn.exec("SELECT " + std::string(kReportColumns) +
                                    " FROM tlsrpt_reports r WHERE r.day = $1 AND r.domain = $2",
                                {format_day(day), std::string(policy_domain)}));
}

core::Result<std::vector<ReportDelivery>> load_deliveries(db::PgConnection& conn,
                                                          std::string_view report_id) {
  auto rows = conn.exec("SELECT " + std::string(kDeliveryColumns) +
                            " FROM tlsrpt_report_deliveries d WHERE d.report_id = $1 "
                            "ORDER BY d.uri",
                        {std::string(report_id)});
  if (!rows) return rows.error();
  std::vector<ReportDelivery> out;
  for (int i = 0; i < rows->rows(); ++i) {
    auto d = delivery_at(*rows, i, 0);
    if (!d) return d.error();
    out.push_back(std::move(*d));
  }
  return out;
}

core::Result<std::vector<ReportListing>> load_report_listing(db::PgConnection& conn) {
  // One statement, so that the list is one snapshot of the fleet's reports.
  auto rows = conn.exec(
      "SELECT r.id, r.day, r.domain, '', r.created_at, " + std::string(kDeliveryColumns) +
      " FROM tlsrpt_reports r LEFT JOIN tlsrpt_report_deliveries d ON d.report_id = r.id "
      "ORDER BY r.day DESC, r.domain, r.id, d.uri");
  if (!rows) return rows.error();
  std::vector<ReportListing> out;
  for (int i = 0; i < rows->rows(); ++i) {
    if (out.empty() || out.back().report.id != rows->text(i, 0)) {
      auto report = report_at(*rows, i, 0);
      if (!report) return report.error();
      out.push_back(ReportListing{std::move(*report), {}});
    }
    if (rows->is_null(i, 5)) continue;  // a report without destinations yet
    auto d = delivery_at(*rows, i, 5);
    if (!d) return d.error();
    out.back().deliveries.push_back(std::move(*d));
  }
  return out;
}

core::Result<std::int64_t> prune_report_rows(db::PgConnection& conn, core::SysTime cutoff) {
  // The deliveries go with their report (ON DELETE CASCADE).
  auto gone = conn.exec("DELETE FROM tlsrpt_reports WHERE created_at < $1", {unix_text(cutoff)});
  if (!gone) return gone.error();
  return gone->affected();
}

}  // namespace stsrelay::tlsrpt
