// Line scanning shared by the SMTP parsers. Pure, on raw octets. The ASCII predicates and case
// folding they also use are src/core/ascii.hpp; UTF-8 validation is src/core/utf8.hpp.
#pragma once

#include <cstddef>
#include <string_view>

namespace stsrelay::smtp {

// The position of the first CR or LF in s at or after `from`, or npos. Two memchr passes (LF,
// then CR only before that LF) instead of find_first_of's per-octet set test: message content is
// scanned with it octet by octet, and lines are short.
std::size_t find_line_break(std::string_view s, std::size_t from);

}  // namespace stsrelay::smtp
