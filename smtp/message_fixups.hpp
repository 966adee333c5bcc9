// What the relay changes in a message it accepts, before the message is stored (and, later,
// signed): every delivery attempt then sends the same bytes. Pure: the queue id, the time and
// the random part of a new Message-ID are parameters.
//
// - Long lines: smtp/long_lines.hpp makes every line fit RFC 5322's 998 octets.
// - Missing headers (RFC 6409 §8.2, §8.3): a `Date:` (the accept time) and a `Message-ID:`
//   (`<queue-id.random@hostname>`) are added at the end of the header block when the message
//   has none; an existing field is never changed. A header that a client's DKIM signature lists
//   in its h= tag is not added (adding it would break that signature).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "smtp/long_lines.hpp"
#include "src/core/clock.hpp"

namespace stsrelay::smtp {

struct FixupContext {
  std::string queue_id;       // the id the message is stored under
  std::string hostname;       // server.hostname: the right side of a new Message-ID
  std::string unique;         // random letters that make a new Message-ID unique
  core::SysTime accepted_at;  // a new Date: says this
  bool add_missing_headers = true;
};

struct FixupReport {
  std::vector<std::string> added_headers;  // "Date", "Message-ID"
  LongLineReport long_lines;

  bool changed() const;
  // For the accept log line: "added Date, Message-ID; long lines: 1 part re-encoded
  // quoted-printable". Empty when nothing was done or noticed.
  std::string describe() const;
};

struct FixedMessage {
  std::string message;
  FixupReport report;
};

FixedMessage apply_fixups(std::string message, const FixupContext& context);

// The header fields a message lacks of those `apply_fixups` would add, in the order it adds
// them, with their lines ("Date: ...\r\n"). Exposed for tests.
std::vector<std::pair<std::string, std::string>> missing_header_lines(
    std::string_view message, const FixupContext& context);

}  // namespace stsrelay::smtp
