#include "queue/claim.hpp"

#include <algorithm>
#include <optional>
#include <limits>
#include <set>
#include <tuple>
#include <utility>

namespace stsrelay::queue {
namespace {

// How many due recipient rows one page of the walk in due order reads. Messages of a page are
// turned into jobs before the next page is read, so a claim of a few jobs reads little.
constexpr std::int64_t kPageRows = 64;

// The same for one domain's rows when the walk goes domain by domain: one page per domain
// with room is read before the first job is taken, so smaller.
constexpr std::int64_t kDomainPageRows = 8;

// How many due rows of domains without room the walk in due order may pass before the claim
// changes to walking domain by domain. A domain at its concurrency limit can have a backlog of
// due mail far larger than anything a claim may take (a burst to one provider, a dead domain
// that came back); read in due order, every claim would pass all of it to start nothing.
constexpr std::size_t kRefusedRowsBeforeDomainWalk = 64;

struct DueRow {
  std::int64_t next_attempt_at;
  std::int64_t message_seq;
  std::int64_t id;
  std::string domain;
};

constexpr auto kMin = std::numeric_limits<std::int64_t>::min();

core::Result<std::vector<DueRow>> read_rows(db::SqliteStatement& stmt) {
  std::vector<DueRow> rows;
  for (;;) {
    auto row = stmt.step();
    if (!row) return row.error();
    if (!*row) break;
    rows.push_back({stmt.column_int(0), stmt.column_int(1), stmt.column_int(2),
                    stmt.column_text(3)});
  }
  stmt.reset();
  return rows;
}

// One page of due rows after the key (next_attempt_at, message_seq, id) of the last row of the
// previous page: of every domain (recipients_due), or with `domain` of that one only
// (recipients_due_by_domain). The two statements differ only by the domain term.
core::Result<std::vector<DueRow>> due_page(db::SqliteStatementCache& sql, std::int64_t now,
                                           const DueRow& after,
                                           const std::string* domain = nullptr) {
  auto stmt = sql.get(domain == nullptr
                          ? "SELECT next_attempt_at, message_seq, id, domain FROM recipients "
                            "WHERE state IN ('queued', 'deferred') AND next_attempt_at <= ?1 "
                            "AND (next_attempt_at, message_seq, id) > (?2, ?3, ?4) "
                            "ORDER BY next_attempt_at, message_seq, id LIMIT ?5"
                          : "SELECT next_attempt_at, message_seq, id, domain FROM recipients "
                            "WHERE state IN ('queued', 'deferred') AND domain = ?6 "
                            "AND next_attempt_at <= ?1 "
                            "AND (next_attempt_at, message_seq, id) > (?2, ?3, ?4) "
                            "ORDER BY next_attempt_at, message_seq, id LIMIT ?5");
  if (!stmt) return stmt.error();
  (*stmt)
      ->bind(1, now)
      .bind(2, after.next_attempt_at)
      .bind(3, after.message_seq)
      .bind(4, after.id)
      .bind(5, domain == nullptr ? kPageRows : kDomainPageRows);
  if (domain != nullptr) (*stmt)->bind(6, *domain);
  return read_rows(**stmt);
}

struct PendingDomain {
  std::string domain;
  std::int64_t earliest;  // its earliest next_attempt_at
};

// The first domain with pending recipients after `after` (from the start when `first`): one
// seek in recipients_due_by_domain, whose first entry of a domain is its earliest.
core::Result<std::optional<PendingDomain>> next_pending_domain(db::SqliteStatementCache& sql,
                                                               const std::string& after,
                                                               bool first) {
  auto stmt = sql.get(first ? "SELECT domain, next_attempt_at FROM recipients "
                              "WHERE state IN ('queued', 'deferred') AND domain >= ?1 "
                              "ORDER BY domain, next_attempt_at LIMIT 1"
                            : "SELECT domain, next_attempt_at FROM recipients "
                              "WHERE state IN ('queued', 'deferred') AND domain > ?1 "
                              "ORDER BY domain, next_attempt_at LIMIT 1");
  if (!stmt) return stmt.error();
  (*stmt)->bind(1, after);
  auto row = (*stmt)->step();
  if (!row) return row.error();
  std::optional<PendingDomain> found;
  if (*row) found = PendingDomain{(*stmt)->column_text(0), (*stmt)->column_int(1)};
  (*stmt)->reset();
  return found;
}

// One claim's walk over the due recipients. Each due row not leased, of a domain with room,
// brings its whole message in: all of its due recipients are grouped into jobs at once.
class DueScan {
 public:
  DueScan(db::SqliteStatementCache& sql, std::int64_t now, const ClaimLimits& limits,
          const IsLeased& leased)
      : sql_(sql), now_(now), limits_(limits), leased_(leased), domains_(limits) {}

  core::Result<std::vector<DeliveryJob>> run() {
    auto walked = walk_in_due_order();
    if (!walked) return walked.error();
    if (*walked == Walk::too_many_refused && !full()) {
      auto by_domain = walk_domain_by_domain();
      if (!by_domain) return by_domain.error();
    }
    return std::move(jobs_);
  }

 private:
  enum class Walk { done, too_many_refused };

  bool full() const { return jobs_.size() >= limits_.max_jobs; }

  // The common case: every due row in the order it became due.
  core::Result<Walk> walk_in_due_order() {
    std::size_t refused = 0;
    DueRow after{kMin, kMin, kMin, {}};
    while (!full()) {
      auto page = due_page(sql_, now_, after);
      if (!page) return page.error();
      if (page->empty()) break;
      after = page->back();
      for (const DueRow& row : *page) {
        if (full()) break;
        if (leased_ && leased_(row.id)) continue;
        if (!domains_.has_room(row.domain)) {
          if (++refused >= kRefusedRowsBeforeDomainWalk) return Walk::too_many_refused;
          continue;
        }
        auto taken = take_message(row.message_seq);
        if (!taken) return taken.error();
      }
    }
    return Walk::done;
  }

  // Domain by domain, each a seek in recipients_due_by_domain; a domain without room costs
  // that one seek. The due rows of the domains with room are then merged, so that they are
  // still taken in the order they became due.
  core::Status walk_domain_by_domain() {
    std::vector<DomainCursor> cursors;
    std::string after;
    for (bool first = true;; first = false) {
      auto next = next_pending_domain(sql_, after, first);
      if (!next) return next.error();
      if (!*next) break;
      after = (*next)->domain;
      if ((*next)->earliest <= now_ && domains_.has_room((*next)->domain)) {
        cursors.push_back(DomainCursor{std::move((*next)->domain), {}, 0, {kMin, kMin, kMin, {}}});
      }
    }
    // A min-heap of the cursors by their next row.
    const auto later = [&cursors](std::size_t a, std::size_t b) {
      return key(cursors[a].head()) > key(cursors[b].head());
    };
    std::vector<std::size_t> heap;
    for (std::size_t i = 0; i < cursors.size(); ++i) {
      auto filled = fill(cursors[i]);
      if (!filled) return filled.error();
      if (*filled) heap.push_back(i);
    }
    std::make_heap(heap.begin(), heap.end(), later);
    while (!heap.empty() && !full()) {
      std::pop_heap(heap.begin(), heap.end(), later);
      DomainCursor& cursor = cursors[heap.back()];
      heap.pop_back();
      const DueRow row = cursor.head();
      if (!domains_.has_room(cursor.domain)) continue;  // its room is used: drop it
      if (!leased_ || !leased_(row.id)) {
        auto taken = take_message(row.message_seq);
        if (!taken) return taken.error();
      }
      ++cursor.position;
      auto more = fill(cursor);
      if (!more) return more.error();
      if (*more) {
        heap.push_back(static_cast<std::size_t>(&cursor - cursors.data()));
        std::push_heap(heap.begin(), heap.end(), later);
      }
    }
    return core::Ok{};
  }

  struct DomainCursor {
    std::string domain;
    std::vector<DueRow> page;
    std::size_t position;
    DueRow after;
    const DueRow& head() const { return page[position]; }
  };

  static std::tuple<std::int64_t, std::int64_t, std::int64_t> key(const DueRow& row) {
    return {row.next_attempt_at, row.message_seq, row.id};
  }

  // Makes sure the cursor has a row at `position`, reading its next page when needed; false
  // when the domain has no more due rows.
  core::Result<bool> fill(DomainCursor& cursor) {
    if (cursor.position < cursor.page.size()) return true;
    if (!cursor.page.empty()) cursor.after = cursor.page.back();
    auto page = due_page(sql_, now_, cursor.after, &cursor.domain);
    if (!page) return page.error();
    cursor.page = std::move(*page);
    cursor.position = 0;
    return !cursor.page.empty();
  }

  // Loads a message not seen yet in this claim and turns its due recipients into jobs.
  core::Status take_message(std::int64_t message_seq) {
    if (!seen_.insert(message_seq).second) return core::Ok{};
    auto message = load_message_row(sql_, message_seq);
    if (!message) return message.error();
    auto recipients = load_recipients(sql_, message_seq);
    if (!recipients) return recipients.error();
    std::vector<RecipientRecord> due;
    for (auto& r : *recipients) {
      if (is_pending(r.state) && r.next_attempt_at <= now_) due.push_back(std::move(r));
    }
    auto grouped =
        group_jobs(*message, due, limits_, leased_, limits_.max_jobs - jobs_.size(), domains_);
    for (auto& job : grouped) jobs_.push_back(std::move(job));
    return core::Ok{};
  }

  db::SqliteStatementCache& sql_;
  const std::int64_t now_;
  const ClaimLimits& limits_;
  const IsLeased& leased_;
  DomainRoom domains_;
  std::set<std::int64_t> seen_;
  std::vector<DeliveryJob> jobs_;
};

}  // namespace

bool DomainRoom::has_room(const std::string& domain) const {
  if (!limits_.domain_room) return true;
  auto it = taken_.find(domain);
  const std::size_t taken = it == taken_.end() ? 0 : it->second;
  return taken < limits_.domain_room(domain);
}

std::vector<DeliveryJob> group_jobs(const MessageRow& message,
                                    const std::vector<RecipientRecord>& due,
                                    const ClaimLimits& limits, const IsLeased& leased,
                                    std::size_t room, DomainRoom& domains) {
  std::vector<std::string> order;
  std::map<std::string, std::vector<const RecipientRecord*>> by_domain;
  for (const auto& r : due) {
    if (leased && leased(r.id)) continue;
    std::string domain = recipient_domain(r.address);
    auto [it, inserted] = by_domain.try_emplace(domain);
    if (inserted) order.push_back(domain);
    it->second.push_back(&r);
  }
  const std::size_t per_job = std::max<std::size_t>(limits.max_recipients_per_job, 1);
  std::vector<DeliveryJob> jobs;
  for (const auto& domain : order) {
    const auto& members = by_domain[domain];
    for (std::size_t start = 0; start < members.size() && jobs.size() < room; start += per_job) {
      if (!domains.has_room(domain)) break;
      domains.take(domain);
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
  auto jobs = DueScan(sql, now, limits, leased).run();
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
