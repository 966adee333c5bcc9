// Small byte-level helpers shared by the SMTP parsers: ASCII case folding, UTF-8 validation.
// Everything here is pure and works on raw octets; no locale is ever consulted.
#pragma once

#include <string>
#include <string_view>

namespace stsrelay::smtp {

inline char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}
inline char ascii_upper(char c) {
  return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
}
inline bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
inline bool is_digit(char c) { return c >= '0' && c <= '9'; }
inline bool is_alnum(char c) { return is_alpha(c) || is_digit(c); }
inline bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
inline bool is_non_ascii(char c) { return static_cast<unsigned char>(c) >= 0x80; }

// The position of the first CR or LF in s at or after `from`, or npos. Two memchr passes (LF,
// then CR only before that LF) instead of find_first_of's per-octet set test: message content is
// scanned with it octet by octet, and lines are short.
std::size_t find_line_break(std::string_view s, std::size_t from);

std::string to_lower_ascii(std::string_view s);
std::string to_upper_ascii(std::string_view s);
bool iequals(std::string_view a, std::string_view b);
bool istarts_with(std::string_view s, std::string_view prefix);

// RFC 3629 well-formed UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF).
bool is_valid_utf8(std::string_view s);
bool has_non_ascii(std::string_view s);

}  // namespace stsrelay::smtp
