#include "queue/queue_sql.hpp"

#include <algorithm>
#include <map>
#include <utility>

#include "src/core/ascii.hpp"
#include "src/db/sqlite_blob.hpp"

namespace stsrelay::queue {
namespace {

constexpr std::string_view kInsertMessage =
    "INSERT INTO messages (id, sender, envid, ret, body, smtputf8, client_address, client_helo, "
    "auth_user, tls, received_at, size, content, tls_optional, requiretls) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)";

// Chunks in which a spooled body is copied into its row: large enough for few calls, small
// enough that the writer thread's buffer does not matter.
constexpr std::size_t kCopyBlock = 256 * 1024;

constexpr std::string_view kInsertRecipient =
    "INSERT INTO recipients (message_seq, position, address, domain, notify, orcpt, state, "
    "attempts, next_attempt_at, last_reply, updated_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'queued', 0, ?7, '', ?7)";

// The columns of a message row are in the order read_message_row expects, those of a recipient
// in the order read_recipient expects.
constexpr std::string_view kMessageById =
    "SELECT seq, id, sender, envid, ret, body, smtputf8, client_address, client_helo, "
    "auth_user, tls, received_at, size, tls_optional, requiretls FROM messages WHERE id = ?1";
constexpr std::string_view kMessageBySeq =
    "SELECT seq, id, sender, envid, ret, body, smtputf8, client_address, client_helo, "
    "auth_user, tls, received_at, size, tls_optional, requiretls FROM messages WHERE seq = ?1";
constexpr std::string_view kAllMessages =
    "SELECT seq, id, sender, envid, ret, body, smtputf8, client_address, client_helo, "
    "auth_user, tls, received_at, size, tls_optional, requiretls FROM messages ORDER BY seq";
constexpr std::string_view kRecipientsOf =
    "SELECT id, address, state, attempts, next_attempt_at, last_reply, notify, orcpt, "
    "updated_at FROM recipients WHERE message_seq = ?1 ORDER BY position";
constexpr std::string_view kAllRecipients =
    "SELECT id, address, state, attempts, next_attempt_at, last_reply, notify, orcpt, "
    "updated_at, message_seq FROM recipients ORDER BY message_seq, position";

MessageRow read_message_row(const db::SqliteStatement& stmt) {
  MessageRow row;
  row.seq = stmt.column_int(0);
  row.id = stmt.column_text(1);
  row.envelope.sender = stmt.column_text(2);
  row.envelope.envid = stmt.column_text(3);
  row.envelope.ret = static_cast<core::DsnRet>(stmt.column_int(4));
  row.envelope.body = static_cast<core::BodyType>(stmt.column_int(5));
  row.envelope.smtputf8 = stmt.column_int(6) != 0;
  row.envelope.client_address = stmt.column_text(7);
  row.envelope.client_helo = stmt.column_text(8);
  row.envelope.auth_user = stmt.column_text(9);
  row.envelope.tls = stmt.column_text(10);
  row.received_at = stmt.column_int(11);
  row.size = stmt.column_int(12);
  row.envelope.tls_optional = stmt.column_int(13) != 0;
  row.envelope.require_tls = stmt.column_int(14) != 0;
  return row;
}

core::Result<RecipientRecord> read_recipient(const db::SqliteStatement& stmt) {
  RecipientRecord r;
  r.id = stmt.column_int(0);
  r.address = stmt.column_text(1);
  const std::string state = stmt.column_text(2);
  auto parsed = parse_recipient_state(state);
  // The CHECK constraint keeps other words out; a file edited by hand could still hold one.
  if (!parsed) {
    return core::Error::permanent("recipient " + std::to_string(r.id) + ": unknown state '" +
                                  state + "'");
  }
  r.state = *parsed;
  r.attempts = static_cast<int>(stmt.column_int(3));
  r.next_attempt_at = stmt.column_int(4);
  r.last_reply = stmt.column_text(5);
  r.notify = static_cast<std::uint8_t>(stmt.column_int(6));
  r.orcpt = stmt.column_text(7);
  r.updated_at = stmt.column_int(8);
  return r;
}

// The one row `query` finds for `key`, read by `read`; not_found names the message as `what`.
template <class Key, class Read>
auto load_one(db::SqliteStatementCache& sql, std::string_view query, Key key,
              std::string_view what, Read read)
    -> core::Result<decltype(read(std::declval<db::SqliteStatement&>()))> {
  auto stmt = sql.get(query);
  if (!stmt) return stmt.error();
  (*stmt)->bind(1, key);
  auto row = (*stmt)->step();
  if (!row) return row.error();
  if (!*row) return core::Error::not_found("no message " + std::string(what) + " in the queue");
  auto result = read(**stmt);
  (*stmt)->reset();  // ends the statement's read snapshot now rather than at its next use
  return result;
}

template <class Key>
core::Result<MessageRow> load_row(db::SqliteStatementCache& sql, std::string_view query, Key key,
                                  std::string_view what) {
  return load_one(sql, query, key, what,
                  [](const db::SqliteStatement& stmt) { return read_message_row(stmt); });
}

}  // namespace

namespace {

// The message row, with the content bound by `bind_content` (column 13), then its recipients.
template <class BindContent>
core::Result<std::int64_t> insert_rows(db::SqliteStatementCache& sql, std::string_view query,
                                       std::string_view id, const core::Envelope& e,
                                       std::uint64_t size, std::int64_t received_at,
                                       BindContent bind_content) {
  auto message = sql.get(query);
  if (!message) return message.error();
  (*message)
      ->bind(1, id)
      .bind(2, e.sender)
      .bind(3, e.envid)
      .bind(4, static_cast<std::int64_t>(e.ret))
      .bind(5, static_cast<std::int64_t>(e.body))
      .bind(6, std::int64_t{e.smtputf8 ? 1 : 0})
      .bind(7, e.client_address)
      .bind(8, e.client_helo)
      .bind(9, e.auth_user)
      .bind(10, e.tls)
      .bind(11, received_at)
      .bind(12, static_cast<std::int64_t>(size))
      .bind(14, std::int64_t{e.tls_optional ? 1 : 0})
      .bind(15, std::int64_t{e.require_tls ? 1 : 0});
  bind_content(**message);
  auto inserted = (*message)->run();
  (*message)->reset();
  if (!inserted) return inserted.error();
  const std::int64_t seq = sql.db().last_insert_rowid();

  auto recipient = sql.get(kInsertRecipient);
  if (!recipient) return recipient.error();
  std::int64_t position = 0;
  for (const auto& r : e.recipients) {
    (*recipient)->reset();
    (*recipient)
        ->bind(1, seq)
        .bind(2, position++)
        .bind(3, r.address)
        .bind(4, recipient_domain(r.address))
        .bind(5, std::int64_t{r.notify})
        .bind(6, r.orcpt)
        .bind(7, received_at);
    auto added = (*recipient)->run();
    if (!added) return added.error();
  }
  return seq;
}

// Fills the zero blob of row `seq` with the head and then the spool file, chunk by chunk.
core::Status copy_content(db::SqliteConnection& conn, std::int64_t seq,
                          const core::MessageContent& content) {
  auto blob = db::SqliteBlob::open(conn, "messages", "content", seq, true);
  if (!blob) return blob.error();
  if (auto head = blob->write(0, content.head); !head) return head;
  std::string buffer(kCopyBlock, '\0');
  const std::uint64_t base = content.head.size();
  for (std::uint64_t pos = 0; pos < content.body.size();) {
    auto n = content.body.read_at(pos, buffer.data(), buffer.size());
    if (!n) return n.error();
    if (*n == 0) return core::Error::temporary("the spool file ended early");
    if (auto wrote = blob->write(base + pos, std::string_view(buffer.data(), *n)); !wrote) {
      return wrote;
    }
    pos += *n;
  }
  return core::Ok{};
}

}  // namespace

core::Result<std::int64_t> insert_message(db::SqliteStatementCache& sql, std::string_view id,
                                          const core::Envelope& envelope, std::string_view content,
                                          std::int64_t received_at) {
  return insert_rows(sql, kInsertMessage, id, envelope, content.size(), received_at,
                     [&](db::SqliteStatement& stmt) {
                       // The content is not copied into SQLite first (a large message would be
                       // held twice); the statement is reset before `content` can go away.
                       stmt.bind_blob_unowned(13, content);
                     });
}

core::Result<std::int64_t> insert_message(db::SqliteStatementCache& sql, std::string_view id,
                                          const core::Envelope& envelope,
                                          const core::MessageContent& content,
                                          std::int64_t received_at) {
  if (!content.spooled()) return insert_message(sql, id, envelope, content.head, received_at);
  auto seq = insert_rows(sql, kInsertMessage, id, envelope, content.size(), received_at,
                         [&](db::SqliteStatement& stmt) { stmt.bind_zeroblob(13, content.size()); });
  if (!seq) return seq;
  auto copied = copy_content(sql.db(), *seq, content);
  if (!copied) return copied.error();
  return seq;
}

core::Result<MessageRow> load_message_row(db::SqliteStatementCache& sql, std::string_view id) {
  return load_row(sql, kMessageById, id, id);
}

core::Result<MessageRow> load_message_row(db::SqliteStatementCache& sql, std::int64_t seq) {
  return load_row(sql, kMessageBySeq, seq, "#" + std::to_string(seq));
}

namespace {

// Steps `stmt` to its end, handing each row's recipient and the statement to `take`; a row
// that does not read stops the scan and leaves the statement reset for its next use.
template <class Take>
core::Status scan_recipients(db::SqliteStatement& stmt, Take take) {
  for (;;) {
    auto row = stmt.step();
    if (!row) return row.error();
    if (!*row) return core::Ok{};
    auto r = read_recipient(stmt);
    if (!r) {
      stmt.reset();
      return r.error();
    }
    take(std::move(*r), stmt);
  }
}

}  // namespace

core::Result<std::vector<RecipientRecord>> load_recipients(db::SqliteStatementCache& sql,
                                                           std::int64_t seq) {
  auto stmt = sql.get(kRecipientsOf);
  if (!stmt) return stmt.error();
  (*stmt)->bind(1, seq);
  std::vector<RecipientRecord> recipients;
  auto scanned = scan_recipients(**stmt, [&](RecipientRecord r, const db::SqliteStatement&) {
    recipients.push_back(std::move(r));
  });
  if (!scanned) return scanned.error();
  return recipients;
}

core::Result<std::vector<MessageRecord>> load_all_messages(db::SqliteStatementCache& sql) {
  // Two ordered scans merged by seq, rather than one query per message: `queue list` on a
  // large queue stays two statements.
  std::vector<MessageRecord> messages;
  std::map<std::int64_t, std::size_t> index_of_seq;
  {
    auto stmt = sql.get(kAllMessages);
    if (!stmt) return stmt.error();
    for (;;) {
      auto row = (*stmt)->step();
      if (!row) return row.error();
      if (!*row) break;
      MessageRow m = read_message_row(**stmt);
      index_of_seq.emplace(m.seq, messages.size());
      messages.push_back(
          MessageRecord{std::move(m.id), std::move(m.envelope.sender), m.received_at, m.size, {}});
    }
  }
  auto stmt = sql.get(kAllRecipients);
  if (!stmt) return stmt.error();
  auto scanned = scan_recipients(**stmt, [&](RecipientRecord r, const db::SqliteStatement& row) {
    // A message committed between the two scans has recipients but no entry: left out, as
    // if the listing had been taken a moment earlier.
    auto found = index_of_seq.find(row.column_int(9));
    if (found != index_of_seq.end()) messages[found->second].recipients.push_back(std::move(r));
  });
  if (!scanned) return scanned.error();
  return messages;
}

template <class Key>
core::Result<std::string> load_content_where(db::SqliteStatementCache& sql, std::string_view query,
                                             Key key, std::string_view what) {
  return load_one(sql, query, key, what,
                  [](const db::SqliteStatement& stmt) { return stmt.column_text(0); });
}

core::Result<std::string> load_content(db::SqliteStatementCache& sql, std::int64_t seq) {
  return load_content_where(sql, "SELECT content FROM messages WHERE seq = ?1", seq,
                            "#" + std::to_string(seq));
}

core::Result<std::string> load_header_section(db::SqliteStatementCache& sql, std::int64_t seq,
                                              std::size_t limit) {
  auto blob = db::SqliteBlob::open(sql.db(), "messages", "content", seq, false);
  if (!blob) return blob.error();
  constexpr std::size_t kBlock = 16 * 1024;
  std::string out;
  const std::uint64_t end = std::min<std::uint64_t>(blob->size(), limit);
  while (out.size() < end) {
    const std::size_t from = out.size();
    const std::size_t n = std::min<std::uint64_t>(kBlock, end - from);
    out.resize(from + n);
    if (auto read = blob->read(from, out.data() + from, n); !read) return read.error();
    // The empty line may straddle two chunks: look again from three octets back.
    const std::size_t blank = out.find("\r\n\r\n", from < 3 ? 0 : from - 3);
    if (blank != std::string::npos) {
      out.resize(blank + 4);
      break;
    }
  }
  return out;
}

core::Result<std::string> load_content(db::SqliteStatementCache& sql, std::string_view id) {
  return load_content_where(sql, "SELECT content FROM messages WHERE id = ?1", id, id);
}

core::Result<std::optional<std::int64_t>> record_result(db::SqliteStatementCache& sql,
                                                        const RecipientResult& result,
                                                        std::int64_t now) {
  // A final state has no next attempt; the due index only holds pending rows anyway.
  const std::int64_t next = result.state == RecipientState::deferred ? result.next_attempt_at : 0;
  auto stmt = sql.get(
      "UPDATE recipients SET state = ?2, attempts = attempts + 1, next_attempt_at = ?3, "
      "last_reply = ?4, updated_at = ?5 "
      "WHERE id = ?1 AND state IN ('queued', 'deferred') RETURNING message_seq");
  if (!stmt) return stmt.error();
  (*stmt)
      ->bind(1, result.recipient_id)
      .bind(2, to_string(result.state))
      .bind(3, next)
      .bind(4, result.last_reply)
      .bind(5, now);
  auto row = (*stmt)->step();
  if (!row) return row.error();
  std::optional<std::int64_t> seq;
  if (*row) seq = (*stmt)->column_int(0);
  // Runs the statement to its end: an UPDATE ... RETURNING finishes its work only then.
  auto finished = (*stmt)->run();
  if (!finished) return finished.error();
  return seq;
}

core::Result<bool> delete_message(db::SqliteStatementCache& sql, std::string_view id) {
  auto stmt = sql.get("DELETE FROM messages WHERE id = ?1");
  if (!stmt) return stmt.error();
  (*stmt)->bind(1, id);
  auto done = (*stmt)->run();
  if (!done) return done.error();
  return sql.db().changes() > 0;
}

core::Result<std::int64_t> make_due(db::SqliteStatementCache& sql, std::optional<std::int64_t> seq,
                                    std::int64_t now) {
  // Only recipients not yet due move: one already due keeps its earlier time, so its place in
  // the due order (oldest first) is kept.
  auto stmt = sql.get(
      "UPDATE recipients SET next_attempt_at = ?1, updated_at = ?1 "
      "WHERE state IN ('queued', 'deferred') AND next_attempt_at > ?1 "
      "AND (?2 IS NULL OR message_seq = ?2)");
  if (!stmt) return stmt.error();
  (*stmt)->bind(1, now);
  if (seq) (*stmt)->bind(2, *seq);
  auto done = (*stmt)->run();
  if (!done) return done.error();
  return sql.db().changes();
}

core::Result<std::int64_t> purge_finished(db::SqliteStatementCache& sql,
                                          const std::optional<std::vector<std::int64_t>>& seqs,
                                          std::int64_t dry_run_cutoff) {
  // A message goes when no recipient is pending and, if one ended in dry-run, when the last
  // change is older than the retention. Recipients follow through ON DELETE CASCADE.
  constexpr std::string_view kPurgeOne =
      "DELETE FROM messages WHERE seq = ?1 AND NOT EXISTS ("
      "  SELECT 1 FROM recipients r WHERE r.message_seq = messages.seq"
      "  AND (r.state IN ('queued', 'deferred')"
      "       OR (r.state = 'dry-run' AND r.updated_at >= ?2)))";
  constexpr std::string_view kPurgeAll =
      "DELETE FROM messages WHERE NOT EXISTS ("
      "  SELECT 1 FROM recipients r WHERE r.message_seq = messages.seq"
      "  AND (r.state IN ('queued', 'deferred')"
      "       OR (r.state = 'dry-run' AND r.updated_at >= ?1)))";
  if (!seqs) {
    auto stmt = sql.get(kPurgeAll);
    if (!stmt) return stmt.error();
    (*stmt)->bind(1, dry_run_cutoff);
    auto done = (*stmt)->run();
    if (!done) return done.error();
    return sql.db().changes();
  }
  std::int64_t purged = 0;
  auto stmt = sql.get(kPurgeOne);
  if (!stmt) return stmt.error();
  for (std::int64_t seq : *seqs) {
    (*stmt)->reset();
    (*stmt)->bind(1, seq).bind(2, dry_run_cutoff);
    auto done = (*stmt)->run();
    if (!done) return done.error();
    purged += sql.db().changes();
  }
  return purged;
}

std::string recipient_domain(std::string_view address) {
  // The last '@': a quoted local part may hold one ("a@b"@example.com).
  const auto at = address.rfind('@');
  if (at == std::string_view::npos) return {};
  return core::to_lower_ascii(address.substr(at + 1));
}

}  // namespace stsrelay::queue
