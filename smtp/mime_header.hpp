// The header block of a message or MIME part (RFC 5322 §2.2, §3.6.8; RFC 2045 §5, §6), and the
// two fields that decide how its body is encoded: Content-Type and Content-Transfer-Encoding.
// Pure; tolerant of what clients send, never throwing, never reading out of range.
//
// Where the header ends. It ends at the first empty line (RFC 5322 §2.1). Without one, it ends
// at the first line that is neither a field ("name:", the name printable ASCII without a colon,
// RFC 5322 §3.6.8, optionally followed by WSP as in obs-optional §4.5) nor a continuation line
// (WSP first, after a field); that line and the rest are the body, and `has_separator` is false.
// This is how Python's email parser and Postfix's cleanup read such mail. A block that starts
// with a continuation line therefore has no fields and is all body. A text with only field
// lines and no empty line is all header, with an empty body.
//
// Content-Type (RFC 2045 §5.1): type and subtype lower-cased; parameters as `name=token` or
// `name="quoted string"`, names lower-cased, quoted-pairs resolved, the first of a repeated name
// kept; RFC 822 comments and folding allowed wherever whitespace is. Deliberate leniency: an
// unquoted value runs to the next ';', whitespace or comment and may hold tspecials (boundaries
// such as ----=_Part_1 are often sent unquoted). RFC 2231 continuations (name*0=) are not
// joined: such a parameter is kept under its written name.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace stsrelay::smtp {

// One header field as written.
struct HeaderField {
  std::string_view name;  // as written, without the colon and any WSP before it
  std::string_view raw;   // "Name: value" with its continuation lines, each with its CRLF
  std::size_t offset = 0; // of `raw`, counted from `base` (see parse_header)

  // What follows the colon, folding included, without the field's final CRLF.
  std::string_view value() const;
};

struct HeaderBlock {
  std::vector<HeaderField> fields;  // in order
  std::size_t header_end = 0;       // after the last field line: where new fields go
  std::size_t body_begin = 0;       // after the empty line; == header_end without one
  bool has_separator = false;       // an empty line ended the header
};

// Splits `entity` (a message or a part) into fields and body; offsets are `base` plus the
// position in `entity`, so that a part's offsets can be counted from the start of the message.
HeaderBlock parse_header(std::string_view entity, std::size_t base = 0);

// The first field named `name` (ASCII case-insensitive), or nullptr.
const HeaderField* find_field(const std::vector<HeaderField>& fields, std::string_view name);

struct ContentType {
  std::string type;     // "text", "multipart", ... (lower case)
  std::string subtype;  // "plain", "mixed", ... (lower case)
  std::vector<std::pair<std::string, std::string>> parameters;  // (lower-case name, value)

  // The value of parameter `name` (lower case), or "" when absent.
  std::string_view parameter(std::string_view name) const;
};

// nullopt when the value has no "type/subtype" (RFC 2045 §5.2 then reads text/plain).
std::optional<ContentType> parse_content_type(std::string_view value);

// RFC 2045 §6.1 mechanisms; `absent` when the field is missing (§6.1: 7bit), `other` for
// x-tokens and anything unknown or empty.
enum class TransferEncoding {
  absent,
  seven_bit,
  eight_bit,
  binary,
  quoted_printable,
  base64,
  other,
};

TransferEncoding parse_transfer_encoding(std::string_view value);

// "7bit", "quoted-printable", ...; "" for absent, "other" for other.
std::string_view to_string(TransferEncoding encoding);

}  // namespace stsrelay::smtp
