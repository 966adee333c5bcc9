// DKIM tag=value lists (RFC 6376 §3.2): the DKIM-Signature field's value and the DNS key
// record. Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "src/core/result.hpp"

namespace stsrelay::dkim {

struct TagList {
  std::vector<std::pair<std::string, std::string>> tags;  // in order; names as written

  // The value of tag `name` (tag names are case-sensitive, §3.2), or nullopt.
  std::optional<std::string_view> get(std::string_view name) const;
};

// Parses "v=1; a=rsa-sha256; d=example.org; ...". Folding white space (CRLF included) around
// tags, names and values is dropped, and inside a value too (base64 of b=, bh= and p= may be
// folded anywhere, §3.5), which a relay never needs to keep for the tags it reads. A trailing
// ";" is allowed. Errors: a tag without "=", a bad tag name, a tag given twice (§3.2: "MUST
// NOT" and the verifier then fails the whole list).
core::Result<TagList> parse_tag_list(std::string_view text);

}  // namespace stsrelay::dkim
