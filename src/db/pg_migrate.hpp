// Creates and migrates the shared schema: stsrelay_schema(version) says which migrations ran;
// migrate() runs the missing ones in order, each in the same transaction as its version row, all
// under a transaction-level advisory lock, so that nodes starting at once wait for each other
// instead of racing to CREATE the same tables. A node whose binary is older than the database
// (a version it does not know) refuses to go on rather than write to a schema it cannot read.
#pragma once

#include <span>
#include <string_view>

#include "src/core/result.hpp"
#include "src/db/pg_connection.hpp"

namespace stsrelay::db {

struct PgMigration {
  int version;           // 1, 2, 3, ... in order, never reused
  std::string_view sql;  // one or more statements
};

// The advisory lock key (pg_advisory_xact_lock) that serialises migrations across nodes.
inline constexpr std::int64_t kSchemaLockKey = 0x5354'5352'4c59'0001;  // "STSRLY" 1

core::Status migrate(PgConnection& conn, std::span<const PgMigration> migrations);

// The migrations of the shared schema, in one place (pg_schema.cpp).
std::span<const PgMigration> shared_schema();

}  // namespace stsrelay::db
