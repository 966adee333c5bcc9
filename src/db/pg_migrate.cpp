#include "src/db/pg_migrate.hpp"

#include <spdlog/spdlog.h>

namespace stsrelay::db {

core::Status migrate(PgConnection& conn, std::span<const PgMigration> migrations) {
  auto txn = PgTransaction::begin(conn);
  if (!txn) return txn.error();
  if (auto st = conn.run("SELECT pg_advisory_xact_lock($1)", {std::to_string(kSchemaLockKey)});
      !st) {
    return st;
  }
  if (auto st = conn.run(
          "CREATE TABLE IF NOT EXISTS stsrelay_schema ("
          "version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())");
      !st) {
    return st;
  }
  auto current = conn.exec("SELECT coalesce(max(version), 0) FROM stsrelay_schema");
  if (!current) return current.error();
  auto version = current->integer(0, 0);
  if (!version) return version.error();
  const int known = migrations.empty() ? 0 : migrations.back().version;
  if (*version > known) {
    return core::Error::permanent("postgresql " + conn.target() + ": the schema is at version " +
                                  std::to_string(*version) + ", this stsrelay knows up to " +
                                  std::to_string(known) + ": upgrade this node");
  }
  for (const PgMigration& m : migrations) {
    if (m.version <= *version) continue;
    if (auto st = conn.run_script(m.sql); !st) {
      return core::Error{st.error().kind, "schema migration " + std::to_string(m.version) +
                                              ": " + st.error().message};
    }
    if (auto st = conn.run("INSERT INTO stsrelay_schema (version) VALUES ($1)",
                           {std::to_string(m.version)});
        !st) {
      return st;
    }
    spdlog::info("cluster: database schema migrated to version {}", m.version);
  }
  return txn->commit();
}

}  // namespace stsrelay::db
