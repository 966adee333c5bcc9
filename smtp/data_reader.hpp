// Incremental reader of the DATA section (RFC 5321 §4.1.1.4, §4.5.2), bytes in, one message out.
//
// - The data ends only at CRLF "." CRLF, where the first CRLF is a real one (or the CRLF of the
//   DATA command itself, so "\r\n.\r\n" right away is an empty-line message and ".\r\n" an
//   empty one).
// - Dot-unstuffing: a line starting with "." loses that first "." (§4.5.2).
// - SMTP smuggling defence: a bare LF or a bare CR anywhere (including "\n.\n", "\r.\r",
//   "\n.\r\n", "\r\n.\n", "\r\n.\r" followed by anything but LF) marks the whole message
//   as refused. Such sequences never end the data: the reader keeps consuming until the real
//   CRLF.CRLF (or the connection closes), so whatever was smuggled behind them is swallowed
//   as part of the refused message and never runs as commands.
// - Messages larger than the size limit are refused after the end of data; counting goes on,
//   storing stops, so memory stays bounded by the size limit.
// - Lines of any length are taken (within the size limit): applications send HTML on one line,
//   and refusing it loses their mail. RFC 5321 §4.5.3.1.6's 1000 octets bind what the relay
//   sends; smtp/long_lines.hpp makes the message fit before it is stored.
// - The output can be taken in pieces while reading goes on (take_output()), so that a large
//   message goes to a spool file instead of growing one buffer; the pieces joined are exactly
//   what take_message() would have returned. The reader also notes whether any line is longer
//   than RFC 5322's 998 octets, so a spooled message needs no second look to know whether the
//   long-line fixup has work to do.
// Which error wins when both happen: bare CR/LF, then size.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace stsrelay::smtp {

enum class DataError {
  none,
  bare_cr_lf,     // 554 5.6.0 Message contains bare CR or LF
  too_big,        // 552 5.3.4 Message size exceeds fixed maximum message size
};

enum class DataStatus { need_more, complete, rejected };

struct DataFeed {
  DataStatus status = DataStatus::need_more;
  std::size_t consumed = 0;  // octets of the input used; the rest belongs to the next command
};

class DataReader {
 public:
  explicit DataReader(std::uint64_t max_size);

  DataFeed feed(std::string_view bytes);

  DataError error() const;
  // Octets of the message after unstuffing, including those not stored past the limit.
  std::uint64_t size() const { return size_; }
  // The message (every line ending CRLF); empty after an error.
  std::string take_message() { return std::move(message_); }
  // The output produced since the last take, for a caller that moves it elsewhere as it comes;
  // take_message() then returns only what came after.
  std::string take_output() { return std::exchange(message_, std::string()); }
  std::size_t buffered() const { return message_.size(); }
  // Some line of the message (without its CRLF) is longer than 998 octets.
  bool has_long_line() const { return long_line_; }

 private:
  enum class State { line_start, dot, dot_cr, in_line, cr };
  void emit(std::string_view s);
  void emit(char c) { emit(std::string_view(&c, 1)); }
  void bare();

  std::uint64_t max_size_;
  State state_ = State::line_start;
  std::uint64_t size_ = 0;
  bool bare_ = false;
  bool too_big_ = false;
  bool finished_ = false;
  std::string message_;
  std::uint64_t line_length_ = 0;  // octets of the current line so far
  bool long_line_ = false;
};

}  // namespace stsrelay::smtp
