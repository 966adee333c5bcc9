// Reader: the CLI's own connection to queue.db, safe beside a running daemon (WAL: readers see
// the last commit and never block the writer; the few writes here wait on busy_timeout for the
// daemon's writer). A running daemon notices retry/flush/delete through PRAGMA data_version.
#include "queue/message_text.hpp"
#include "queue/queue_sql.hpp"
#include "queue/schema.hpp"
#include "queue/store.hpp"
#include "src/db/sqlite_transaction.hpp"

namespace stsrelay::queue {
namespace {

// At most this much of a message is read for `queue show`: header sections are kilobytes.
constexpr std::size_t kShowHeaderLimit = 1024 * 1024;

class SqliteReader final : public Reader {
 public:
  SqliteReader(db::SqliteConnection db, core::Clock& clock)
      : db_(std::move(db)), sql_(db_), clock_(clock) {}

  core::Result<std::vector<MessageRecord>> list() override {
    return in_one_snapshot([this] { return load_all_messages(sql_); });
  }

  core::Result<MessageDetail> show(std::string_view id) override {
    return in_one_snapshot([this, id] { return load_detail(id); });
  }

  core::Status remove(std::string_view id) override {
    auto tx = db::SqliteTransaction::begin(db_);
    if (!tx) return tx.error();
    auto deleted = delete_message(sql_, id);
    if (!deleted) return deleted.error();
    if (!*deleted) return core::Error::not_found("no message " + std::string(id) + " in the queue");
    return tx->commit();
  }

  core::Status retry(std::string_view id) override {
    auto tx = db::SqliteTransaction::begin(db_);
    if (!tx) return tx.error();
    auto row = load_message_row(sql_, id);
    if (!row) return row.error();
    auto moved = make_due(sql_, row->seq, core::to_unix(clock_.now()));
    if (!moved) return moved.error();
    return tx->commit();
  }

  core::Result<int> flush() override {
    auto tx = db::SqliteTransaction::begin(db_);
    if (!tx) return tx.error();
    auto moved = make_due(sql_, std::nullopt, core::to_unix(clock_.now()));
    if (!moved) return moved.error();
    auto committed = tx->commit();
    if (!committed) return committed.error();
    return static_cast<int>(*moved);
  }

  core::Result<std::vector<std::pair<RecipientState, std::int64_t>>> count_by_state() override {
    auto stmt =
        db::SqliteStatement::prepare(db_, "SELECT state, count(*) FROM recipients GROUP BY state");
    if (!stmt) return stmt.error();
    std::vector<std::pair<RecipientState, std::int64_t>> out;
    for (;;) {
      auto row = stmt->step();
      if (!row) return row.error();
      if (!*row) break;
      // The CHECK constraint keeps other words out; a file edited by hand could still hold one.
      if (auto state = parse_recipient_state(stmt->column_text(0))) {
        out.emplace_back(*state, stmt->column_int(1));
      }
    }
    return out;
  }

 private:
  // Runs `load` in one read transaction, so that messages and recipients come from the same
  // snapshot.
  template <typename Load>
  auto in_one_snapshot(Load load) -> decltype(load()) {
    auto begun = db_.exec("BEGIN");
    if (!begun) return begun.error();
    auto loaded = load();
    auto ended = db_.exec("COMMIT");
    if (!loaded) return loaded.error();
    if (!ended) return ended.error();
    return loaded;
  }

  core::Result<MessageDetail> load_detail(std::string_view id) {
    auto row = load_message_row(sql_, id);
    if (!row) return row.error();
    auto recipients = load_recipients(sql_, row->seq);
    if (!recipients) return recipients.error();
    // Only the start of the content is read: a message of many megabytes is not loaded to show
    // its header section.
    auto content = load_header_section(sql_, row->seq, kShowHeaderLimit);
    if (!content) return content.error();

    MessageDetail detail;
    detail.envelope = std::move(row->envelope);
    for (const auto& r : *recipients) {
      detail.envelope.recipients.push_back({r.address, r.notify, r.orcpt});
    }
    detail.message = MessageRecord{std::move(row->id), detail.envelope.sender, row->received_at,
                                   row->size, std::move(*recipients)};
    detail.headers = std::string(header_section(*content));
    return detail;
  }

  db::SqliteConnection db_;
  db::SqliteStatementCache sql_;
  core::Clock& clock_;
};

core::SystemClock& system_clock() {
  static core::SystemClock clock;
  return clock;
}

}  // namespace

core::Result<std::unique_ptr<Reader>> Reader::open(const std::filesystem::path& path) {
  return open(path, system_clock());
}

core::Result<std::unique_ptr<Reader>> Reader::open(const std::filesystem::path& path,
                                                   core::Clock& clock, const OpenOptions& options) {
  auto db = open_queue_db(path, options);
  if (!db) return db.error();
  return std::unique_ptr<Reader>(std::make_unique<SqliteReader>(std::move(*db), clock));
}

}  // namespace stsrelay::queue
