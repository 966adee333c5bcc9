// The SQL of the queue, one function per statement group, shared by the Store's writer and
// readers and by the CLI's Reader. Functions that write expect the caller to hold a transaction
// (the writer's group transaction, or one the Reader opens); none of them opens its own.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "queue/store.hpp"
#include "src/core/envelope.hpp"
#include "src/core/message_content.hpp"
#include "src/core/result.hpp"
#include "src/db/sqlite_statement_cache.hpp"

namespace stsrelay::queue {

// One stored message row, without content and recipients.
struct MessageRow {
  std::int64_t seq = 0;
  std::string id;
  core::Envelope envelope;  // recipients empty
  std::int64_t received_at = 0;
  std::int64_t size = 0;
};

// Inserts a message and its recipients (all `queued`, due at received_at). Returns its seq.
core::Result<std::int64_t> insert_message(db::SqliteStatementCache& sql, std::string_view id,
                                          const core::Envelope& envelope, std::string_view content,
                                          std::int64_t received_at);
// The same for a message whose body may be in a spool file: that one is copied into the row in
// chunks (the content column is made as a zero blob of the right size, then filled through
// incremental blob I/O), inside the caller's transaction, so it commits whole or not at all.
core::Result<std::int64_t> insert_message(db::SqliteStatementCache& sql, std::string_view id,
                                          const core::Envelope& envelope,
                                          const core::MessageContent& content,
                                          std::int64_t received_at);

// Writes one delivery result if the recipient is still pending. Returns the seq of its message,
// or nothing when no pending recipient had that id (deleted, or final already).
core::Result<std::optional<std::int64_t>> record_result(db::SqliteStatementCache& sql,
                                                        const RecipientResult& result,
                                                        std::int64_t now);

// The message with this queue id; not_found when absent.
core::Result<MessageRow> load_message_row(db::SqliteStatementCache& sql, std::string_view id);
core::Result<MessageRow> load_message_row(db::SqliteStatementCache& sql, std::int64_t seq);

// The message's recipients in envelope order.
core::Result<std::vector<RecipientRecord>> load_recipients(db::SqliteStatementCache& sql,
                                                           std::int64_t seq);

// Every message (arrival order) with its recipients.
core::Result<std::vector<MessageRecord>> load_all_messages(db::SqliteStatementCache& sql);

core::Result<std::string> load_content(db::SqliteStatementCache& sql, std::int64_t seq);
// The first bytes of the content up to and including the empty line after the header section,
// read in chunks, at most `limit` octets: what `queue show` and a bounce of a large message need.
core::Result<std::string> load_header_section(db::SqliteStatementCache& sql, std::int64_t seq,
                                              std::size_t limit);
core::Result<std::string> load_content(db::SqliteStatementCache& sql, std::string_view id);

// Deletes the message with this id and its recipients; false when there was none.
core::Result<bool> delete_message(db::SqliteStatementCache& sql, std::string_view id);

// Makes pending recipients due at `now` (those of one message, or all); returns how many.
core::Result<std::int64_t> make_due(db::SqliteStatementCache& sql, std::optional<std::int64_t> seq,
                                    std::int64_t now);

// Deletes messages with no pending recipient: at once when none of their recipients is
// `dry-run`, otherwise once every dry-run recipient changed before `dry_run_cutoff`. `seqs` limits
// the sweep to those messages (empty optional: every message). Returns how many were deleted.
core::Result<std::int64_t> purge_finished(db::SqliteStatementCache& sql,
                                          const std::optional<std::vector<std::int64_t>>& seqs,
                                          std::int64_t dry_run_cutoff);

// The domain part of an address, lower-cased (ASCII), without the '@'; "" without a domain.
std::string recipient_domain(std::string_view address);

}  // namespace stsrelay::queue
