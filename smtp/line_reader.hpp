// Splits the bytes a client sends outside DATA into lines, with a hard bound on memory: a line
// longer than the limit is discarded up to its LF and reported as too long, never buffered
// whole. Lines end at LF; whether a CR preceded it is reported so that the session can refuse
// bare-LF command lines (RFC 5321 §2.3.8).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace stsrelay::smtp {

struct Line {
  std::string text;       // without CRLF (or LF); empty when too_long
  std::size_t octets = 0; // as received, including the line ending
  bool too_long = false;  // longer than the reader's limit; its text was dropped
  bool bare_lf = false;   // ended by LF without CR
};

class LineReader {
 public:
  // `max_line` counts the line ending. The session uses the larger AUTH limit here
  // (RFC 4954 §4: 12288 octets) and applies the 512-octet command limit itself.
  explicit LineReader(std::size_t max_line) : max_line_(max_line) {}

  void append(std::string_view bytes);
  std::optional<Line> next();
  bool has_line() const;
  // Bytes buffered after the last line taken (the start of DATA content, pipelined commands).
  std::string take_rest();
  // RFC 3207 §4.2: nothing received before the TLS handshake may be used after it.
  void clear();
  std::size_t buffered() const { return buf_.size() - pos_; }

 private:
  std::size_t max_line_;
  std::string buf_;
  std::size_t pos_ = 0;
  bool skipping_ = false;  // discarding the rest of an over-long line
};

}  // namespace stsrelay::smtp
