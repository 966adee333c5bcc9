// The Store's writer thread: the only code that writes queue.db in the daemon. Callers submit
// operations; the thread takes everything waiting (bounded by OpenOptions) into one transaction
// (group commit), commits, and only then calls each operation's `done`. SQLite's
// synchronous=FULL in WAL mode fsyncs the log at COMMIT, so `done(ok)` means "on disk".
//
// When a group transaction fails, it is rolled back whole and every operation in it is retried
// alone, so one operation that cannot succeed (a message larger than the quota) fails by itself.
//
// Between batches, and every OpenOptions::external_change_check while idle, the thread looks at
// PRAGMA data_version, which changes when another connection (the CLI) committed, and sweeps
// finished messages now and then (Writer::housekeeping()).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "queue/open_options.hpp"
#include "queue/queue_id.hpp"
#include "queue/store.hpp"
#include "src/core/clock.hpp"
#include "src/core/envelope.hpp"
#include "src/core/message_content.hpp"
#include "src/core/result.hpp"
#include "src/db/sqlite_connection.hpp"
#include "src/db/sqlite_statement_cache.hpp"

namespace stsrelay::queue {

struct EnqueueOp {
  core::Envelope envelope;
  core::MessageContent content;  // a large message's body stays in its spool file until copied
  std::int64_t received_at = 0;
  std::function<void(core::Result<std::string>)> done;
  std::string id;  // from new_id(), or assigned inside the transaction when empty
};

// Per-recipient results plus notices (DSNs) to queue in the same transaction, so that a bounce
// and its notice commit together or not at all.
struct RecordOp {
  std::vector<RecipientResult> results;
  std::vector<NewMessage> notices;
  std::function<void(core::Result<std::vector<std::string>>)> done;
  std::vector<std::string> notice_ids;  // assigned inside the transaction
};

using WriteOp = std::variant<EnqueueOp, RecordOp>;

// What a committed transaction changed, for the Store's bookkeeping (leases, wake-ups).
struct CommitSummary {
  std::size_t new_messages = 0;                  // messages (and notices) now due
  std::vector<std::int64_t> settled_recipients;  // recipients whose results were recorded
  std::uint64_t purged = 0;                      // finished messages deleted
};

class Writer {
 public:
  struct Hooks {
    // On the writer thread, after a commit and before the operations' `done` callbacks.
    std::function<void(const CommitSummary&)> after_commit;
    // On the writer thread, when another connection committed a change (PRAGMA data_version).
    std::function<void()> external_change;
  };

  // Takes the already opened write connection and starts the thread.
  Writer(db::SqliteConnection db, core::Clock& clock, const OpenOptions& options, Hooks hooks);
  ~Writer();
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // Queues an operation; after close() its `done` gets ErrorKind::temporary at once.
  void submit(WriteOp op);
  // Runs what is waiting, then joins the thread. Idempotent.
  void close();
  // A fresh queue id from the same generator the writer uses. Thread-safe.
  std::string new_id() { return ids_.next(clock_.now()); }

  StoreStats stats() const;

 private:
  void run();
  void take_batch(std::vector<WriteOp>& batch);
  void execute(std::vector<WriteOp>& batch);
  core::Status run_transaction(std::vector<WriteOp*>& ops, CommitSummary& summary);
  core::Status apply(EnqueueOp& op, CommitSummary& summary);
  core::Status apply(RecordOp& op, CommitSummary& summary);
  void complete(WriteOp& op);
  void complete(EnqueueOp& op);
  void complete(RecordOp& op);
  void fail(WriteOp& op, const core::Error& error);
  void fail(EnqueueOp& op, const core::Error& error);
  void fail(RecordOp& op, const core::Error& error);
  void housekeeping();
  core::Status sweep_finished(std::int64_t now);

  db::SqliteConnection db_;
  db::SqliteStatementCache sql_;
  core::Clock& clock_;
  OpenOptions options_;
  Hooks hooks_;
  QueueIdGenerator ids_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<WriteOp> queue_;
  bool closing_ = false;

  std::int64_t data_version_ = 0;
  std::int64_t last_sweep_ = 0;

  std::atomic<std::uint64_t> transactions_{0};
  std::atomic<std::uint64_t> enqueued_{0};
  std::atomic<std::uint64_t> enqueue_failed_{0};
  std::atomic<std::uint64_t> batch_retries_{0};
  std::atomic<std::uint64_t> purged_{0};
  std::atomic<std::uint64_t> results_recorded_{0};
  std::atomic<std::uint64_t> record_failed_{0};

  std::thread thread_;
};

}  // namespace stsrelay::queue
