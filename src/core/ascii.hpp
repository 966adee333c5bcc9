// ASCII octet predicates and case folding, the one copy every module uses. Protocol text (SMTP,
// DNS, MTA-STS, TLS-RPT, DKIM, HTTP) is compared octet by octet: no locale is ever consulted,
// and octets 0x80 and above are never letters (RFC 5234 Appendix B.1 core rules).
#pragma once

#include <string>
#include <string_view>

namespace stsrelay::core {

// RFC 5234 B.1: ALPHA, DIGIT, HEXDIG (either case, as RFC 3986 §2.1 reads it), WSP.
constexpr bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }
constexpr bool is_alnum(char c) { return is_alpha(c) || is_digit(c); }
constexpr bool is_hex(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
constexpr bool is_wsp(char c) { return c == ' ' || c == '\t'; }
// RFC 5234 B.1 VCHAR (%x21-7E); printable adds SP (%x20-7E).
constexpr bool is_vchar(char c) {
  return static_cast<unsigned char>(c) >= 0x21 && static_cast<unsigned char>(c) <= 0x7e;
}
constexpr bool is_printable(char c) { return c == ' ' || is_vchar(c); }
constexpr bool is_non_ascii(char c) { return static_cast<unsigned char>(c) >= 0x80; }

// The value of a HEXDIG (either case), or -1 for any other octet.
constexpr int hex_value(char c) {
  if (is_digit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

constexpr char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}
constexpr char ascii_upper(char c) {
  return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
}

std::string to_lower_ascii(std::string_view s);
std::string to_upper_ascii(std::string_view s);
bool iequals(std::string_view a, std::string_view b);
bool istarts_with(std::string_view s, std::string_view prefix);

// True for one or more DIGITs and nothing else.
bool is_digits(std::string_view s);
bool has_non_ascii(std::string_view s);
// `s` without the WSP (SP, HTAB) at either end.
std::string_view trim_wsp(std::string_view s);

}  // namespace stsrelay::core
