// The pure piece of SMTP AUTH (RFC 4954) besides base64 (src/core/base64.hpp, strict): the
// SASL PLAIN message (RFC 4616 §2).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace stsrelay::smtp {

struct PlainCredentials {
  std::string authzid;  // may be empty
  std::string authcid;
  std::string password;
};

// message = [authzid] NUL authcid NUL passwd; authcid and passwd 1..255 octets, no NUL.
std::optional<PlainCredentials> parse_sasl_plain(std::string_view message);

}  // namespace stsrelay::smtp
