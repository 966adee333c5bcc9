// The ways a line over 998 octets (RFC 5322 §2.1.1) is made shorter without re-encoding: a
// header field folded at its whitespace, a base64 body re-wrapped, and, where nothing lossless
// is possible, a line broken by force as Postfix does. Pure. smtp/long_lines.hpp decides which
// applies where.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "smtp/crlf_lines.hpp"

namespace stsrelay::smtp {

// RFC 5322 §2.1.1: lines SHOULD be at most 78 characters.
inline constexpr std::size_t kFoldLength = 78;

struct FoldedField {
  std::string raw;           // the field with its long lines folded
  std::size_t folds = 0;     // CRLFs inserted before existing whitespace
  std::size_t breaks = 0;    // lines that had to be broken with an inserted CRLF SP
};

// RFC 5322 §2.2.3: each line of `raw` (a whole field, continuation lines and final CRLF
// included) longer than `limit` is folded by inserting CRLF before WSP, into lines of at most
// 78 octets where the whitespace allows and of at most `limit` always. A fold goes before the
// first WSP of a run that has more text after it (never making a line of whitespace only),
// and never before the colon of the field's first line. Where no whitespace lies within reach,
// the line is broken after `limit` octets with CRLF SP, which adds one space to the value.
// Unfolding the result gives the original field wherever only folds were made.
FoldedField fold_field(std::string_view raw, std::size_t limit = kMaxLineLength);

struct BrokenText {
  std::string text;
  std::size_t lines = 0;  // lines that were broken
};

// Every line of `text` longer than `limit` is cut into pieces of at most `limit` octets with
// CRLF; the rest is copied. A piece is never made to start with "-" when an earlier cut is
// possible, so a cut cannot forge a MIME boundary delimiter ("--boundary").
BrokenText break_long_lines(std::string_view text, std::size_t limit = kMaxLineLength);

// A base64 body (RFC 2045 §6.8) as lines of 76 characters: every CRLF is removed and the other
// octets are kept in order, since decoders ignore line breaks. A line is not begun with "-"
// (junk in base64, but "--boundary" at a line start would be a delimiter): it is continued, up
// to 998, instead. The result ends with CRLF when `body` did.
std::string rewrap_base64(std::string_view body);

}  // namespace stsrelay::smtp
