// The queue.db schema and connection set-up. Every connection (the Store's writer and readers,
// the CLI's Reader) is opened here so that all of them run with the same pragmas:
//   journal_mode=WAL     readers never block the writer and the writer never blocks readers;
//   synchronous=FULL     in WAL mode the log is fsynced at every commit, so a committed message
//                        survives a power cut, not only a crash of the process;
//   busy_timeout         waits for a lock held by another connection instead of failing;
//   foreign_keys=ON      recipients go with their message (ON DELETE CASCADE).
//
// Versioned with PRAGMA user_version: 0 is an empty file (the schema is created), kSchemaVersion
// is current; a newer version (written by a newer stsrelay) is refused rather than misread.
#pragma once

#include <filesystem>

#include "queue/open_options.hpp"
#include "src/core/result.hpp"
#include "src/db/sqlite_connection.hpp"

namespace stsrelay::queue {

inline constexpr int kSchemaVersion = 4;

// Opens queue.db (creating the file and the schema when missing) with the pragmas above.
core::Result<db::SqliteConnection> open_queue_db(const std::filesystem::path& path,
                                                 const OpenOptions& options);

}  // namespace stsrelay::queue
