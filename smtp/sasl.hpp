// The pieces of SMTP AUTH (RFC 4954) that are pure: base64 (RFC 4648 §4, strict: padding
// required, no whitespace) and the SASL PLAIN message (RFC 4616 §2).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace stsrelay::smtp {

std::optional<std::string> decode_base64(std::string_view text);
std::string encode_base64(std::string_view bytes);

struct PlainCredentials {
  std::string authzid;  // may be empty
  std::string authcid;
  std::string password;
};

// message = [authzid] NUL authcid NUL passwd; authcid and passwd 1..255 octets, no NUL.
std::optional<PlainCredentials> parse_sasl_plain(std::string_view message);

}  // namespace stsrelay::smtp
