// One SQLite connection as an RAII value, opened with the pragmas its store asks for (WAL,
// synchronous=FULL, a busy timeout, ...). Errors are core::Error values from sqlite_error(), so
// a full disk is ErrorKind::no_space and a damaged file is permanent and logged, whichever store
// it happens to. Extended result codes are on. Statements: sqlite_statement.hpp; transactions:
// sqlite_transaction.hpp.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string_view>

#include "src/core/result.hpp"

struct sqlite3;

namespace stsrelay::db {

enum class SqliteJournal {
  unchanged,     // whatever the file has (a new file: rollback journal)
  wal,           // ask for WAL; a file system that cannot do it keeps its journal
  wal_required,  // ask for WAL and refuse to open (permanent) when SQLite does not switch
};

// What open() sets up, in this order: busy timeout, page size, journal mode, synchronous,
// foreign keys, journal size limit, page quota. An empty field leaves SQLite's default.
struct SqliteOptions {
  bool create = true;  // create the file when missing
  // SQLITE_OPEN_FULLMUTEX, for a connection that several threads may call at once; otherwise
  // SQLITE_OPEN_NOMUTEX, and the owner guarantees one thread at a time.
  bool serialized = false;
  // How long a statement waits for a lock held by another connection before SQLITE_BUSY.
  std::optional<std::chrono::milliseconds> busy_timeout;
  // PRAGMA page_size: takes effect only while the file is still empty, so before the journal.
  std::optional<int> page_size;
  SqliteJournal journal = SqliteJournal::unchanged;
  // synchronous=FULL: in WAL mode the log is fsynced at every commit, so a committed
  // transaction survives a power cut, not only a crash of the process.
  bool synchronous_full = false;
  bool foreign_keys = false;
  std::optional<std::int64_t> journal_size_limit;  // bytes the -wal file keeps after a checkpoint
  std::optional<std::int64_t> max_page_count;      // a size quota; past it writes get SQLITE_FULL

  // WAL, synchronous=FULL and a 5 s busy timeout: what every state_dir database uses.
  static SqliteOptions durable();
  // A file that must exist already, opened as it is, with no pragmas (inspection, tests).
  static SqliteOptions existing_file();
};

class SqliteConnection {
 public:
  static core::Result<SqliteConnection> open(const std::filesystem::path& path,
                                             const SqliteOptions& options);

  SqliteConnection() = default;
  SqliteConnection(SqliteConnection&& other) noexcept;
  SqliteConnection& operator=(SqliteConnection&& other) noexcept;
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;
  ~SqliteConnection();

  // Runs SQL without results (may hold several statements).
  core::Status exec(std::string_view sql);
  // Runs a statement returning one integer (e.g. "PRAGMA user_version"); not_found without a row.
  core::Result<std::int64_t> query_int(std::string_view sql);

  std::int64_t changes() const;
  std::int64_t last_insert_rowid() const;
  bool in_transaction() const;
  sqlite3* handle() const { return db_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  core::Status configure(const SqliteOptions& options);
  core::Status set_journal(SqliteJournal journal);

  sqlite3* db_ = nullptr;
  std::filesystem::path path_;
};

}  // namespace stsrelay::db
