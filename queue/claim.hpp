// Finding due work for the delivery engine: which recipients are due, grouped into jobs of one
// message and one recipient domain (one SMTP transaction each), earliest first. The lease
// bookkeeping is the Store's; these functions only ask it "is this recipient leased?".
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <optional>
#include <vector>

#include "queue/queue_sql.hpp"
#include "queue/store.hpp"
#include "src/core/result.hpp"
#include "src/db/sqlite_statement_cache.hpp"

namespace stsrelay::queue {

using IsLeased = std::function<bool(std::int64_t recipient_id)>;

// The jobs one claim may still take per domain: `limits.domain_room` less those it has taken.
class DomainRoom {
 public:
  explicit DomainRoom(const ClaimLimits& limits) : limits_(limits) {}
  bool has_room(const std::string& domain) const;
  void take(const std::string& domain) { ++taken_[domain]; }

 private:
  const ClaimLimits& limits_;
  std::map<std::string, std::size_t, std::less<>> taken_;
};

// Pure: splits one message's due recipients into jobs by domain (in order of first appearance),
// leaving out leased recipients and domains without room in `domains` (which it charges), with
// at most `limits.max_recipients_per_job` recipients and `room` jobs.
std::vector<DeliveryJob> group_jobs(const MessageRow& message,
                                    const std::vector<RecipientRecord>& due,
                                    const ClaimLimits& limits, const IsLeased& leased,
                                    std::size_t room, DomainRoom& domains);

// Reads due work (next_attempt_at <= now) in one read transaction, earliest first. The caller
// holds whatever lock makes `leased` stable for the duration. Its cost follows the jobs it takes
// and the number of domains with pending mail, not the due recipients of domains without room.
core::Result<std::vector<DeliveryJob>> find_due_jobs(db::SqliteStatementCache& sql,
                                                     std::int64_t now, const ClaimLimits& limits,
                                                     const IsLeased& leased);

// The earliest next_attempt_at of a pending recipient that is not leased.
core::Result<std::optional<std::int64_t>> find_next_due(db::SqliteStatementCache& sql,
                                                        const IsLeased& leased);

}  // namespace stsrelay::queue
