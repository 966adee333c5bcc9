#include "queue/writer.hpp"

#include <spdlog/spdlog.h>

#include <random>
#include <utility>

#include "queue/queue_sql.hpp"
#include "src/db/sqlite_transaction.hpp"

namespace stsrelay::queue {
namespace {

// How often, at most, the writer sweeps the whole queue for finished messages. Messages
// finished by recorded results are purged in the same transaction; this sweep only catches
// dry-run messages whose retention ran out and anything the CLI left behind.
constexpr std::int64_t kSweepIntervalSeconds = 600;

std::uint64_t random_seed() {
  std::random_device device;
  return (std::uint64_t{device()} << 32) ^ device();
}

std::size_t content_bytes(const EnqueueOp& op) { return op.content.size(); }

std::size_t content_bytes(const RecordOp& op) {
  std::size_t bytes = 0;
  for (const auto& notice : op.notices) bytes += notice.content.size();
  return bytes;
}

std::size_t content_bytes(const WriteOp& op) {
  return std::visit([](const auto& o) { return content_bytes(o); }, op);
}

core::Status check_result(const RecipientResult& r) {
  if (is_pending(r.state) && r.state != RecipientState::deferred) {
    return core::Error::invalid("queue: result for recipient " + std::to_string(r.recipient_id) +
                                " must be deferred, delivered, bounced or dry-run");
  }
  if (r.state == RecipientState::deferred && r.next_attempt_at <= 0) {
    return core::Error::invalid("queue: deferred recipient " + std::to_string(r.recipient_id) +
                                " needs next_attempt_at");
  }
  return core::Ok{};
}

}  // namespace

Writer::Writer(db::SqliteConnection db, core::Clock& clock, const OpenOptions& options, Hooks hooks)
    : db_(std::move(db)),
      sql_(db_),
      clock_(clock),
      options_(options),
      hooks_(std::move(hooks)),
      ids_(random_seed()) {
  auto version = db_.query_int("PRAGMA data_version");
  if (version) data_version_ = *version;
  // The first sweep runs before the thread starts, so that what a previous process left
  // finished is gone before anyone lists or claims.
  const std::int64_t now = core::to_unix(clock_.now());
  auto swept = sweep_finished(now);
  if (!swept) spdlog::error("queue: purge at start: {}", swept.error().message);
  thread_ = std::thread([this] { run(); });
}

Writer::~Writer() { close(); }

void Writer::submit(WriteOp op) {
  {
    std::lock_guard lock(mutex_);
    if (!closing_) {
      queue_.push_back(std::move(op));
      wake_.notify_one();
      return;
    }
  }
  fail(op, core::Error::temporary("queue: the store is closed"));
}

void Writer::close() {
  {
    std::lock_guard lock(mutex_);
    closing_ = true;
    wake_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
}

StoreStats Writer::stats() const {
  StoreStats s;
  s.transactions = transactions_.load();
  s.enqueued = enqueued_.load();
  s.enqueue_failed = enqueue_failed_.load();
  s.batch_retries = batch_retries_.load();
  s.purged = purged_.load();
  s.results_recorded = results_recorded_.load();
  s.record_failed = record_failed_.load();
  return s;
}

void Writer::run() {
  std::vector<WriteOp> batch;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      if (queue_.empty() && !closing_) {
        wake_.wait_for(lock, options_.external_change_check,
                       [this] { return closing_ || !queue_.empty(); });
      }
      if (queue_.empty()) {
        if (closing_) return;
        lock.unlock();
        housekeeping();
        continue;
      }
      take_batch(batch);
    }
    execute(batch);
    batch.clear();
    // A writer that is never idle still sweeps and still notices the CLI.
    housekeeping();
  }
}

void Writer::take_batch(std::vector<WriteOp>& batch) {
  // Everything waiting, up to the bounds; the first operation always goes, however large.
  std::size_t bytes = 0;
  while (!queue_.empty() && batch.size() < options_.max_batch_operations) {
    const std::size_t next = content_bytes(queue_.front());
    if (!batch.empty() && bytes + next > options_.max_batch_bytes) break;
    bytes += next;
    batch.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
}

void Writer::execute(std::vector<WriteOp>& batch) {
  std::vector<WriteOp*> ops;
  ops.reserve(batch.size());
  for (auto& op : batch) ops.push_back(&op);

  CommitSummary summary;
  auto status = run_transaction(ops, summary);
  if (status) {
    purged_.fetch_add(summary.purged);
    if (hooks_.after_commit) hooks_.after_commit(summary);
    for (auto* op : ops) complete(*op);
    return;
  }
  if (ops.size() == 1) {
    fail(*ops.front(), status.error());
    return;
  }
  // The group failed as a whole (rolled back): find out which operations can succeed alone.
  spdlog::warn("queue: group transaction of {} failed ({}); retrying one at a time", ops.size(),
               status.error().message);
  batch_retries_.fetch_add(1);
  for (auto* op : ops) {
    std::vector<WriteOp*> one{op};
    CommitSummary single;
    auto alone = run_transaction(one, single);
    if (alone) {
      purged_.fetch_add(single.purged);
      if (hooks_.after_commit) hooks_.after_commit(single);
      complete(*op);
    } else {
      fail(*op, alone.error());
    }
  }
}

core::Status Writer::run_transaction(std::vector<WriteOp*>& ops, CommitSummary& summary) {
  auto tx = db::SqliteTransaction::begin(db_);
  if (!tx) return tx.error();
  for (auto* op : ops) {
    auto applied = std::visit([&](auto& o) { return apply(o, summary); }, *op);
    if (!applied) return applied.error();  // ~SqliteTransaction rolls back
  }
  auto committed = tx->commit();
  if (!committed) return committed.error();
  transactions_.fetch_add(1);
  return core::Ok{};
}

core::Status Writer::apply(EnqueueOp& op, CommitSummary& summary) {
  if (op.envelope.recipients.empty()) {
    return core::Error::invalid("queue: a message needs at least one recipient");
  }
  if (op.id.empty()) {
    op.id = ids_.next(clock_.now());
  } else if (!is_queue_id(op.id)) {
    return core::Error::invalid("queue: \"" + op.id + "\" is not a queue id");
  }
  auto seq = insert_message(sql_, op.id, op.envelope, op.content, op.received_at);
  if (!seq) return core::Error{seq.error().kind, "queue: store message: " + seq.error().message};
  ++summary.new_messages;
  return core::Ok{};
}

core::Status Writer::apply(RecordOp& op, CommitSummary& summary) {
  for (const auto& r : op.results) {
    auto valid = check_result(r);
    if (!valid) return valid;
  }
  const std::int64_t now = core::to_unix(clock_.now());
  std::vector<std::int64_t> touched;
  for (const auto& r : op.results) {
    auto seq = record_result(sql_, r, now);
    if (!seq) return core::Error{seq.error().kind, "queue: record result: " + seq.error().message};
    if (*seq) touched.push_back(**seq);
  }
  op.notice_ids.clear();
  for (const auto& notice : op.notices) {
    if (notice.envelope.recipients.empty()) {
      return core::Error::invalid("queue: a notice needs at least one recipient");
    }
    std::string id = ids_.next(clock_.now());
    auto seq = insert_message(sql_, id, notice.envelope, notice.content, now);
    if (!seq) return core::Error{seq.error().kind, "queue: store notice: " + seq.error().message};
    op.notice_ids.push_back(std::move(id));
  }
  // Postfix's rule: a message leaves the queue when no recipient is left to try.
  auto purged = purge_finished(sql_, touched, now - options_.dry_run_retention.count());
  if (!purged) return core::Error{purged.error().kind, "queue: purge: " + purged.error().message};
  summary.purged += static_cast<std::uint64_t>(*purged);
  summary.new_messages += op.notices.size();
  for (const auto& r : op.results) summary.settled_recipients.push_back(r.recipient_id);
  return core::Ok{};
}

void Writer::complete(WriteOp& op) {
  std::visit([this](auto& o) { complete(o); }, op);
}

void Writer::complete(EnqueueOp& op) {
  enqueued_.fetch_add(1);
  // The content is on disk; free it (and the spool file) before the callback, which may take a
  // while.
  op.content = core::MessageContent{};
  op.done(std::move(op.id));
}

void Writer::complete(RecordOp& op) {
  enqueued_.fetch_add(op.notices.size());
  results_recorded_.fetch_add(op.results.size());
  op.notices.clear();
  op.done(std::move(op.notice_ids));
}

void Writer::fail(WriteOp& op, const core::Error& error) {
  std::visit([&](auto& o) { fail(o, error); }, op);
}

void Writer::fail(EnqueueOp& op, const core::Error& error) {
  enqueue_failed_.fetch_add(1);
  op.done(error);
}

void Writer::fail(RecordOp& op, const core::Error& error) {
  record_failed_.fetch_add(1);
  op.done(error);
}

void Writer::housekeeping() {
  // PRAGMA data_version changes when another connection committed since the last look; this
  // connection's own commits leave it alone.
  auto version = db_.query_int("PRAGMA data_version");
  if (!version) {
    spdlog::error("queue: {}", version.error().message);
  } else if (*version != data_version_) {
    data_version_ = *version;
    if (hooks_.external_change) hooks_.external_change();
  }
  const std::int64_t now = core::to_unix(clock_.now());
  if (now - last_sweep_ >= kSweepIntervalSeconds) {
    auto swept = sweep_finished(now);
    if (!swept) spdlog::error("queue: purge: {}", swept.error().message);
  }
}

core::Status Writer::sweep_finished(std::int64_t now) {
  last_sweep_ = now;
  auto tx = db::SqliteTransaction::begin(db_);
  if (!tx) return tx.error();
  auto purged = purge_finished(sql_, std::nullopt, now - options_.dry_run_retention.count());
  if (!purged) return purged.error();
  auto committed = tx->commit();
  if (!committed) return committed.error();
  transactions_.fetch_add(1);
  purged_.fetch_add(static_cast<std::uint64_t>(*purged));
  return core::Ok{};
}

}  // namespace stsrelay::queue
