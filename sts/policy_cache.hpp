// The MTA-STS policy cache on disk (`sts.db` in state_dir): per policy domain the policy text,
// its id, fetch time and expiry (fetch time + max_age), and the last failed fetch (RFC 8461
// §5.1: a policy persists across restarts, so enforcement survives them; §3.3: a failed fetch
// is remembered to rate-limit the next one). SQLite in WAL mode with synchronous=FULL.
//
// It stores and loads; it does not decide. decide_cache() (cache_decision.hpp) reads what
// load() returns. The policy is stored as the text that was fetched and parsed again on load,
// so a row can never hold a policy the parser would reject. One connection, guarded by a mutex:
// policy writes are rare (one per fetch), so they do not need the queue's group commit.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "src/core/clock.hpp"
#include "src/core/result.hpp"
#include "src/db/sqlite_connection.hpp"
#include "sts/cache_decision.hpp"

namespace stsrelay::sts {

struct CacheListEntry {
  std::string domain;
  std::string id;
  Mode mode = Mode::none;
  core::SysTime fetched_at;
  core::SysTime expires_at;
};

// The last failed fetch of a domain with its reason, for `stsrelay policy show`.
struct FailureRecord {
  std::string id;
  core::SysTime at;
  std::string reason;
};

class PolicyCache {
 public:
  // Opens (creating if needed) the database at `path`.
  static core::Result<std::unique_ptr<PolicyCache>> open(const std::string& path);
  ~PolicyCache();
  PolicyCache(const PolicyCache&) = delete;
  PolicyCache& operator=(const PolicyCache&) = delete;

  // What is cached for `domain` (both parts may be empty).
  core::Result<CacheState> load(std::string_view domain);

  // Stores a fetched policy: `text` must parse (§3.2); expiry is fetched_at + max_age. A stored
  // failure of the same id is cleared.
  core::Status store_policy(std::string_view domain, std::string_view id, std::string_view text,
                            core::SysTime fetched_at);

  // Remembers a failed fetch of `id` (§3.3), with the reason for `stsrelay policy show`.
  core::Status store_failure(std::string_view domain, std::string_view id, core::SysTime at,
                             std::string_view reason);

  // The policy text as fetched, for `stsrelay policy show` and TLS-RPT.
  core::Result<std::string> load_text(std::string_view domain);

  core::Result<std::vector<CacheListEntry>> list();

  // The last failed fetch of `domain` still remembered (a later success of the same id clears
  // it), or nullopt.
  core::Result<std::optional<FailureRecord>> load_failure(std::string_view domain);

  core::Status remove(std::string_view domain);

 private:
  explicit PolicyCache(db::SqliteConnection conn);

  std::mutex mutex_;
  db::SqliteConnection conn_;
};

}  // namespace stsrelay::sts
