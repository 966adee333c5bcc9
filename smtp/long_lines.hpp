// Making mail with lines over 998 octets deliverable (RFC 5322 §2.1.1, RFC 5321 §4.5.3.1.6)
// before it is stored: applications send HTML with one 5,000-octet line, and the next hop may
// refuse it or break it anywhere. Pure: the accepted message in, the message to store and a
// report for the log out.
//
// What is done, and where (each rule pinned by tests/unit/smtp/long_lines_test.cpp):
// - A message whose lines are all short is returned unchanged after one scan, without a copy.
// - A message with a DKIM-Signature field is returned unchanged: any change would break the
//   client's signature. The report says it still has long lines (`left_long_signed`).
// - Only entities that have a long line are touched; every other octet stays as it was.
// - A header field line over 998 is folded at its whitespace (RFC 5322 §2.2.3), aiming at 78;
//   without whitespace to fold at, it is broken after 998 octets with CRLF SP, as Postfix does.
//   The message header and every part's header alike.
// - A leaf body (neither multipart/* nor message/*) in 7bit, 8bit, binary or no encoding is
//   re-encoded as quoted-printable (RFC 2045 §6.7), which is lossless; its
//   Content-Transfer-Encoding is replaced in place (a repeated one removed) or added. For a
//   message (the top level or one encapsulated by message/rfc822): MIME-Version: 1.0 is added
//   when absent, and when it has no Content-Type field and its body is valid UTF-8 but not
//   ASCII, "Content-Type: text/plain; charset=utf-8" too, so that the re-encoded octets keep a
//   charset a reader can decode (the RFC 2045 §5.2 default, us-ascii, would be wrong; for
//   other 8-bit bodies no charset can be named, and Content-Type is left alone).
// - A base64 body is re-wrapped to 76-character lines; a quoted-printable body gets soft line
//   breaks in each line over 76 characters.
// - multipart/* and message/* are never re-encoded (RFC 2045 §6.4); their parts are handled in
//   turn. A delimiter line over 998 (long transport padding, or junk after a close delimiter)
//   is written again as "--boundary" or "--boundary--", dropping what carried no meaning.
// - What cannot be encoded losslessly is broken after 998 octets with CRLF, as Postfix does:
//   long lines in a preamble or an epilogue, in a body whose structure was not parsed (see
//   smtp/mime_entity.hpp: no boundary, boundary never found, depth limit, other message/*), in
//   a body with an unknown transfer encoding, and in a body that no empty line separates from
//   its header (where that body starts is a guess there, which new lines or fields could
//   change).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace stsrelay::smtp {

struct LongLineReport {
  bool had_long_lines = false;          // the message as accepted had a line over 998
  bool left_long_signed = false;        // ... and was left so, because it is DKIM-signed
  std::size_t parts_quoted_printable = 0;  // bodies re-encoded as quoted-printable
  std::size_t parts_base64_rewrapped = 0;
  std::size_t parts_qp_soft_broken = 0;
  std::size_t header_fields_folded = 0;  // fields folded at their whitespace
  std::size_t header_lines_broken = 0;   // header lines broken with CRLF SP
  std::size_t body_lines_broken = 0;     // body lines broken with CRLF

  bool operator==(const LongLineReport&) const = default;
};

// For the log: "no long lines", "long lines: 1 part re-encoded quoted-printable, 1 header field
// folded", "long lines: left unchanged, DKIM-signed by the client".
std::string describe(const LongLineReport& report);

struct LongLineFix {
  std::optional<std::string> message;  // the message to store; nullopt: the input unchanged
  LongLineReport report;

  std::string_view message_or(std::string_view original) const {
    return message ? std::string_view(*message) : original;
  }
};

// `message`: headers, empty line, body, every line ending CRLF (the DATA reader's output).
LongLineFix fix_long_lines(std::string_view message);

}  // namespace stsrelay::smtp
