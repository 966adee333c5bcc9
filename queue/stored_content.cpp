#include "queue/stored_content.hpp"

#include <algorithm>

#include "queue/queue_sql.hpp"
#include "queue/schema.hpp"
#include "src/db/sqlite_blob.hpp"
#include "src/db/sqlite_connection.hpp"
#include "src/db/sqlite_statement_cache.hpp"

namespace stsrelay::queue {
namespace {

class StoredContent final : public core::ContentSource {
 public:
  explicit StoredContent(db::SqliteConnection db) : db_(std::move(db)) {}

  core::Status open(std::string_view message_id) {
    db::SqliteStatementCache sql(db_);
    auto row = load_message_row(sql, message_id);
    if (!row) return row.error();
    auto blob = db::SqliteBlob::open(db_, "messages", "content", row->seq, false);
    if (!blob) return blob.error();
    blob_ = std::move(*blob);
    return core::Ok{};
  }

  std::uint64_t size() const override { return blob_.size(); }

  core::Result<std::size_t> read_at(std::uint64_t offset, char* buf, std::size_t n) override {
    if (offset >= blob_.size()) return std::size_t{0};
    const std::size_t count = std::min<std::uint64_t>(n, blob_.size() - offset);
    if (auto read = blob_.read(offset, buf, count); !read) return read.error();
    return count;
  }

 private:
  db::SqliteConnection db_;
  db::SqliteBlob blob_;  // declared after db_: closed before the connection
};

}  // namespace

core::Result<std::unique_ptr<core::ContentSource>> open_stored_content(
    const std::filesystem::path& path, const OpenOptions& options, std::string_view message_id) {
  auto db = open_queue_db(path, options);
  if (!db) return db.error();
  // Content is read once, front to back: a page cache would hold pages never read again, so
  // this connection keeps a small one (SQLite's default is 2 MB per connection, and many
  // deliveries stream at once).
  if (auto cache = db->exec("PRAGMA cache_size = -256"); !cache) return cache.error();
  auto content = std::make_unique<StoredContent>(std::move(*db));
  if (auto opened = content->open(message_id); !opened) return opened.error();
  return std::unique_ptr<core::ContentSource>(std::move(content));
}

}  // namespace stsrelay::queue
