#include "queue/claim.hpp"

#include <limits>
#include <map>
#include <set>

namespace stsrelay::queue {
namespace {

// How many due recipient rows one step of the scan reads. Messages of a page are turned into
// jobs before the next page is read, so a claim of a few jobs reads little.
constexpr std::int64_t kPageRows = 256;

struct DueRow {
  std::int64_t next_attempt_at;
  std::int64_t message_seq;
  std::int64_t id;
  std::string address;
};

// One page of the due index, after the key (next_attempt_at, message_seq, id) of the last row
// of the previous page.
core::Result<std::vector<DueRow>> due_page(db::SqliteStatementCache& sql, std::int64_t now,
                                           const DueRow& after) {
  auto stmt = sql.get(
      "SELECT next_attempt_at, message_seq, id, address FROM recipients "
      "WHERE state IN ('queued', 'deferred') AND next_attempt_at <= ?1 "
      "AND (next_attempt_at, message_seq, id) > (?2, ?3, ?4) "
      "ORDER BY next_attempt_at, message_seq, id LIMIT ?5");
  if (!stmt) return stmt.error();
  (*stmt)
      ->bind(1, now)
      .bind(2, after.next_attempt_at)
      .bind(3, after.message_seq)
      .bind(4, after.id)
      .bind(5, kPageRows);
  std::vector<DueRow> rows;
  for (;;) {
    auto row = (*stmt)->step();
    if (!row) return row.error();
    if (!*row) break;
    rows.push_back({(*stmt)->column_int(0), (*stmt)->column_int(1), (*stmt)->column_int(2),
                    (*stmt)->column_text(3)});
  }
  return rows;
}

core::Result<std::vector<DeliveryJob>> scan(db::SqliteStatementCache& sql, std::int64_t now,
                                            const ClaimLimits& limits, const IsLeased& leased) {
  std::vector<DeliveryJob> jobs;
  std::set<std::int64_t> seen;
  constexpr auto kMin = std::numeric_limits<std::int64_t>::min();
  DueRow after{kMin, kMin, kMin, {}};
  while (jobs.size() < limits.max_jobs) {
    auto page = due_page(sql, now, after);
    if (!page) return page.error();
    if (page->empty()) break;
    after = page->back();
    for (const DueRow& row : *page) {
      if (jobs.size() >= limits.max_jobs) break;
      // A recipient already in flight, or whose domain has no room, cannot start a job: skip
      // it before loading its message. Under load most due rows are such, and loading each
      // one's message on every wake-up made the scan cost grow with the backlog.
      if (leased && leased(row.id)) continue;
      if (limits.accept_domain && !limits.accept_domain(recipient_domain(row.address))) continue;
      if (!seen.insert(row.message_seq).second) continue;
      auto message = load_message_row(sql, row.message_seq);
      if (!message) return message.error();
      auto recipients = load_recipients(sql, row.message_seq);
      if (!recipients) return recipients.error();
      std::vector<RecipientRecord> due;
      for (auto& r : *recipients) {
        if (is_pending(r.state) && r.next_attempt_at <= now) due.push_back(std::move(r));
      }
      auto grouped = group_jobs(*message, due, limits, leased, limits.max_jobs - jobs.size());
      for (auto& job : grouped) jobs.push_back(std::move(job));
    }
  }
  return jobs;
}

}  // namespace

std::vector<DeliveryJob> group_jobs(const MessageRow& message,
                                    const std::vector<RecipientRecord>& due,
                                    const ClaimLimits& limits, const IsLeased& leased,
                                    std::size_t room) {
  std::vector<std::string> order;
  std::map<std::string, std::vector<const RecipientRecord*>> by_domain;
  for (const auto& r : due) {
    if (leased && leased(r.id)) continue;
    std::string domain = recipient_domain(r.address);
    if (limits.accept_domain && !limits.accept_domain(domain)) continue;
    auto [it, inserted] = by_domain.try_emplace(domain);
    if (inserted) order.push_back(domain);
    it->second.push_back(&r);
  }
  const std::size_t per_job = std::max<std::size_t>(limits.max_recipients_per_job, 1);
  std::vector<DeliveryJob> jobs;
  for (const auto& domain : order) {
    const auto& members = by_domain[domain];
    for (std::size_t start = 0; start < members.size() && jobs.size() < room; start += per_job) {
      DeliveryJob job;
      job.message_id = message.id;
      job.domain = domain;
      job.envelope = message.envelope;
      job.envelope.recipients.clear();
      job.received_at = message.received_at;
      job.size = message.size;
      for (std::size_t i = start; i < std::min(members.size(), start + per_job); ++i) {
        const RecipientRecord& r = *members[i];
        job.envelope.recipients.push_back({r.address, r.notify, r.orcpt});
        job.recipients.push_back(r);
      }
      jobs.push_back(std::move(job));
    }
  }
  return jobs;
}

core::Result<std::vector<DeliveryJob>> find_due_jobs(db::SqliteStatementCache& sql,
                                                     std::int64_t now, const ClaimLimits& limits,
                                                     const IsLeased& leased) {
  // One read transaction: the pages and the messages they name come from one snapshot.
  auto begun = sql.db().exec("BEGIN");
  if (!begun) return begun.error();
  auto jobs = scan(sql, now, limits, leased);
  auto ended = sql.db().exec("COMMIT");
  if (!jobs) return jobs.error();
  if (!ended) return ended.error();
  return jobs;
}

core::Result<std::optional<std::int64_t>> find_next_due(db::SqliteStatementCache& sql,
                                                        const IsLeased& leased) {
  auto stmt = sql.get(
      "SELECT id, next_attempt_at FROM recipients WHERE state IN ('queued', 'deferred') "
      "ORDER BY next_attempt_at");
  if (!stmt) return stmt.error();
  for (;;) {
    auto row = (*stmt)->step();
    if (!row) return row.error();
    if (!*row) return std::optional<std::int64_t>{};
    if (leased && leased((*stmt)->column_int(0))) continue;
    const std::int64_t at = (*stmt)->column_int(1);
    (*stmt)->reset();  // ends the read snapshot now
    return std::optional<std::int64_t>{at};
  }
}

}  // namespace stsrelay::queue
