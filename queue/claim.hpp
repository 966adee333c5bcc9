// Finding due work for the delivery engine: which recipients are due, grouped into jobs of one
// message and one recipient domain (one SMTP transaction each), earliest first. The lease
// bookkeeping is the Store's; these functions only ask it "is this recipient leased?".
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "queue/queue_sql.hpp"
#include "queue/store.hpp"
#include "src/core/result.hpp"
#include "src/db/sqlite_statement_cache.hpp"

namespace stsrelay::queue {

using IsLeased = std::function<bool(std::int64_t recipient_id)>;

// Pure: splits one message's due recipients into jobs by domain (in order of first appearance),
// leaving out leased recipients and domains `limits.accept_domain` refuses, with at most
// `limits.max_recipients_per_job` recipients and `room` jobs.
std::vector<DeliveryJob> group_jobs(const MessageRow& message,
                                    const std::vector<RecipientRecord>& due,
                                    const ClaimLimits& limits, const IsLeased& leased,
                                    std::size_t room);

// Reads due work (next_attempt_at <= now) in one read transaction. The caller holds whatever
// lock makes `leased` stable for the duration.
core::Result<std::vector<DeliveryJob>> find_due_jobs(db::SqliteStatementCache& sql,
                                                     std::int64_t now, const ClaimLimits& limits,
                                                     const IsLeased& leased);

// The earliest next_attempt_at of a pending recipient that is not leased.
core::Result<std::optional<std::int64_t>> find_next_due(db::SqliteStatementCache& sql,
                                                        const IsLeased& leased);

}  // namespace stsrelay::queue
