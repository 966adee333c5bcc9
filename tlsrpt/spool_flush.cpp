#include "tlsrpt/spool_flush.hpp"

#include "tlsrpt/pg_counter_store.hpp"

namespace stsrelay::tlsrpt {

core::Result<SpoolFlush> flush_spool(db::PgConnection& conn, ClusterSpool& spool,
                                     std::string_view node, std::size_t limit) {
  auto batches = spool.oldest(limit);
  if (!batches) return batches.error();
  SpoolFlush out;
  for (const SpooledBatch& batch : *batches) {
    auto outcome = add_batch(conn, batch, node);
    if (!outcome) {
      return core::Error{outcome.error().kind, "batch " + batch.id + ": " + outcome.error().message};
    }
    // In order: a batch leaves the spool only once the database has it.
    if (auto st = spool.remove(batch.seq); !st) return st.error();
    ++(*outcome == BatchOutcome::added ? out.added : out.duplicates);
  }
  out.more = batches->size() == limit;
  return out;
}

}  // namespace stsrelay::tlsrpt
