// DKIM's view of a message (RFC 6376 §3.4, §5.4.2): the header fields as written, the body,
// and the "relaxed" canonical forms that signers and verifiers hash. Pure; no crypto.
//
// Only relaxed canonicalisation is implemented: stsrelay signs with c=relaxed/relaxed, which
// survives the re-folding and trailing-space changes relays commonly make. "simple" is left
// out deliberately.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "src/core/result.hpp"

namespace stsrelay::dkim {

// One header field exactly as it appears, folding included, without its final CRLF.
struct HeaderField {
  std::string_view name;  // as written, without the colon or the space before it
  std::string_view raw;   // "Name: value\r\n continued"
};

struct SplitMessage {
  std::vector<HeaderField> headers;  // in message order
  std::string_view body;             // everything after the empty line; empty when none
};

// Splits `message` (CRLF line endings) into header fields and body. Fails on a bare CR or LF,
// a header line without a colon, a continuation line before the first field, or headers that
// do not end with CRLF. The views point into `message`.
core::Result<SplitMessage> split_message(std::string_view message);

// RFC 6376 §3.4.2: "name:value" with the name in lower case, the field unfolded, runs of
// whitespace reduced to one space, and whitespace around the colon and at the end removed.
// No trailing CRLF: the signer adds it for every field but the DKIM-Signature itself.
std::string relaxed_header(std::string_view raw_field);

// RFC 6376 §3.4.4: whitespace at line ends removed, runs of whitespace reduced to one space,
// empty lines at the end removed; a non-empty result ends with CRLF, an empty body stays empty.
std::string relaxed_body(std::string_view body);

// relaxed_body() over a body that arrives in chunks split anywhere (inside a CRLF, inside a run
// of whitespace, inside the trailing empty lines): the concatenated output equals
// relaxed_body() of the concatenated input. Holds no more than a count of pending empty lines,
// so a body of any size is canonicalised in constant memory.
class RelaxedBodyCanon {
 public:
  // Appends the canonical form of what `chunk` settles to `out`.
  void feed(std::string_view chunk, std::string& out);
  // Ends the body: completes a last line without CRLF; trailing empty lines stay dropped.
  void finish(std::string& out);

 private:
  std::size_t pending_empty_ = 0;  // empty lines not yet known not to be at the end
  bool line_has_content_ = false;
  bool in_space_ = false;    // whitespace seen since the line's last content
  bool pending_cr_ = false;  // the last chunk ended in CR: a line end if LF comes next
};

}  // namespace stsrelay::dkim
