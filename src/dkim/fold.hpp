// Folding of header fields (RFC 5322 §2.2.3) into lines of at most 78 characters where the
// pieces allow it. Used for the DKIM-Signature field, whose tag values may be broken between
// base64 characters and around the colons of h= (RFC 6376 §3.2, §3.5), and for the report
// mail's Subject and MIME fields, which are broken only at their spaces. Pure.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace stsrelay::dkim {

// RFC 5322 §2.1.1: lines SHOULD be no longer than 78 characters, excluding the CRLF.
inline constexpr std::size_t kFoldWidth = 78;

struct FoldPiece {
  std::string text;
  // true: a space separates this piece from the one before (a fold replaces that space).
  // false: the piece follows directly, and a fold here inserts whitespace the grammar allows.
  bool space_before = true;
};

// "Name:" and the pieces, laid out greedily: each piece goes on the current line when it fits
// within `width`, else on a new line begun with CRLF SP. A piece longer than a line stays
// whole. The first piece always shares the line with the name. No trailing CRLF. The layout of
// a prefix of `pieces` is a prefix of the layout of all of them (the signer relies on this).
std::string fold_header(std::string_view name, const std::vector<FoldPiece>& pieces,
                        std::size_t width = kFoldWidth);

// The pieces of a value that may be broken at its spaces only (Subject, Content-Type).
std::vector<FoldPiece> words(std::string_view value);

}  // namespace stsrelay::dkim
