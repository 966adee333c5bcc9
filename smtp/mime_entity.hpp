// The MIME structure of a message as byte ranges (RFC 2045, RFC 2046 §5): each entity's header
// fields and body; for multipart/* the preamble, the delimiter lines, each part (parsed in turn)
// and the epilogue; for message/rfc822 and message/global the encapsulated message. Pure; never
// throws and never reads out of range, whatever the input.
//
// Tolerance, and what it decides:
// - A delimiter line is "--" boundary, optional transport padding (WSP), then CRLF or the end;
//   a close delimiter is "--" boundary "--" and whatever follows on its line. Each must start a
//   line. The CRLF before a delimiter belongs to it (§5.1.1), so a part's range ends before it.
// - No closing delimiter: the last part runs to the end of the body (no epilogue).
// - A multipart without a usable boundary parameter (absent, empty, over 200 octets) or whose
//   boundary never occurs, an unknown message/* subtype, and anything nested deeper than
//   `max_depth` are `opaque`: their body is kept as one unparsed range.
// - An entity whose Content-Transfer-Encoding is base64 or quoted-printable is a `leaf` even when
//   its type is composite (§6.4 forbids that; its body is what the encoding says).
// - In multipart/digest a part without Content-Type is message/rfc822 (RFC 2046 §5.1.5).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "smtp/mime_header.hpp"

namespace stsrelay::smtp {

inline constexpr std::size_t kMaxMimeDepth = 32;

struct ByteRange {
  std::size_t begin = 0;
  std::size_t end = 0;
  bool empty() const { return begin == end; }
  std::string_view of(std::string_view text) const { return text.substr(begin, end - begin); }
};

enum class EntityKind {
  leaf,       // a body in some transfer encoding: text, image, application, ...
  multipart,  // parts between boundary delimiters
  message,    // one encapsulated message
  opaque,     // a body whose structure was not (or could not be) parsed
};

struct MimeEntity {
  EntityKind kind = EntityKind::leaf;
  bool message_root = false;  // the message itself or one encapsulated by message/*
  ByteRange whole;            // header, empty line and body
  HeaderBlock header;         // offsets counted from the start of the message
  ByteRange body;
  std::optional<ContentType> content_type;  // nullopt when absent or unparsable
  bool content_type_written = false;        // a Content-Type field is present
  TransferEncoding encoding = TransferEncoding::absent;

  // multipart only
  std::string boundary;
  ByteRange preamble;                 // before the first delimiter line (its CRLF included)
  std::vector<ByteRange> delimiters;  // each delimiter line, without CRLF, in order
  bool closed = false;                // the last delimiter is the close delimiter
  ByteRange epilogue;                 // after the close delimiter line

  std::vector<MimeEntity> children;  // the parts, or the one encapsulated message

  // text/* or a leaf without a usable Content-Type (RFC 2045 §5.2 default text/plain).
  bool is_text() const;
};

// Parses the whole `message`. The result's ranges index into `message`.
MimeEntity parse_mime(std::string_view message, std::size_t max_depth = kMaxMimeDepth);

}  // namespace stsrelay::smtp
