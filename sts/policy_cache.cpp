#include "sts/policy_cache.hpp"

#include "src/db/sqlite_run.hpp"
#include "src/db/sqlite_statement.hpp"
#include "src/db/sqlite_transaction.hpp"
#include "src/core/ascii.hpp"
#include "sts/policy_parser.hpp"

namespace stsrelay::sts {
namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS policies (
  domain     TEXT PRIMARY KEY,
  id         TEXT NOT NULL,
  policy     TEXT NOT NULL,
  fetched_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS fetch_failures (
  domain    TEXT PRIMARY KEY,
  id        TEXT NOT NULL,
  failed_at INTEGER NOT NULL,
  reason    TEXT NOT NULL
);
PRAGMA user_version = 1;
)sql";


}  // namespace

core::Result<std::unique_ptr<PolicyCache>> PolicyCache::open(const std::string& path) {
  // The busy timeout of durable(): readers such as the CLI hold their own connections.
  auto options = db::SqliteOptions::durable();
  // The daemon's resolvers share this one connection; the mutex below orders them anyway.
  options.serialized = true;
  auto conn = db::SqliteConnection::open(path, options);
  if (!conn) return conn.error();
  auto schema = conn->exec(kSchema);
  if (!schema) return schema.error();
  return std::unique_ptr<PolicyCache>(new PolicyCache(std::move(*conn)));
}

PolicyCache::PolicyCache(db::SqliteConnection conn) : conn_(std::move(conn)) {}

PolicyCache::~PolicyCache() = default;

core::Result<CacheState> PolicyCache::load(std::string_view domain) {
  std::lock_guard lock(mutex_);
  const std::string key = core::to_lower_ascii(domain);
  CacheState state;
  auto cached = db::first_row(
      conn_, "SELECT id, policy, fetched_at, expires_at FROM policies WHERE domain = ?1", key);
  if (!cached) return cached.error();
  if (const auto& q = *cached) {
    auto policy = parse_policy(q->column_text(1));
    if (!policy) {
      return core::Error::invalid("sts.db: stored policy of " + key +
                                  " no longer parses: " + policy.error().message);
    }
    state.cached =
        CachedPolicy{std::move(*policy), q->column_text(0), core::from_unix(q->column_int(2)),
                     core::from_unix(q->column_int(3))};
  }
  auto failure =
      db::first_row(conn_, "SELECT id, failed_at FROM fetch_failures WHERE domain = ?1", key);
  if (!failure) return failure.error();
  if (const auto& f = *failure) {
    state.last_failure = FetchFailure{f->column_text(0), core::from_unix(f->column_int(1))};
  }
  return state;
}

core::Status PolicyCache::store_policy(std::string_view domain, std::string_view id,
                                       std::string_view text, core::SysTime fetched_at) {
  auto policy = parse_policy(text);
  if (!policy) return policy.error();
  std::lock_guard lock(mutex_);
  const std::string key = core::to_lower_ascii(domain);
  const std::int64_t fetched = core::to_unix(fetched_at);
  auto up = db::SqliteStatement::prepare(
      conn_,
      "INSERT INTO policies (domain, id, policy, fetched_at, expires_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(domain) DO UPDATE SET "
      "id = excluded.id, policy = excluded.policy, "
      "fetched_at = excluded.fetched_at, expires_at = excluded.expires_at");
  if (!up) return up.error();
  auto clear = db::SqliteStatement::prepare(
      conn_, "DELETE FROM fetch_failures WHERE domain = ?1 AND id = ?2");
  if (!clear) return clear.error();
  // The policy and the failure it supersedes change together or not at all.
  auto txn = db::SqliteTransaction::begin(conn_);
  if (!txn) return txn.error();
  up->bind(1, key).bind(2, id).bind(3, text).bind(4, fetched).bind(5, fetched + policy->max_age);
  if (auto done = up->run(); !done) return done;
  clear->bind(1, key).bind(2, id);
  if (auto done = clear->run(); !done) return done;
  return txn->commit();
}

core::Status PolicyCache::store_failure(std::string_view domain, std::string_view id,
                                        core::SysTime at, std::string_view reason) {
  std::lock_guard lock(mutex_);
  return db::run_once(
      conn_,
      "INSERT INTO fetch_failures (domain, id, failed_at, reason) VALUES (?1, ?2, ?3, ?4) "
      "ON CONFLICT(domain) DO UPDATE SET id = excluded.id, "
      "failed_at = excluded.failed_at, reason = excluded.reason",
      core::to_lower_ascii(domain), id, core::to_unix(at), reason);
}

core::Result<std::string> PolicyCache::load_text(std::string_view domain) {
  std::lock_guard lock(mutex_);
  const std::string key = core::to_lower_ascii(domain);
  auto row = db::first_row(conn_, "SELECT policy FROM policies WHERE domain = ?1", key);
  if (!row) return row.error();
  if (*row) return (*row)->column_text(0);
  return core::Error::not_found("no cached policy for " + key);
}

core::Result<std::vector<CacheListEntry>> PolicyCache::list() {
  std::lock_guard lock(mutex_);
  std::vector<CacheListEntry> out;
  const auto done = db::for_each_row(
      conn_, "SELECT domain, id, policy, fetched_at, expires_at FROM policies ORDER BY domain",
      [&out](const db::SqliteStatement& q) -> core::Status {
        auto policy = parse_policy(q.column_text(2));
        if (!policy) {
          return core::Error::invalid("sts.db: stored policy of " + q.column_text(0) +
                                      " no longer parses: " + policy.error().message);
        }
        out.push_back(CacheListEntry{q.column_text(0), q.column_text(1), policy->mode,
                                     core::from_unix(q.column_int(3)),
                                     core::from_unix(q.column_int(4))});
        return core::Ok{};
      });
  if (!done) return done.error();
  return out;
}

core::Result<std::optional<FailureRecord>> PolicyCache::load_failure(std::string_view domain) {
  std::lock_guard lock(mutex_);
  auto row = db::first_row(conn_,
                           "SELECT id, failed_at, reason FROM fetch_failures WHERE domain = ?1",
                           core::to_lower_ascii(domain));
  if (!row) return row.error();
  if (!*row) return std::optional<FailureRecord>();
  const db::SqliteStatement& q = **row;
  return std::optional<FailureRecord>(
      FailureRecord{q.column_text(0), core::from_unix(q.column_int(1)), q.column_text(2)});
}

core::Status PolicyCache::remove(std::string_view domain) {
  std::lock_guard lock(mutex_);
  const std::string key = core::to_lower_ascii(domain);
  for (const char* sql : {"DELETE FROM policies WHERE domain = ?1",
                          "DELETE FROM fetch_failures WHERE domain = ?1"}) {
    if (auto done = db::run_once(conn_, sql, key); !done) return done;
  }
  return core::Ok{};
}

}  // namespace stsrelay::sts
