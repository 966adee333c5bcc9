#include "tlsrpt/pg_report_lease.hpp"

#include "src/db/pg_ask.hpp"

namespace stsrelay::tlsrpt {
namespace {

// Times travel as milliseconds since the epoch, on the database's clock.
constexpr std::string_view kTerm = "clock_timestamp() + $4::bigint * interval '1 millisecond'";

core::SysTime from_ms(std::int64_t ms) { return core::SysTime{std::chrono::milliseconds{ms}}; }

}  // namespace

core::Result<ReportLeases::Grant> take_report_lease(db::PgConnection& conn, Day day,
                                                    std::string_view domain,
                                                    std::string_view node,
                                                    std::chrono::milliseconds term) {
  const std::string d = format_day(day);
  const std::string n(node);
  const std::string ms = std::to_string(term.count());
  auto txn = db::PgTransaction::begin(conn);
  if (!txn) return txn.error();
  // The first node to ask makes the row; everyone else locks it and decides.
  auto inserted = conn.exec(
      "INSERT INTO tlsrpt_report_leases (day, domain, node, lease_until, state) "
      "VALUES ($1, $2, $3, " + std::string(kTerm) + ", 'building') "
      "ON CONFLICT (day, domain) DO NOTHING "
      "RETURNING (extract(epoch FROM lease_until) * 1000)::bigint",
      {d, std::string(domain), n, ms});
  if (!inserted) return inserted.error();
  if (inserted->rows() == 1) {
    auto until = inserted->integer(0, 0);
    if (!until) return until.error();
    if (auto st = txn->commit(); !st) return st.error();
    return ReportLeases::Grant{LeaseAction::take, {n, from_ms(*until), LeaseState::building}};
  }
  auto row = conn.exec(
      "SELECT node, (extract(epoch FROM lease_until) * 1000)::bigint, state, "
      "(extract(epoch FROM clock_timestamp()) * 1000)::bigint "
      "FROM tlsrpt_report_leases WHERE day = $1 AND domain = $2 FOR UPDATE",
      {d, std::string(domain)});
  if (!row) return row.error();
  if (row->rows() != 1) return core::Error::temporary("postgresql: report lease row vanished");
  auto until = row->integer(0, 1);
  auto now = row->integer(0, 3);
  auto state = parse_lease_state(row->text(0, 2));
  if (!until || !now || !state) {
    return core::Error::invalid("tlsrpt_report_leases: bad row for " + d + " " +
                                std::string(domain));
  }
  const ReportLease current{row->text(0, 0), from_ms(*until), *state};
  const LeaseAction action = decide_lease(current, node, from_ms(*now));
  const auto after = apply_lease(current, action, node, from_ms(*now), term);
  if (holds(action)) {
    auto updated = conn.exec(
        "UPDATE tlsrpt_report_leases SET node = $3, lease_until = " + std::string(kTerm) +
            ", state = $5, taken_over = taken_over + $6, updated_at = now() "
            "WHERE day = $1 AND domain = $2 "
            "RETURNING (extract(epoch FROM lease_until) * 1000)::bigint",
        {d, std::string(domain), n, ms, std::string(to_string(after->state)),
         action == LeaseAction::take_over ? "1" : "0"});
    if (!updated) return updated.error();
    auto new_until = updated->integer(0, 0);
    if (!new_until) return new_until.error();
    if (auto st = txn->commit(); !st) return st.error();
    return ReportLeases::Grant{action, {n, from_ms(*new_until), after->state}};
  }
  if (auto st = txn->commit(); !st) return st.error();
  return ReportLeases::Grant{action, current};
}

core::Result<bool> mark_report_lease(db::PgConnection& conn, Day day, std::string_view domain,
                                     std::string_view node, LeaseState state,
                                     std::chrono::milliseconds term) {
  // Only the holder moves its lease on, and nothing moves a sent one.
  auto updated = conn.exec(
      "UPDATE tlsrpt_report_leases SET state = $5, lease_until = " + std::string(kTerm) +
          ", updated_at = now() WHERE day = $1 AND domain = $2 AND node = $3 "
          "AND state <> 'sent'",
      {format_day(day), std::string(domain), std::string(node), std::to_string(term.count()),
       std::string(to_string(state))});
  if (!updated) return updated.error();
  return updated->affected() == 1;
}

core::Result<bool> hold_report_lease(db::PgConnection& conn, Day day, std::string_view domain,
                                     std::string_view node, core::SysTime retry_at,
                                     std::chrono::milliseconds term) {
  const auto at_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(retry_at.time_since_epoch()).count();
  // Never shortens it: greatest() keeps a later end.
  auto updated = conn.exec(
      "UPDATE tlsrpt_report_leases SET lease_until = greatest(lease_until, "
      "to_timestamp($4::bigint / 1000.0) + $5::bigint * interval '1 millisecond'), "
      "updated_at = now() WHERE day = $1 AND domain = $2 AND node = $3 AND state <> 'sent'",
      {format_day(day), std::string(domain), std::string(node), std::to_string(at_ms),
       std::to_string(term.count())});
  if (!updated) return updated.error();
  return updated->affected() == 1;
}

core::Result<std::vector<LeaseRow>> load_report_leases(db::PgConnection& conn) {
  auto rows = conn.exec(
      "SELECT day, domain, node, (extract(epoch FROM lease_until) * 1000)::bigint, state, "
      "taken_over FROM tlsrpt_report_leases ORDER BY day DESC, domain");
  if (!rows) return rows.error();
  std::vector<LeaseRow> out;
  for (int i = 0; i < rows->rows(); ++i) {
    auto day = parse_day(rows->text(i, 0));
    auto until = rows->integer(i, 3);
    auto state = parse_lease_state(rows->text(i, 4));
    auto taken = rows->integer(i, 5);
    if (!day || !until || !state || !taken) {
      return core::Error::invalid("tlsrpt_report_leases: bad row for " + rows->text(i, 0) + " " +
                                  rows->text(i, 1));
    }
    out.push_back(LeaseRow{*day, rows->text(i, 1), {rows->text(i, 2), from_ms(*until), *state},
                           *taken});
  }
  return out;
}

core::Result<ReportLeases::Grant> PgReportLeases::take(Day day, std::string_view domain) {
  return db::ask_within<Grant>(
      worker_, wait_,
      [day, d = std::string(domain), n = node_, t = term_](db::PgConnection& c) {
        return take_report_lease(c, day, d, n, t);
      });
}

core::Result<bool> PgReportLeases::hold_until(Day day, std::string_view domain,
                                              core::SysTime retry_at) {
  return db::ask_within<bool>(
      worker_, wait_,
      [day, d = std::string(domain), n = node_, t = term_, retry_at](db::PgConnection& c) {
        return hold_report_lease(c, day, d, n, retry_at, t);
      });
}

core::Result<bool> PgReportLeases::mark(Day day, std::string_view domain, LeaseState state) {
  return db::ask_within<bool>(
      worker_, wait_,
      [day, d = std::string(domain), n = node_, t = term_, state](db::PgConnection& c) {
        return mark_report_lease(c, day, d, n, state, t);
      });
}

}  // namespace stsrelay::tlsrpt
