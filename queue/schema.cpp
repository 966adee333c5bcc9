#include "queue/schema.hpp"

#include <string>

#include "src/db/sqlite_transaction.hpp"

namespace stsrelay::queue {
namespace {

// Version 4. Version 1 lacked messages.tls_optional and requiretls, version 2 requiretls; an
// older file gets the missing columns at the end of its rows (kMigrateV1ToV3, kMigrateV2ToV3).
// Version 3 lacked the index of pending recipients by domain (kMigrateV3ToV4).
//
// messages.content is the last column: SQLite reads a row's columns only up to the last one a
// query asks for, so listing messages never touches the overflow pages of large bodies.
// `seq` (the rowid) orders messages by arrival and is what recipients point at; `id` is the
// queue id users see.
//
// recipients.state holds the words `stsrelay queue list` prints, so the file is readable with
// the sqlite3 shell. There is no "in flight" state on disk: a recipient being delivered stays
// queued/deferred with its old next_attempt_at, and the lease lives in the Store's memory; so
// when the daemon dies mid-delivery, the recipient is simply due again at the next start.
constexpr const char* kSchema = R"sql(
CREATE TABLE messages (
  seq             INTEGER PRIMARY KEY,
  id              TEXT    NOT NULL UNIQUE,
  sender          TEXT    NOT NULL,
  envid           TEXT    NOT NULL,
  ret             INTEGER NOT NULL,
  body            INTEGER NOT NULL,
  smtputf8        INTEGER NOT NULL,
  client_address  TEXT    NOT NULL,
  client_helo     TEXT    NOT NULL,
  auth_user       TEXT    NOT NULL,
  tls             TEXT    NOT NULL,
  received_at     INTEGER NOT NULL,
  size            INTEGER NOT NULL,
  tls_optional    INTEGER NOT NULL DEFAULT 0,
  requiretls      INTEGER NOT NULL DEFAULT 0,
  content         BLOB    NOT NULL
);

CREATE TABLE recipients (
  id               INTEGER PRIMARY KEY,
  message_seq      INTEGER NOT NULL REFERENCES messages(seq) ON DELETE CASCADE,
  position         INTEGER NOT NULL,
  address          TEXT    NOT NULL,
  domain           TEXT    NOT NULL,
  notify           INTEGER NOT NULL,
  orcpt            TEXT    NOT NULL,
  state            TEXT    NOT NULL
                   CHECK (state IN ('queued', 'deferred', 'delivered', 'bounced', 'dry-run')),
  attempts         INTEGER NOT NULL DEFAULT 0,
  next_attempt_at  INTEGER NOT NULL,
  last_reply       TEXT    NOT NULL DEFAULT '',
  updated_at       INTEGER NOT NULL
);

CREATE INDEX recipients_by_message ON recipients(message_seq, position);

-- "What is due now, earliest first": a partial index holding only recipients still pending, so
-- its size follows the live queue, not the delivered history.
CREATE INDEX recipients_due ON recipients(next_attempt_at, message_seq)
  WHERE state IN ('queued', 'deferred');

-- The same recipients by domain, earliest first within each: lets a claim step from one
-- domain with pending mail to the next, and read the due recipients of one domain, without
-- reading the due recipients of a domain that is at its concurrency limit (queue/claim.cpp).
CREATE INDEX recipients_due_by_domain ON recipients(domain, next_attempt_at, message_seq)
  WHERE state IN ('queued', 'deferred');

PRAGMA user_version = 4;
)sql";

// SQLite appends an added column after `content`, so on a migrated file reading tls_optional
// or requiretls reaches past the body's overflow pages; files created as version 3 have them
// before content. Every message stored before the migration had neither tag: DEFAULT 0.
constexpr const char* kMigrateV1ToV3 = R"sql(
ALTER TABLE messages ADD COLUMN tls_optional INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN requiretls INTEGER NOT NULL DEFAULT 0;
PRAGMA user_version = 3;
)sql";

// Built once from the pending recipients already queued: a few seconds for a million.
constexpr const char* kMigrateV3ToV4 = R"sql(
CREATE INDEX IF NOT EXISTS recipients_due_by_domain ON recipients(domain, next_attempt_at, message_seq)
  WHERE state IN ('queued', 'deferred');
PRAGMA user_version = 4;
)sql";

// RFC 8689 REQUIRETLS: the tag a message was accepted with must outlive a restart.
constexpr const char* kMigrateV2ToV3 = R"sql(
ALTER TABLE messages ADD COLUMN requiretls INTEGER NOT NULL DEFAULT 0;
PRAGMA user_version = 3;
)sql";

// The connection set-up of the header comment, as options of the shared SQLite wrapper.
db::SqliteOptions queue_db_options(const OpenOptions& options) {
  db::SqliteOptions sqlite;
  sqlite.busy_timeout = options.busy_timeout;
  // 16 KiB pages: message bodies are blobs of kilobytes to megabytes, and larger pages mean
  // fewer overflow pages and WAL frames per message (measured with tests/bench/queue_bench).
  // Takes effect only while the file is still empty (before WAL mode is set); a no-op later.
  sqlite.page_size = 16384;
  // The durability promise of "250 OK" rests on WAL with synchronous=FULL: refuse to run without.
  sqlite.journal = db::SqliteJournal::wal_required;
  sqlite.synchronous_full = true;
  sqlite.foreign_keys = true;
  // Keeps the -wal file from staying as large as the biggest burst once checkpointed.
  sqlite.journal_size_limit = 67108864;
  sqlite.max_page_count = options.max_page_count;
  return sqlite;
}

core::Status check_version(const db::SqliteConnection& conn, std::int64_t version) {
  if (version == kSchemaVersion) return core::Ok{};
  return core::Error::permanent(conn.path().string() + ": schema version " +
                                std::to_string(version) + " is not " +
                                std::to_string(kSchemaVersion) + ", the one this stsrelay knows");
}

core::Status ensure_schema(db::SqliteConnection& conn) {
  auto version = conn.query_int("PRAGMA user_version");
  if (!version) return version.error();
  if (*version == kSchemaVersion) return core::Ok{};
  if (*version < 0 || *version > 3) return check_version(conn, *version);
  // Two processes may create or migrate the file at once (the daemon and the CLI): the write
  // lock taken by BEGIN IMMEDIATE makes one of them wait, and it then finds the schema in place.
  auto tx = db::SqliteTransaction::begin(conn);
  if (!tx) return tx.error();
  version = conn.query_int("PRAGMA user_version");
  if (!version) return version.error();
  if (*version == 0) {
    auto created = conn.exec(kSchema);
    if (!created) return created.error();
  } else if (*version >= 1 && *version <= 3) {
    if (*version < 3) {
      auto migrated = conn.exec(*version == 1 ? kMigrateV1ToV3 : kMigrateV2ToV3);
      if (!migrated) return migrated.error();
    }
    auto indexed = conn.exec(kMigrateV3ToV4);
    if (!indexed) return indexed.error();
  } else {
    return check_version(conn, *version);
  }
  return tx->commit();
}

}  // namespace

core::Result<db::SqliteConnection> open_queue_db(const std::filesystem::path& path,
                                                 const OpenOptions& options) {
  auto conn = db::SqliteConnection::open(path, queue_db_options(options));
  if (!conn) return conn.error();
  auto schema = ensure_schema(*conn);
  if (!schema) return schema.error();
  return conn;
}

}  // namespace stsrelay::queue
