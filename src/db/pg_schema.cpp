// The shared schema of a fleet, every version in order (pg_migrate.hpp runs them). Append new
// versions; never edit one that has shipped.
#include <array>

#include "src/db/pg_migrate.hpp"

namespace stsrelay::db {
namespace {

// Version 1: the TLS-RPT counters, as tlsrpt.db keeps them on one node (tlsrpt_schema.cpp),
// plus tlsrpt_batches: one row per batch a node added, written in the same transaction as the
// counts, so that a batch retried after a lost reply is recognised and not counted twice; and
// tlsrpt_report_claims: the node whose daily run builds the report of (day, domain), so that a
// fleet sends one report, not one per node.
constexpr std::string_view kV1 = R"sql(
CREATE TABLE tlsrpt_policy_counts (
  id bigserial PRIMARY KEY,
  day text NOT NULL,
  domain text NOT NULL,
  policy_type text NOT NULL,
  policy_string text NOT NULL,
  mx_host text NOT NULL,
  successful bigint NOT NULL DEFAULT 0,
  failed bigint NOT NULL DEFAULT 0,
  UNIQUE (day, domain, policy_type, policy_string, mx_host)
);
CREATE TABLE tlsrpt_failure_counts (
  policy_id bigint NOT NULL REFERENCES tlsrpt_policy_counts (id) ON DELETE CASCADE,
  result_type text NOT NULL,
  sending_mta_ip text NOT NULL,
  receiving_mx_hostname text NOT NULL,
  receiving_mx_helo text NOT NULL,
  receiving_ip text NOT NULL,
  failure_reason_code text NOT NULL,
  additional_information text NOT NULL,
  failed_session_count bigint NOT NULL DEFAULT 0,
  UNIQUE (policy_id, result_type, sending_mta_ip, receiving_mx_hostname, receiving_mx_helo,
          receiving_ip, failure_reason_code, additional_information)
);
CREATE TABLE tlsrpt_batches (
  id text PRIMARY KEY,
  node text NOT NULL,
  sessions bigint NOT NULL,
  added_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE tlsrpt_report_claims (
  day text NOT NULL,
  domain text NOT NULL,
  node text NOT NULL,
  claimed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (day, domain)
);
)sql";

// Version 2: the fleet's MTA-STS policy cache (sts/shared_policy_store.hpp). sts_policies holds
// the newest successful fetch of each policy domain, as sts.db does on one node (times in unix
// seconds, like sts.db); `version` grows with every write, so that a node reads only what changed
// since its last look. sts_refresh_leases: the node that refreshes a domain's policy in the
// background until expires_at (unix seconds), so that a fleet fetches it once, not once per
// node. cluster_nodes: each node's heartbeat, for `stsrelay cluster status`.
constexpr std::string_view kV2 = R"sql(
CREATE SEQUENCE sts_policy_versions;
CREATE TABLE sts_policies (
  domain text PRIMARY KEY,
  id text NOT NULL,
  policy text NOT NULL,
  fetched_at bigint NOT NULL,
  expires_at bigint NOT NULL,
  node text NOT NULL,
  version bigint NOT NULL DEFAULT nextval('sts_policy_versions')
);
CREATE INDEX sts_policies_by_version ON sts_policies (version);
CREATE TABLE sts_refresh_leases (
  domain text PRIMARY KEY,
  node text NOT NULL,
  expires_at bigint NOT NULL
);
CREATE TABLE cluster_nodes (
  node text PRIMARY KEY,
  version text NOT NULL,
  started_at timestamptz NOT NULL,
  last_heartbeat timestamptz NOT NULL,
  spool_batches bigint NOT NULL
);
)sql";

// Version 3: tlsrpt_report_leases, which replaces version 1's claims (tlsrpt/report_lease.hpp):
// the node building or sending (day, domain)'s report holds it until lease_until and renews it
// before each step, so that when it dies another node takes over once the term is over; state
// sent ends it for every node. tlsrpt_report_claims stayed for nodes of the previous release
// during a rolling upgrade (version 4 drops it).
constexpr std::string_view kV3 = R"sql(
CREATE TABLE tlsrpt_report_leases (
  day text NOT NULL,
  domain text NOT NULL,
  node text NOT NULL,
  lease_until timestamptz NOT NULL,
  state text NOT NULL CHECK (state IN ('building', 'built', 'sent')),
  taken_over integer NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (day, domain)
);
)sql";

// Version 4: the reports themselves and their deliveries (tlsrpt/pg_report_store.hpp), as
// tlsrpt.db keeps them on one node (times in unix seconds, like it), so that a fleet builds the
// report of (day, domain) once (UNIQUE (day, domain), beside the report-id), every node lists and
// shows it, and a node that takes a lease over continues the stored report's deliveries instead
// of building another. tlsrpt_report_claims goes: nothing has read or written it since version 3,
// and a node of a release before that stops at this version anyway (pg_migrate.hpp).
constexpr std::string_view kV4 = R"sql(
CREATE TABLE tlsrpt_reports (
  id text PRIMARY KEY,
  day text NOT NULL,
  domain text NOT NULL,
  json text NOT NULL,
  created_at bigint NOT NULL,
  node text NOT NULL,
  UNIQUE (day, domain)
);
CREATE TABLE tlsrpt_report_deliveries (
  report_id text NOT NULL REFERENCES tlsrpt_reports (id) ON DELETE CASCADE,
  uri text NOT NULL,
  state text NOT NULL CHECK (state IN ('pending', 'sent', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  first_at bigint NOT NULL,
  next_attempt_at bigint NOT NULL,
  last_error text NOT NULL DEFAULT '',
  PRIMARY KEY (report_id, uri)
);
CREATE INDEX tlsrpt_report_deliveries_due ON tlsrpt_report_deliveries (next_attempt_at)
  WHERE state = 'pending';
DROP TABLE tlsrpt_report_claims;
)sql";

constexpr std::array<PgMigration, 4> kMigrations = {{
    {1, kV1},
    {2, kV2},
    {3, kV3},
    {4, kV4},
}};

}  // namespace

std::span<const PgMigration> shared_schema() { return kMigrations; }

}  // namespace stsrelay::db
