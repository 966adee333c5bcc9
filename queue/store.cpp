// Store: the daemon's handle on queue.db. Writes go to the writer thread (queue/writer.hpp);
// claims and content reads use two read connections of their own; leases live here, in memory.
//
// Why a claim never hands out a recipient twice: claims read and lease while holding
// `leases_mutex_`, and the writer gives leases back (after its commit) under the same mutex.
// So a claim either starts its read snapshot after the commit that made the recipient final
// (and sees it final), or it sees the lease still held (and skips it).
#include "queue/store.hpp"

#include <mutex>
#include <unordered_set>

#include "queue/claim.hpp"
#include "queue/queue_sql.hpp"
#include "queue/schema.hpp"
#include "queue/stored_content.hpp"
#include "queue/writer.hpp"

namespace stsrelay::queue {
namespace {

class SqliteStore final : public Store {
 public:
  SqliteStore(std::filesystem::path path, db::SqliteConnection write_db,
              db::SqliteConnection claim_db, db::SqliteConnection content_db, core::Clock& clock,
              const OpenOptions& options)
      : path_(std::move(path)),
        options_(options),
        clock_(clock),
        claim_db_(std::move(claim_db)),
        claim_sql_(claim_db_),
        content_db_(std::move(content_db)),
        content_sql_(content_db_),
        writer_(std::move(write_db), clock, options,
                Writer::Hooks{[this](const CommitSummary& s) { after_commit(s); },
                              [this] { notify_work(); }}) {}

  ~SqliteStore() override { close(); }

  void enqueue(core::Envelope envelope, std::string content,
               std::function<void(core::Result<std::string>)> done) override {
    enqueue_with_id({}, std::move(envelope), core::MessageContent(std::move(content)),
                    std::move(done));
  }

  std::string new_id() override { return writer_.new_id(); }

  void enqueue_with_id(std::string id, core::Envelope envelope, core::MessageContent content,
                       std::function<void(core::Result<std::string>)> done) override {
    EnqueueOp op;
    op.id = std::move(id);
    op.received_at = core::to_unix(clock_.now());
    op.envelope = std::move(envelope);
    op.content = std::move(content);
    op.done = std::move(done);
    writer_.submit(std::move(op));
  }

  void close() override { writer_.close(); }

  StoreStats stats() const override { return writer_.stats(); }

  core::Result<std::vector<DeliveryJob>> claim_due(core::SysTime now,
                                                   const ClaimLimits& limits) override {
    std::lock_guard lock(leases_mutex_);
    auto jobs = find_due_jobs(claim_sql_, core::to_unix(now), limits, is_leased());
    if (!jobs) return jobs.error();
    for (const auto& job : *jobs) {
      for (const auto& r : job.recipients) leases_.insert(r.id);
    }
    return jobs;
  }

  void release(const std::vector<std::int64_t>& recipient_ids) override {
    drop_leases(recipient_ids);
    notify_work();
  }

  core::Result<std::string> load_content(std::string_view message_id) override {
    std::lock_guard lock(content_mutex_);
    return queue::load_content(content_sql_, message_id);
  }

  core::Result<std::unique_ptr<core::ContentSource>> open_content(
      std::string_view message_id) override {
    return open_stored_content(path_, options_, message_id);
  }

  void record(std::vector<RecipientResult> results, std::vector<NewMessage> notices,
              std::function<void(core::Result<std::vector<std::string>>)> done) override {
    RecordOp op;
    op.results = std::move(results);
    op.notices = std::move(notices);
    op.done = std::move(done);
    writer_.submit(std::move(op));
  }

  core::Result<std::optional<core::SysTime>> next_due() override {
    std::lock_guard lock(leases_mutex_);
    auto at = find_next_due(claim_sql_, is_leased());
    if (!at) return at.error();
    if (!*at) return std::optional<core::SysTime>{};
    return std::optional<core::SysTime>{core::from_unix(**at)};
  }

  void set_work_listener(std::function<void()> listener) override {
    std::lock_guard lock(work_mutex_);
    listener_ = std::make_shared<std::function<void()>>(std::move(listener));
  }

  std::size_t leased() const override {
    std::lock_guard lock(leases_mutex_);
    return leases_.size();
  }

 private:
  IsLeased is_leased() const {
    // Called only while leases_mutex_ is held (claim_due, next_due).
    return [this](std::int64_t id) { return leases_.contains(id); };
  }

  void drop_leases(const std::vector<std::int64_t>& ids) {
    std::lock_guard lock(leases_mutex_);
    for (std::int64_t id : ids) leases_.erase(id);
  }

  // On the writer thread, after a commit and before the `done` callbacks: results recorded are
  // final on disk, so their leases can go; then whoever waits for work looks again.
  void after_commit(const CommitSummary& summary) {
    if (!summary.settled_recipients.empty()) drop_leases(summary.settled_recipients);
    notify_work();
  }

  void notify_work() {
    std::shared_ptr<std::function<void()>> listener;
    {
      std::lock_guard lock(work_mutex_);
      listener = listener_;
    }
    if (listener && *listener) (*listener)();
  }

  const std::filesystem::path path_;
  const OpenOptions options_;
  core::Clock& clock_;

  mutable std::mutex leases_mutex_;
  std::unordered_set<std::int64_t> leases_;
  db::SqliteConnection claim_db_;  // used only under leases_mutex_
  db::SqliteStatementCache claim_sql_;

  std::mutex content_mutex_;
  db::SqliteConnection content_db_;
  db::SqliteStatementCache content_sql_;

  std::mutex work_mutex_;
  std::shared_ptr<std::function<void()>> listener_;

  // Last: its thread calls the hooks above, so it must start after and stop before them.
  Writer writer_;
};

}  // namespace

core::Result<std::unique_ptr<Store>> Store::open(const std::filesystem::path& path,
                                                 core::Clock& clock) {
  return open(path, clock, OpenOptions{});
}

core::Result<std::unique_ptr<Store>> Store::open(const std::filesystem::path& path,
                                                 core::Clock& clock, const OpenOptions& options) {
  // Recipients that a previous process was delivering when it died need nothing here: leases
  // are never written to disk (see store.hpp), so they are queued/deferred and due already.
  auto write_db = open_queue_db(path, options);
  if (!write_db) return write_db.error();
  auto claim_db = open_queue_db(path, options);
  if (!claim_db) return claim_db.error();
  auto content_db = open_queue_db(path, options);
  if (!content_db) return content_db.error();
  return std::unique_ptr<Store>(std::make_unique<SqliteStore>(
      path, std::move(*write_db), std::move(*claim_db), std::move(*content_db), clock, options));
}

}  // namespace stsrelay::queue
