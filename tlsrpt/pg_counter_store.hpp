// The TLS-RPT counters in the shared PostgreSQL database (schema: src/db/pg_schema.cpp): what
// every node of a fleet adds, and what reports are built from, so a report sums every node.
//
// add_batch() is idempotent: the batch id goes into tlsrpt_batches in the same transaction as
// the counter upserts, so a batch retried after a lost reply (the commit went through, the
// answer did not) finds its id there and adds nothing. The upserts run in Counters order (a
// std::map), the same order on every node, so concurrent batches lock rows in one order and do
// not deadlock.
//
// PgCounterReader runs the readers on a PgWorker thread and waits for them a bounded time.
#pragma once

#include <chrono>
#include <memory>
#include <string_view>

#include "src/db/pg_connection.hpp"
#include "src/db/pg_worker.hpp"
#include "tlsrpt/cluster_spool.hpp"
#include "tlsrpt/counter_interfaces.hpp"

namespace stsrelay::tlsrpt {

enum class BatchOutcome { added, duplicate };

// Adds `batch` (one transaction); `duplicate` when its id was added before.
core::Result<BatchOutcome> add_batch(db::PgConnection& conn, const SpooledBatch& batch,
                                     std::string_view node);

core::Result<std::vector<Day>> load_days(db::PgConnection& conn);
core::Result<std::vector<std::string>> load_domains(db::PgConnection& conn, Day day);
core::Result<DomainDay> load_domain_day(db::PgConnection& conn, Day day,
                                        std::string_view policy_domain);
core::Result<std::int64_t> prune_days_before(db::PgConnection& conn, Day first_kept);

class PgCounterReader final : public CounterReader {
 public:
  // `wait`: how long a reader waits for the worker before it gives up with a temporary error.
  PgCounterReader(db::PgWorker& worker, std::chrono::milliseconds wait)
      : worker_(worker), wait_(wait) {}

  core::Result<std::vector<Day>> days() override;
  core::Result<std::vector<std::string>> domains(Day day) override;
  core::Result<DomainDay> load(Day day, std::string_view policy_domain) override;
  core::Result<std::int64_t> prune_before(Day first_kept) override;

 private:
  template <class T>
  core::Result<T> ask(std::function<core::Result<T>(db::PgConnection&)> fn);

  db::PgWorker& worker_;
  std::chrono::milliseconds wait_;
};

}  // namespace stsrelay::tlsrpt
