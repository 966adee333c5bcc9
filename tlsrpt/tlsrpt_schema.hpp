// The tables of tlsrpt.db, created by whichever connection opens the file first: the daily
// counters the recorder writes (policy_counts, failure_counts) and the reports built from them
// with their deliveries (reports, report_deliveries); and how every connection opens the file.
#pragma once

#include <filesystem>
#include <string_view>

#include "src/core/result.hpp"
#include "src/db/sqlite_connection.hpp"

namespace stsrelay::tlsrpt {

// Days are "YYYY-MM-DD" (UTC), so text order is date order. A policy's lines and mx patterns are
// stored as JSON arrays of strings, which keeps any line unambiguous. Times are Unix seconds.
inline constexpr std::string_view kTlsrptSchema = R"sql(
CREATE TABLE IF NOT EXISTS policy_counts (
  id            INTEGER PRIMARY KEY,
  day           TEXT NOT NULL,
  domain        TEXT NOT NULL,
  policy_type   TEXT NOT NULL,
  policy_string TEXT NOT NULL,
  mx_host       TEXT NOT NULL,
  successful    INTEGER NOT NULL DEFAULT 0,
  failed        INTEGER NOT NULL DEFAULT 0,
  UNIQUE (day, domain, policy_type, policy_string, mx_host)
);
CREATE TABLE IF NOT EXISTS failure_counts (
  policy_id              INTEGER NOT NULL,
  result_type            TEXT NOT NULL,
  sending_mta_ip         TEXT NOT NULL,
  receiving_mx_hostname  TEXT NOT NULL,
  receiving_mx_helo      TEXT NOT NULL,
  receiving_ip           TEXT NOT NULL,
  failure_reason_code    TEXT NOT NULL,
  additional_information TEXT NOT NULL,
  failed_session_count   INTEGER NOT NULL,
  PRIMARY KEY (policy_id, result_type, sending_mta_ip, receiving_mx_hostname,
               receiving_mx_helo, receiving_ip, failure_reason_code, additional_information)
);
CREATE TABLE IF NOT EXISTS reports (
  id         TEXT PRIMARY KEY,
  day        TEXT NOT NULL,
  domain     TEXT NOT NULL,
  json       TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS reports_by_day ON reports (day, domain);
CREATE TABLE IF NOT EXISTS report_deliveries (
  report_id       TEXT NOT NULL,
  uri             TEXT NOT NULL,
  state           TEXT NOT NULL,
  attempts        INTEGER NOT NULL DEFAULT 0,
  first_at        INTEGER NOT NULL,
  next_attempt_at INTEGER NOT NULL,
  last_error      TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (report_id, uri)
);
CREATE INDEX IF NOT EXISTS deliveries_due ON report_deliveries (state, next_attempt_at);
PRAGMA user_version = 1;
)sql";

// Opens (creating when missing) tlsrpt.db in WAL mode with synchronous=FULL (a crash loses at
// most the transactions not yet committed and never corrupts the file) and a busy timeout (the
// daemon's writer, its report run and the CLI each hold a connection), then creates the tables
// that are missing. Errors name the file.
core::Result<db::SqliteConnection> open_tlsrpt_db(const std::filesystem::path& path);

}  // namespace stsrelay::tlsrpt
