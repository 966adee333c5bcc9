// The durable queue (SQLite `queue.db`): messages with their envelope and body, and one row per
// recipient with its delivery state. WAL mode, synchronous=FULL.
//
// Store is the daemon's handle: one writer thread owns the write connection and commits every
// enqueue that is waiting in one transaction (group commit); each caller is told only after that
// transaction committed. Reader is for the CLI and tools: its own connection, safe while the
// daemon runs.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "src/core/clock.hpp"
#include "src/core/envelope.hpp"
#include "src/core/result.hpp"

namespace stsrelay::queue {

// The states a recipient is in, as `stsrelay queue list` shows them.
enum class RecipientState { queued, deferred, delivered, bounced, dry_run };
std::string_view to_string(RecipientState state);  // "queued" ... "dry-run"
std::optional<RecipientState> parse_recipient_state(std::string_view text);

struct RecipientRecord {
  std::int64_t id = 0;
  std::string address;
  RecipientState state = RecipientState::queued;
  int attempts = 0;
  std::int64_t next_attempt_at = 0;  // unix seconds; 0 once final
  std::string last_reply;            // e.g. "451 4.7.5 mx.example.com: certificate not trusted"
  std::uint8_t notify = 0;           // core::NotifyFlag bits
  std::string orcpt;
};

struct MessageRecord {
  std::string id;  // queue id
  std::string sender;
  std::int64_t received_at = 0;  // unix seconds
  std::int64_t size = 0;         // bytes of content
  std::vector<RecipientRecord> recipients;
};

struct MessageDetail {
  MessageRecord message;
  core::Envelope envelope;  // with client data and DSN parameters
  std::string headers;      // the header section of the stored content
};

class Store {
 public:
  // Opens (creating if needed) the database at `path`, applies the schema, and makes recipients
  // that were in flight when a previous daemon died due again. Starts the writer thread.
  static core::Result<std::unique_ptr<Store>> open(const std::filesystem::path& path,
                                                    core::Clock& clock);
  virtual ~Store() = default;

  // Queues one message. `done` runs on the writer thread after the transaction holding it
  // committed (with the new queue id), or failed (ErrorKind::no_space when the disk is full).
  virtual void enqueue(core::Envelope envelope, std::string content,
                       std::function<void(core::Result<std::string>)> done) = 0;

  // Finishes what is waiting, then stops the writer thread. Called by the destructor too.
  virtual void close() = 0;
};

class Reader {
 public:
  static core::Result<std::unique_ptr<Reader>> open(const std::filesystem::path& path);
  virtual ~Reader() = default;

  virtual core::Result<std::vector<MessageRecord>> list() = 0;
  virtual core::Result<MessageDetail> show(std::string_view id) = 0;
  virtual core::Status remove(std::string_view id) = 0;   // not_found when absent
  virtual core::Status retry(std::string_view id) = 0;    // deferred/queued recipients due now
  virtual core::Result<int> flush() = 0;                  // all pending due now; count
};

}  // namespace stsrelay::queue
