// Store: the daemon's handle on queue.db. Enqueues go to the writer thread (queue/writer.hpp).
#include "queue/store.hpp"

#include "queue/schema.hpp"
#include "queue/writer.hpp"

namespace stsrelay::queue {
namespace {

class SqliteStore final : public Store {
 public:
  SqliteStore(Db db, core::Clock& clock, const OpenOptions& options)
      : clock_(clock), writer_(std::move(db), clock, options, Writer::Hooks{}) {}
  ~SqliteStore() override { close(); }

  void enqueue(core::Envelope envelope, std::string content,
               std::function<void(core::Result<std::string>)> done) override {
    EnqueueOp op;
    op.received_at = core::to_unix(clock_.now());
    op.envelope = std::move(envelope);
    op.content = std::move(content);
    op.done = std::move(done);
    writer_.submit(std::move(op));
  }

  void close() override { writer_.close(); }

  StoreStats stats() const override { return writer_.stats(); }

 private:
  core::Clock& clock_;
  Writer writer_;
};

}  // namespace

core::Result<std::unique_ptr<Store>> Store::open(const std::filesystem::path& path,
                                                 core::Clock& clock) {
  return open(path, clock, OpenOptions{});
}

core::Result<std::unique_ptr<Store>> Store::open(const std::filesystem::path& path,
                                                 core::Clock& clock,
                                                 const OpenOptions& options) {
  // Recipients that a previous process was delivering when it died need nothing here: leases
  // are never written to disk (see store.hpp), so they are queued/deferred and due already.
  auto db = open_queue_db(path, options);
  if (!db) return db.error();
  return std::unique_ptr<Store>(std::make_unique<SqliteStore>(std::move(*db), clock, options));
}

}  // namespace stsrelay::queue
