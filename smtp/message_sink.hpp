// Where the SMTP server hands an accepted message: the daemon wires this to the queue, tests to a
// fake. The server sends "250" only after `done` reported success (the message is on disk).
#pragma once

#include <functional>
#include <string>

#include "src/core/envelope.hpp"
#include "src/core/result.hpp"

namespace stsrelay::smtp {

class MessageSink {
 public:
  virtual ~MessageSink() = default;

  // A fresh id for the next message, taken before it is stored: the Received: header and, when
  // the server adds one, the Message-ID: carry it. Thread-safe.
  virtual std::string new_queue_id() = 0;

  // Stores one message under `queue_id` (from new_queue_id()). `content` is the message as it
  // will be relayed: the Received: header the server prepended, then the data after
  // dot-unstuffing and the server's fixups, every line ending CRLF.
  // `done` is called exactly once, from any thread, with the queue id or the reason it failed
  // (ErrorKind::no_space becomes 452 4.3.1, anything else 451 4.3.0).
  virtual void store(std::string queue_id, core::Envelope envelope, std::string content,
                     std::function<void(core::Result<std::string>)> done) = 0;
};

}  // namespace stsrelay::smtp
