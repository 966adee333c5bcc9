// Field values for DSNs (RFC 3464 §2): text from outside (remote replies, addresses, ORCPT)
// made safe for one header-like line, and the typed forms RFC 3464 wants. Pure.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace stsrelay::queue {

// Text taken from elsewhere is cut to this many octets, so that no line written from it comes
// near RFC 5322's limit of 998.
inline constexpr std::size_t kMaxFieldText = 900;

bool is_ascii(std::string_view text);

// One line of text fit for a header-like field: line breaks and tabs become single spaces (a
// multi-line SMTP reply becomes one line), other control octets '?', non-ASCII '?' unless
// allowed, and then every octet that is not part of a well-formed UTF-8 character '?' too; at
// most kMaxFieldText octets, cut on a UTF-8 character boundary.
std::string one_line(std::string_view text, bool allow_utf8);

// Cuts a line to 990 octets (RFC 5322 §2.1.1's 998 less a margin), on a character boundary.
std::string cap_line(std::string line);

// RFC 3463 §2: class "." subject "." detail; class 2, 4 or 5; subject and detail 1-3 digits.
bool is_status_code(std::string_view s);

// "rfc822; addr", or RFC 6533 §3 "utf-8; addr" for a non-ASCII address in a global DSN.
std::string address_field(std::string_view address, bool global);

// ORCPT "addr-type;xtext" as "addr-type; address", the xtext decoded (RFC 3461 §6.3); text that
// is not valid xtext (or decodes to non-ASCII outside a global DSN) is reported as given.
std::string original_recipient(std::string_view orcpt, bool global);

// "smtp; <reply>" for what a server said (RFC 3464 §2.3.6: it starts with the reply code),
// "X-Stsrelay; <reason>" for the relay's own reasons (DNS failures, policy).
std::string diagnostic_field(std::string_view diagnostic, bool global);

}  // namespace stsrelay::queue
