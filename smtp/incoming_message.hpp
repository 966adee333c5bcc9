// Where the output of the DATA reader goes while a message arrives. Up to `threshold` octets it
// stays in memory, as it always did: the common message is a few kilobytes, and a file per
// message would cost it more than it saves. Past the threshold the header section (up to and
// including its empty line) stays in memory for the fixups and DKIM, and the body goes to a
// spool file that the sink opens (core::SpoolFile), chunk by chunk, so a session holds the
// header and one read buffer, whatever the size of the message.
//
// A message whose header section does not end within the threshold is spooled as it comes too
// (memory stays bounded while it arrives); its head then holds only the first part of the header,
// and header_complete() says so: the session treats it like a message with long lines (see
// server_session.cpp, the rare path that reads it back whole).
#pragma once

#include <cstddef>
#include <functional>
#include <string>

#include "src/core/message_content.hpp"
#include "src/core/result.hpp"
#include "src/core/spool_file.hpp"

namespace stsrelay::smtp {

// Messages up to this size stay in memory.
inline constexpr std::size_t kSpoolThreshold = 1024 * 1024;

class IncomingMessage {
 public:
  // `open_spool` makes the spool file when the first message passes the threshold; a failure
  // becomes the result of add() (the session answers 452 or 451 as for a failed store).
  using OpenSpool = std::function<core::Result<core::SpoolFile>()>;
  explicit IncomingMessage(OpenSpool open_spool, std::size_t threshold = kSpoolThreshold);

  // The next piece of the message (DataReader::take_output()).
  core::Status add(std::string piece);
  // The message as it stands; the object is empty afterwards.
  core::MessageContent take();

  bool spooled() const { return file_.is_open(); }
  // The head holds the whole header section (always true for a message in memory).
  bool header_complete() const { return header_complete_; }

 private:
  core::Status spill();

  OpenSpool open_spool_;
  std::size_t threshold_;
  std::string memory_;
  core::SpoolFile file_;
  bool header_complete_ = true;
};

}  // namespace stsrelay::smtp
