// CRLF lines of a message, as the MIME code walks them. Pure, on raw octets. A line ends at
// CRLF; a bare CR or LF is an ordinary octet here (the DATA reader refuses them, so accepted
// mail has none). The last line may lack its CRLF: a MIME part ends before the CRLF that
// belongs to the next boundary delimiter (RFC 2046 §5.1.1).
#pragma once

#include <cstddef>
#include <string_view>

namespace stsrelay::smtp {

// RFC 5322 §2.1.1, RFC 5321 §4.5.3.1.6: at most 998 octets on a line, CRLF excluded.
inline constexpr std::size_t kMaxLineLength = 998;

struct CrlfLine {
  std::size_t begin = 0;  // the first octet of the line
  std::size_t end = 0;    // the octet after the line's text: its CR, or the end of the input
  std::size_t next = 0;   // the first octet after its CRLF (== end when it has none)
  std::size_t size() const { return end - begin; }
  bool has_crlf() const { return next != end; }
};

// The line that starts at `pos` (pos <= text.size()).
inline CrlfLine line_at(std::string_view text, std::size_t pos) {
  const std::size_t eol = text.find("\r\n", pos);
  if (eol == std::string_view::npos) return {pos, text.size(), text.size()};
  return {pos, eol, eol + 2};
}

// True when some line of `text` holds more than `limit` octets before its CRLF. One scan, no
// copy: this is the whole cost of a message whose lines are all short.
bool has_line_longer_than(std::string_view text, std::size_t limit = kMaxLineLength);

}  // namespace stsrelay::smtp
