// RFC 3461 §4 xtext: printable ASCII except "+" and "=", with any other octet written as "+"
// and two upper-case hex digits. The SMTP server stores ENVID and ORCPT as sent (xtext); DSNs
// report them decoded (RFC 3461 §6.3). Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace stsrelay::queue {

// The decoded text; empty optional when `text` is not valid xtext.
std::optional<std::string> decode_xtext(std::string_view text);

std::string encode_xtext(std::string_view text);

}  // namespace stsrelay::queue
