#include "sts/policy_cache.hpp"

#include <sqlite3.h>

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

// A prepared statement that finalizes itself.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) : db_(db) {
    rc_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr);
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  bool ok() const { return rc_ == SQLITE_OK; }
  void bind(int i, std::string_view s) {
    sqlite3_bind_text(stmt_, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
  }
  void bind(int i, std::int64_t v) { sqlite3_bind_int64(stmt_, i, v); }
  int step() { return sqlite3_step(stmt_); }
  std::string text(int col) const {
    auto p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col))) : "";
  }
  std::int64_t int64(int col) const { return sqlite3_column_int64(stmt_, col); }
  core::Error error(std::string_view what) const {
    return core::Error::temporary("sts.db: " + std::string(what) + ": " + sqlite3_errmsg(db_));
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  int rc_;
};

}  // namespace

core::Result<std::unique_ptr<PolicyCache>> PolicyCache::open(const std::string& path) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                           nullptr);
  if (rc != SQLITE_OK) {
    std::string why = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return core::Error::temporary("cannot open " + path + ": " + why);
  }
  sqlite3_busy_timeout(db, 5000);  // readers such as the CLI hold their own connections
  std::unique_ptr<PolicyCache> cache(new PolicyCache(db));
  for (const char* sql : {"PRAGMA journal_mode=WAL;", "PRAGMA synchronous=FULL;", kSchema}) {
    auto st = cache->exec(sql);
    if (!st) return core::Error::temporary(path + ": " + st.error().message);
  }
  return cache;
}

PolicyCache::PolicyCache(sqlite3* db) : db_(db) {}

PolicyCache::~PolicyCache() { sqlite3_close(db_); }

core::Status PolicyCache::exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string why = err ? err : sqlite3_errmsg(db_);
    sqlite3_free(err);
    return core::Error::temporary("sts.db: " + why);
  }
  return core::Ok{};
}

core::Result<CacheState> PolicyCache::load(std::string_view domain) {
  std::lock_guard lock(mutex_);
  const std::string key = core::to_lower_ascii(domain);
  CacheState state;
  {
    Statement q(db_, "SELECT id, policy, fetched_at, expires_at FROM policies WHERE domain = ?1");
    if (!q.ok()) return q.error("load policy");
    q.bind(1, key);
    int rc = q.step();
    if (rc == SQLITE_ROW) {
      auto policy = parse_policy(q.text(1));
      if (!policy) {
        return core::Error::invalid("sts.db: stored policy of " + key +
                                    " no longer parses: " + policy.error().message);
      }
      state.cached = CachedPolicy{std::move(*policy), q.text(0), core::from_unix(q.int64(2)),
                                  core::from_unix(q.int64(3))};
    } else if (rc != SQLITE_DONE) {
      return q.error("load policy");
    }
  }
  Statement f(db_, "SELECT id, failed_at FROM fetch_failures WHERE domain = ?1");
  if (!f.ok()) return f.error("load failure");
  f.bind(1, key);
  int rc = f.step();
  if (rc == SQLITE_ROW) {
    state.last_failure = FetchFailure{f.text(0), core::from_unix(f.int64(1))};
  } else if (rc != SQLITE_DONE) {
    return f.error("load failure");
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
  auto begin = exec("BEGIN IMMEDIATE;");
  if (!begin) return begin;
  {
    Statement up(db_,
                 "INSERT INTO policies (domain, id, policy, fetched_at, expires_at) "
                 "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(domain) DO UPDATE SET "
                 "id = excluded.id, policy = excluded.policy, "
                 "fetched_at = excluded.fetched_at, expires_at = excluded.expires_at");
    Statement clear(db_, "DELETE FROM fetch_failures WHERE domain = ?1 AND id = ?2");
    if (!up.ok() || !clear.ok()) {
      (void)exec("ROLLBACK;");
      return core::Error::temporary("sts.db: prepare store_policy: " +
                                    std::string(sqlite3_errmsg(db_)));
    }
    up.bind(1, key);
    up.bind(2, id);
    up.bind(3, text);
    up.bind(4, fetched);
    up.bind(5, fetched + policy->max_age);
    clear.bind(1, key);
    clear.bind(2, id);
    if (up.step() != SQLITE_DONE || clear.step() != SQLITE_DONE) {
      auto err = up.error("store policy of " + key);
      (void)exec("ROLLBACK;");
      return err;
    }
  }
  return exec("COMMIT;");
}

core::Status PolicyCache::store_failure(std::string_view domain, std::string_view id,
                                        core::SysTime at, std::string_view reason) {
  std::lock_guard lock(mutex_);
  Statement up(db_,
               "INSERT INTO fetch_failures (domain, id, failed_at, reason) VALUES (?1, ?2, ?3, ?4) "
               "ON CONFLICT(domain) DO UPDATE SET id = excluded.id, "
               "failed_at = excluded.failed_at, reason = excluded.reason");
  if (!up.ok()) return up.error("prepare store_failure");
  up.bind(1, core::to_lower_ascii(domain));
  up.bind(2, id);
  up.bind(3, core::to_unix(at));
  up.bind(4, reason);
  if (up.step() != SQLITE_DONE) return up.error("store failure");
  return core::Ok{};
}

core::Result<std::string> PolicyCache::load_text(std::string_view domain) {
  std::lock_guard lock(mutex_);
  Statement q(db_, "SELECT policy FROM policies WHERE domain = ?1");
  if (!q.ok()) return q.error("load text");
  q.bind(1, core::to_lower_ascii(domain));
  int rc = q.step();
  if (rc == SQLITE_ROW) return q.text(0);
  if (rc == SQLITE_DONE) {
    return core::Error::not_found("no cached policy for " + core::to_lower_ascii(domain));
  }
  return q.error("load text");
}

core::Result<std::vector<CacheListEntry>> PolicyCache::list() {
  std::lock_guard lock(mutex_);
  Statement q(db_,
              "SELECT domain, id, policy, fetched_at, expires_at FROM policies ORDER BY domain");
  if (!q.ok()) return q.error("list");
  std::vector<CacheListEntry> out;
  int rc;
  while ((rc = q.step()) == SQLITE_ROW) {
    auto policy = parse_policy(q.text(2));
    if (!policy) {
      return core::Error::invalid("sts.db: stored policy of " + q.text(0) +
                                  " no longer parses: " + policy.error().message);
    }
    out.push_back(CacheListEntry{q.text(0), q.text(1), policy->mode,
                                 core::from_unix(q.int64(3)), core::from_unix(q.int64(4))});
  }
  if (rc != SQLITE_DONE) return q.error("list");
  return out;
}

core::Result<std::optional<FailureRecord>> PolicyCache::load_failure(std::string_view domain) {
  std::lock_guard lock(mutex_);
  Statement q(db_, "SELECT id, failed_at, reason FROM fetch_failures WHERE domain = ?1");
  if (!q.ok()) return q.error("load failure");
  q.bind(1, core::to_lower_ascii(domain));
  int rc = q.step();
  if (rc == SQLITE_ROW) {
    return std::optional<FailureRecord>(
        FailureRecord{q.text(0), core::from_unix(q.int64(1)), q.text(2)});
  }
  if (rc == SQLITE_DONE) return std::optional<FailureRecord>();
  return q.error("load failure");
}

core::Status PolicyCache::remove(std::string_view domain) {
  std::lock_guard lock(mutex_);
  const std::string key = core::to_lower_ascii(domain);
  for (const char* sql : {"DELETE FROM policies WHERE domain = ?1",
                          "DELETE FROM fetch_failures WHERE domain = ?1"}) {
    Statement q(db_, sql);
    if (!q.ok()) return q.error("remove");
    q.bind(1, key);
    if (q.step() != SQLITE_DONE) return q.error("remove");
  }
  return core::Ok{};
}

}  // namespace stsrelay::sts
