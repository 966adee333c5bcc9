#include "tlsrpt/cluster_spool.hpp"

#include <openssl/rand.h>

#include "src/db/sqlite_run.hpp"
#include "src/db/sqlite_statement.hpp"
#include "tlsrpt/counter_codec.hpp"

namespace stsrelay::tlsrpt {
namespace {

// AUTOINCREMENT: a sequence number is never reused, even after the newest batch was removed.
constexpr std::string_view kSchema = R"sql(
CREATE TABLE IF NOT EXISTS spool_meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS spool_batches (
  seq      INTEGER PRIMARY KEY AUTOINCREMENT,
  sessions INTEGER NOT NULL,
  counters TEXT NOT NULL
);
)sql";

core::Result<std::string> random_instance() {
  unsigned char bytes[8];
  if (RAND_bytes(bytes, sizeof bytes) != 1) {
    return core::Error::temporary("cluster spool: no random bytes for the spool instance");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

}  // namespace

std::string batch_id(std::string_view node, std::string_view instance, std::int64_t seq) {
  return std::string(node) + "/" + std::string(instance) + "/" + std::to_string(seq);
}

core::Result<std::unique_ptr<ClusterSpool>> ClusterSpool::open(const std::filesystem::path& path,
                                                               std::string node_name) {
  auto conn = db::SqliteConnection::open(path, db::SqliteOptions::durable());
  if (!conn) return conn.error();
  if (auto st = conn->exec(kSchema); !st) return st.error();
  auto fresh = random_instance();
  if (!fresh) return fresh.error();
  // The first open keeps its instance; later ones read it back.
  if (auto st = db::run_once(*conn,
                             "INSERT INTO spool_meta (key, value) VALUES ('instance', ?1) "
                             "ON CONFLICT (key) DO NOTHING",
                             *fresh);
      !st) {
    return st.error();
  }
  auto row = db::first_row(*conn, "SELECT value FROM spool_meta WHERE key = 'instance'");
  if (!row) return row.error();
  if (!*row) return core::Error::permanent(path.string() + ": the spool instance is missing");
  std::string instance = (*row)->column_text(0);
  return std::unique_ptr<ClusterSpool>(
      new ClusterSpool(std::move(*conn), std::move(node_name), std::move(instance)));
}

core::Status ClusterSpool::append(const Counters& counters, std::uint64_t sessions) {
  std::lock_guard lock(mutex_);
  return db::run_once(conn_, "INSERT INTO spool_batches (sessions, counters) VALUES (?1, ?2)",
                      static_cast<std::int64_t>(sessions), encode_counters(counters));
}

core::Result<std::vector<SpooledBatch>> ClusterSpool::oldest(std::size_t limit) {
  std::lock_guard lock(mutex_);
  std::vector<SpooledBatch> out;
  const auto done = db::for_each_row(
      conn_, "SELECT seq, sessions, counters FROM spool_batches ORDER BY seq LIMIT ?1",
      [&](const db::SqliteStatement& q) -> core::Status {
        auto counters = decode_counters(q.column_text(2));
        if (!counters) {
          // A row we wrote ourselves that no longer decodes: the file is damaged; stop rather
          // than skip it, so that nothing is lost silently.
          return core::Error::permanent(conn_.path().string() + ": batch " +
                                        std::to_string(q.column_int(0)) + ": " +
                                        counters.error().message);
        }
        const std::int64_t seq = q.column_int(0);
        out.push_back(SpooledBatch{seq, batch_id(node_, instance_, seq),
                                   static_cast<std::uint64_t>(q.column_int(1)),
                                   std::move(*counters)});
        return core::Ok{};
      },
      static_cast<std::int64_t>(limit));
  if (!done) return done.error();
  return out;
}

core::Status ClusterSpool::remove(std::int64_t seq) {
  std::lock_guard lock(mutex_);
  return db::run_once(conn_, "DELETE FROM spool_batches WHERE seq = ?1", seq);
}

core::Result<std::int64_t> ClusterSpool::pending() {
  std::lock_guard lock(mutex_);
  return conn_.query_int("SELECT count(*) FROM spool_batches");
}

}  // namespace stsrelay::tlsrpt
