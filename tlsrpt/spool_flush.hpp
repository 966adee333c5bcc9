// Hands a node's spooled TLS-RPT batches (cluster_spool.hpp) to the shared database, oldest
// first, each leaving the spool only once the database has it (add_batch is idempotent, so a
// batch two processes flush at once is counted once). Used by the node's writer thread and by
// `stsrelay report send` before it builds, so that this node's own counts are in the report.
// Runs on a PgWorker thread (it takes the connection).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "src/db/pg_connection.hpp"
#include "tlsrpt/cluster_spool.hpp"

namespace stsrelay::tlsrpt {

struct SpoolFlush {
  std::uint64_t added = 0;
  std::uint64_t duplicates = 0;  // the database had them (a lost reply, or another flusher)
  bool more = false;             // `limit` batches went: there may be others
};

core::Result<SpoolFlush> flush_spool(db::PgConnection& conn, ClusterSpool& spool,
                                     std::string_view node, std::size_t limit);

}  // namespace stsrelay::tlsrpt
