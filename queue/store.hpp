// The durable queue (SQLite `queue.db`): messages with their envelope and body, and one row per
// recipient with its delivery state. WAL mode, synchronous=FULL (queue/schema.hpp).
//
// Store is the daemon's handle: one writer thread owns the write connection and commits every
// enqueue (and every batch of delivery results) that is waiting in one transaction (group
// commit); each caller is told only after that transaction committed. The delivery engine
// claims due work from it (claim_due), reads content, and records results. Reader is for the
// CLI and tools: its own connection, safe while the daemon runs; a running Store notices its
// changes through PRAGMA data_version and wakes the scheduler.
//
// Threads: Store is safe to use from any thread. `done` callbacks run on the writer thread, one
// after the other, so they must be quick (post the answer to an executor) and must not throw.
// A Reader is used by one thread at a time.
//
// Choices this file pins down:
// - Group commit: the writer takes everything waiting (at most OpenOptions::max_batch_operations
//   operations and max_batch_bytes of content) into one transaction. When that transaction
//   fails, it is rolled back as a whole and each operation is retried alone in its own
//   transaction, so one message that cannot be stored (too big for the quota) does not fail the
//   others. A message is never half-stored: its row and its recipients commit together or not.
// - No "in flight" state on disk: recipients being delivered stay queued/deferred on disk and
//   are leased in the Store's memory. When the process dies, the leases die with it and those
//   recipients are due again at the next start; a delivery may then be repeated, never lost.
// - Purging, like Postfix: a message leaves the queue once no recipient is pending, in the
//   same transaction as the result that finished it (and in a sweep at open and every ten
//   minutes). Messages with a `dry-run` recipient are kept for OpenOptions::dry_run_retention
//   after their last change so that `stsrelay queue list` shows what a dry run would have done.
//   Until then, delivered and bounced recipients of a message still pending stay listed.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "queue/open_options.hpp"
#include "src/core/clock.hpp"
#include "src/core/content_source.hpp"
#include "src/core/envelope.hpp"
#include "src/core/message_content.hpp"
#include "src/core/result.hpp"

namespace stsrelay::queue {

// The states a recipient is in, as `stsrelay queue list` shows them. queued and deferred are
// pending (due at next_attempt_at); delivered, bounced and dry_run are final.
enum class RecipientState { queued, deferred, delivered, bounced, dry_run };
std::string_view to_string(RecipientState state);  // "queued" ... "dry-run"
std::optional<RecipientState> parse_recipient_state(std::string_view text);
bool is_pending(RecipientState state);

struct RecipientRecord {
  std::int64_t id = 0;
  std::string address;
  RecipientState state = RecipientState::queued;
  int attempts = 0;
  std::int64_t next_attempt_at = 0;  // unix seconds; 0 once final
  std::string last_reply;            // e.g. "451 4.7.5 mx.example.com: certificate not trusted"
  std::uint8_t notify = 0;           // core::NotifyFlag bits
  std::string orcpt;
  std::int64_t updated_at = 0;  // unix seconds of the last change
};

struct MessageRecord {
  std::string id;  // queue id
  std::string sender;
  std::int64_t received_at = 0;  // unix seconds
  std::int64_t size = 0;         // bytes of content
  std::vector<RecipientRecord> recipients;
};

struct MessageDetail {
  MessageRecord message;
  core::Envelope envelope;  // with client data and DSN parameters
  std::string headers;      // the header section of the stored content
};

// Counters for tests and metrics; they only grow.
struct StoreStats {
  std::uint64_t transactions = 0;      // write transactions committed by the writer thread
  std::uint64_t enqueued = 0;          // messages committed (notices from record() included)
  std::uint64_t enqueue_failed = 0;    // messages whose `done` got an error
  std::uint64_t batch_retries = 0;     // failed group transactions retried one operation at a time
  std::uint64_t purged = 0;            // messages removed because no recipient was left pending
  std::uint64_t results_recorded = 0;  // recipient results committed
  std::uint64_t record_failed = 0;     // record() calls whose `done` got an error
};

// Work for the delivery engine: the due recipients of one message in one recipient domain,
// leased to the caller until their results are recorded or they are released.
struct DeliveryJob {
  std::string message_id;
  std::string domain;  // lower case; "" for an address without a domain
  // The message's envelope (sender, DSN parameters, client data); `recipients` holds only this
  // job's recipients, in the same order as `recipients` below.
  core::Envelope envelope;
  std::vector<RecipientRecord> recipients;  // ids, attempts so far, notify, orcpt
  std::int64_t received_at = 0;             // unix seconds, for max_lifetime
  std::int64_t size = 0;
};

struct ClaimLimits {
  std::size_t max_jobs = 100;
  // RFC 5321 §4.5.3.1.8: servers must accept at least 100 recipients per transaction; larger
  // groups are split into several jobs.
  std::size_t max_recipients_per_job = 100;
  // When set, how many more jobs a domain may start (its per-domain concurrency less the jobs
  // it has running): a claim takes at most that many jobs of it, none at 0. Unset: no limit.
  std::function<std::size_t(std::string_view domain)> domain_room;
};

// The outcome of one delivery attempt for one recipient.
struct RecipientResult {
  std::int64_t recipient_id = 0;
  RecipientState state = RecipientState::deferred;  // deferred, delivered, bounced or dry_run
  std::int64_t next_attempt_at = 0;  // unix seconds; required for deferred, ignored otherwise
  std::string last_reply;            // the remote reply or the local reason
};

// A message the queue itself originates (a DSN), stored in the same transaction as the
// results that caused it.
struct NewMessage {
  core::Envelope envelope;
  std::string content;
};

class Store {
 public:
  // Opens (creating if needed) the database at `path`, applies the schema, and makes recipients
  // that were in flight when a previous daemon died due again. Starts the writer thread.
  static core::Result<std::unique_ptr<Store>> open(const std::filesystem::path& path,
                                                   core::Clock& clock);
  static core::Result<std::unique_ptr<Store>> open(const std::filesystem::path& path,
                                                   core::Clock& clock, const OpenOptions& options);
  virtual ~Store() = default;

  // Queues one message. `done` runs on the writer thread after the transaction holding it
  // committed (with the new queue id), or failed (ErrorKind::no_space when the disk is full,
  // ErrorKind::invalid for an envelope without recipients, ErrorKind::temporary after close()).
  // received_at is the clock's time when enqueue() is called.
  virtual void enqueue(core::Envelope envelope, std::string content,
                       std::function<void(core::Result<std::string>)> done) = 0;
  // A fresh queue id, for a caller that names the message before queueing it: the SMTP server
  // writes it into the Received: and Message-ID: headers, so that header, log line and
  // `queue show` agree. Thread-safe.
  virtual std::string new_id() = 0;
  // enqueue() under an id from new_id() (ErrorKind::invalid for anything else).
  // The content may have its body in a spool file (core::MessageContent): it is copied into the
  // database in chunks by the writer thread, inside the transaction whose commit `done` reports.
  virtual void enqueue_with_id(std::string id, core::Envelope envelope,
                               core::MessageContent content,
                               std::function<void(core::Result<std::string>)> done) = 0;

  // Finishes what is waiting, then stops the writer thread. Called by the destructor too.
  virtual void close() = 0;

  virtual StoreStats stats() const = 0;

  // ---- For the delivery engine ----

  // Due recipients (next_attempt_at <= now, pending, not leased), earliest first, grouped by
  // message and recipient domain. Every recipient returned is leased: no later claim_due
  // returns it until record() committed its result or release() gave it back.
  virtual core::Result<std::vector<DeliveryJob>> claim_due(core::SysTime now,
                                                           const ClaimLimits& limits) = 0;
  // Gives leased recipients back unchanged (an attempt that never started); due again at once.
  virtual void release(const std::vector<std::int64_t>& recipient_ids) = 0;
  // The stored content of a message; not_found once it was deleted (`stsrelay queue delete`).
  virtual core::Result<std::string> load_content(std::string_view message_id) = 0;
  // The stored content of a message read in chunks, for a message too large to load whole: the
  // source has a database connection of its own and holds a read transaction while it lives,
  // so callers keep it only while they send. not_found once the message was deleted.
  virtual core::Result<std::unique_ptr<core::ContentSource>> open_content(
      std::string_view message_id) = 0;

  // Records results through the writer thread (group commit with everything else waiting), and
  // in the same transaction queues `notices` (DSNs) and purges messages with no recipient left
  // pending. Only pending recipients change: a recipient deleted or already final meanwhile is
  // left alone. `done` runs on the writer thread with the queue ids of the notices. After
  // success the recipients' leases are gone; after a failure they stay leased, and the caller
  // records again or calls release() (so a full disk cannot turn into a delivery loop).
  virtual void record(std::vector<RecipientResult> results, std::vector<NewMessage> notices,
                      std::function<void(core::Result<std::vector<std::string>>)> done) = 0;

  // The earliest next_attempt_at of a pending recipient that is not leased; empty when none.
  virtual core::Result<std::optional<core::SysTime>> next_due() = 0;

  // Wake-ups for the scheduler. The listener runs after every commit of the writer (new mail,
  // notices, results), after release(), and when another connection (the CLI's retry, flush,
  // delete) changed queue.db, seen through PRAGMA data_version (checked every
  // OpenOptions::external_change_check while idle). The listener runs on the thread that made
  // the change, so it must be quick (post to an executor, cancel a timer).
  virtual void set_work_listener(std::function<void()> listener) = 0;
  // How many recipients are leased now.
  virtual std::size_t leased() const = 0;
};

class Reader {
 public:
  // The clock gives `now` for retry() and flush(); the first form uses the system clock.
  static core::Result<std::unique_ptr<Reader>> open(const std::filesystem::path& path);
  static core::Result<std::unique_ptr<Reader>> open(const std::filesystem::path& path,
                                                    core::Clock& clock,
                                                    const OpenOptions& options = {});
  virtual ~Reader() = default;

  // Every message in arrival order, with all its recipients (final ones too, until purged).
  virtual core::Result<std::vector<MessageRecord>> list() = 0;
  virtual core::Result<MessageDetail> show(std::string_view id) = 0;  // not_found when absent
  virtual core::Status remove(std::string_view id) = 0;               // not_found when absent
  virtual core::Status retry(std::string_view id) = 0;  // its pending recipients due now
  virtual core::Result<int> flush() = 0;                // all pending due now; count of recipients
  // Recipients per state, for metrics and health checks (states without any are left out).
  virtual core::Result<std::vector<std::pair<RecipientState, std::int64_t>>> count_by_state() = 0;
};

}  // namespace stsrelay::queue
