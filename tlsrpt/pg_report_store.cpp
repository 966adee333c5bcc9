#include "tlsrpt/pg_report_store.hpp"

#include "src/db/pg_ask.hpp"

namespace stsrelay::tlsrpt {

template <class T>
core::Result<T> PgReportStore::ask(std::function<core::Result<T>(db::PgConnection&)> fn) {
  return db::ask_within<T>(worker_, wait_, std::move(fn));
}

core::Status PgReportStore::store_report(const StoredReport& report) {
  auto done = ask<bool>([report, n = node_](db::PgConnection& c) -> core::Result<bool> {
    if (auto st = store_report_row(c, report, n); !st) return st.error();
    return true;
  });
  if (!done) return done.error();
  return core::Ok{};
}

core::Status PgReportStore::add_destinations(std::string_view report_id,
                                             const std::vector<std::string>& uris,
                                             core::SysTime now) {
  auto done = ask<bool>(
      [id = std::string(report_id), uris, now](db::PgConnection& c) -> core::Result<bool> {
        if (auto st = add_report_destinations(c, id, uris, now); !st) return st.error();
        return true;
      });
  if (!done) return done.error();
  return core::Ok{};
}

core::Result<std::vector<DueDelivery>> PgReportStore::due_deliveries(core::SysTime now,
                                                                     std::size_t limit) {
  return ask<std::vector<DueDelivery>>([n = node_, now, limit](db::PgConnection& c) {
    return load_due_deliveries(c, n, now, limit);
  });
}

core::Result<std::optional<core::SysTime>> PgReportStore::next_due() {
  return ask<std::optional<core::SysTime>>(
      [n = node_](db::PgConnection& c) { return load_next_due(c, n); });
}

core::Result<ReportDelivery> PgReportStore::record_sent(std::string_view report_id,
                                                        std::string_view uri, core::SysTime now) {
  return ask<ReportDelivery>(
      [id = std::string(report_id), u = std::string(uri), now](db::PgConnection& c) {
        return record_delivery_sent(c, id, u, now);
      });
}

core::Result<ReportDelivery> PgReportStore::record_failed(std::string_view report_id,
                                                          std::string_view uri,
                                                          std::string_view error,
                                                          core::SysTime now) {
  return ask<ReportDelivery>([id = std::string(report_id), u = std::string(uri),
                              e = std::string(error), now](db::PgConnection& c) {
    return record_delivery_failed(c, id, u, e, now);
  });
}

core::Result<StoredReport> PgReportStore::load_report(std::string_view report_id) {
  auto found = ask<std::optional<StoredReport>>(
      [id = std::string(report_id)](db::PgConnection& c) { return load_report_row(c, id); });
  if (!found) return found.error();
  if (!*found) return core::Error::not_found("no report " + std::string(report_id));
  return std::move(**found);
}

core::Result<std::optional<StoredReport>> PgReportStore::find_report(Day day,
                                                                     std::string_view domain) {
  return ask<std::optional<StoredReport>>(
      [day, d = std::string(domain)](db::PgConnection& c) { return find_report_row(c, day, d); });
}

core::Result<std::vector<ReportDelivery>> PgReportStore::deliveries(std::string_view report_id) {
  return ask<std::vector<ReportDelivery>>(
      [id = std::string(report_id)](db::PgConnection& c) { return load_deliveries(c, id); });
}

core::Result<std::vector<ReportListing>> PgReportStore::list_reports() {
  return ask<std::vector<ReportListing>>(
      [](db::PgConnection& c) { return load_report_listing(c); });
}

core::Result<std::int64_t> PgReportStore::prune_reports(core::SysTime cutoff) {
  return ask<std::int64_t>([cutoff](db::PgConnection& c) { return prune_report_rows(c, cutoff); });
}

}  // namespace stsrelay::tlsrpt
