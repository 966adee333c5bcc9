// Where the SMTP server hands an accepted message: the daemon wires this to the queue, tests to a
// fake. The server sends "250" only after `done` reported success (the message is on disk).
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "src/core/clock.hpp"
#include "src/core/envelope.hpp"
#include "src/core/message_content.hpp"
#include "src/core/result.hpp"

namespace stsrelay::smtp {

class MessageSink {
 public:
  virtual ~MessageSink() = default;

  // What the sink adds to a message before it is stored (the daemon: DKIM signatures), and what
  // the accept log line says about it.
  struct Additions {
    std::string header_fields;  // complete fields, CRLF-terminated, put before the message
    std::string log_fields;     // " dkim=example.org/s1", appended to the accept log line
  };

  // Where the body of a message larger than smtp::kSpoolThreshold goes while it arrives
  // (smtp/incoming_message.hpp); nothing keeps every message in memory (the default).
  virtual std::optional<std::filesystem::path> spool_directory() const { return std::nullopt; }

  // Called once per message, on the session's thread, with the message as it will be stored
  // (Received: first; the body of a large one in its spool file). The default adds nothing.
  virtual Additions prepare(const core::MessageContent& content, core::SysTime accepted_at) {
    (void)content;
    (void)accepted_at;
    return {};
  }

  // A fresh id for the next message, taken before it is stored: the Received: header and, when
  // the server adds one, the Message-ID: carry it. Thread-safe.
  virtual std::string new_queue_id() = 0;

  // Stores one message under `queue_id` (from new_queue_id()). `content` is the message as it
  // will be relayed: the Received: header the server prepended, then the data after
  // dot-unstuffing and the server's fixups, every line ending CRLF.
  // `done` is called exactly once, from any thread, with the queue id or the reason it failed
  // (ErrorKind::no_space becomes 452 4.3.1, anything else 451 4.3.0).
  virtual void store(std::string queue_id, core::Envelope envelope,
                     core::MessageContent content,
                     std::function<void(core::Result<std::string>)> done) = 0;
};

}  // namespace stsrelay::smtp
