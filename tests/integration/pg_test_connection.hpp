// A connection to the PostgreSQL of pg_store_run.py (STSRELAY_TEST_PG is its conninfo) with the
// shared schema migrated, for the shared-store tests that do not depend on running after the
// migration test.
#pragma once

#include <chrono>
#include <cstdlib>
#include <stdexcept>

#include "src/db/pg_connection.hpp"
#include "src/db/pg_migrate.hpp"

namespace stsrelay::testing {

inline db::PgConnection migrated_pg_connection() {
  const char* conninfo = std::getenv("STSRELAY_TEST_PG");
  if (conninfo == nullptr) throw std::runtime_error("STSRELAY_TEST_PG is not set");
  db::PgSettings s;
  s.conninfo = conninfo;
  s.statement_timeout = std::chrono::seconds(2);
  auto c = db::PgConnection::connect(s);
  if (!c) throw std::runtime_error(c.error().message);
  if (auto st = db::migrate(*c, db::shared_schema()); !st) {
    throw std::runtime_error(st.error().message);
  }
  return std::move(*c);
}

}  // namespace stsrelay::testing
