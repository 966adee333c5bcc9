// Quoted-printable (RFC 2045 §6.7): the encoder the relay uses to make a part with over-long
// lines deliverable, the decoder that proves the encoding lossless, and the repair of an
// already quoted-printable body whose lines are too long. Pure.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace stsrelay::smtp {

// RFC 2045 §6.7 (5): encoded lines are at most 76 characters, CRLF excluded.
inline constexpr std::size_t kQpLineLength = 76;

enum class QpLineBreaks {
  // Text (RFC 2045 §6.7 (4)): each CRLF of the data is a hard line break.
  hard,
  // Other types, whose data has no line structure: each CRLF is encoded as =0D=0A, except a
  // final one at the very end of the data, which stays a line break so that a message body
  // still ends with CRLF. Decoding gives the same octets either way.
  encoded,
};

// Octets 33-60 and 62-126 stay as they are, as do SP and HTAB except right before a line
// break or at the end of the data (=20, =09, §6.7 (3)); everything else is =XX with upper-case
// hex (§6.7 (1)). Soft line breaks ("=" CRLF) keep each line within 76 characters and never
// split an =XX triplet; a "-" that a soft break puts at the start of a line is written =2D,
// so that no line the encoder starts can be taken for a boundary delimiter. Data without a
// final CRLF gives an encoding without one.
std::string encode_quoted_printable(std::string_view data,
                                    QpLineBreaks breaks = QpLineBreaks::hard);

// Strict decoder: hard line breaks become CRLF, soft ones vanish, WSP at the end of an encoded
// line is dropped (§6.7 (3), padding added in transport), =XX accepts either case. nullopt on
// an "=" that starts neither a triplet nor a soft line break, or on an octet that has no place
// in the encoding (a control other than HTAB, or 8-bit).
std::optional<std::string> decode_quoted_printable(std::string_view text);

// Splits each line longer than `max_line` characters with soft line breaks ("=" CRLF) into
// lines of at most `max_line`, never inside an =XX triplet (nor between an "=" and the octet
// after it, when the "=" is malformed), and "-" at the start of a new line written =2D. Shorter
// lines stay as they are. Whatever decoder read `text` reads the result the same way.
std::string soft_break_quoted_printable(std::string_view text,
                                        std::size_t max_line = kQpLineLength);

}  // namespace stsrelay::smtp
