// UTF-8 well-formedness (RFC 3629 §4), for the protocols that carry UTF-8 text: SMTPUTF8
// addresses (RFC 6531), global DSN fields (RFC 6533) and MTA-STS policy values (RFC 8461 §3.2
// sts-policy-vchar).
#pragma once

#include <cstddef>
#include <string_view>

namespace stsrelay::core {

// Length (2 to 4) of the well-formed multi-octet UTF-8 sequence that starts at s[i]: shortest
// form, no surrogates, nothing above U+10FFFF. 0 when the octets there are not one, an ASCII
// octet included.
std::size_t utf8_sequence_length(std::string_view s, std::size_t i);

// RFC 3629 well-formed UTF-8 throughout (ASCII included).
bool is_valid_utf8(std::string_view s);

}  // namespace stsrelay::core
