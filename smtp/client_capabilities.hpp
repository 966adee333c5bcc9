// What a server offers, read from its EHLO reply (RFC 5321 §4.1.1.1: the first line is the
// greeting, each further line one keyword with optional parameters). Keywords are
// case-insensitive (§4.1.1.1: ehlo-keyword). After HELO, nothing is offered.
//   PIPELINING (RFC 2920), SIZE [n] (RFC 1870 §4), 8BITMIME (RFC 6152), SMTPUTF8 (RFC 6531),
//   STARTTLS (RFC 3207), DSN (RFC 3461), ENHANCEDSTATUSCODES (RFC 2034), CHUNKING (RFC 3030),
//   AUTH mechanisms (RFC 4954, also the pre-standard "AUTH=" form), REQUIRETLS (RFC 8689 §2,
//   offered only after TLS).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "smtp/reply.hpp"

namespace stsrelay::smtp {

struct Capabilities {
  bool esmtp = false;  // the server answered EHLO (false after a fallback to HELO)
  // The first word of the reply's first line: the name the server gives itself (RFC 5321
  // §4.1.1.1 ehlo-ok-rsp Domain), reported as TLS-RPT receiving-mx-helo. At most 255 octets.
  std::string server_name;
  bool pipelining = false;
  bool size = false;                       // SIZE was listed
  std::optional<std::uint64_t> size_limit;  // its fixed maximum; none for "SIZE" or "SIZE 0"
  bool eightbitmime = false;
  bool smtputf8 = false;
  bool starttls = false;
  bool dsn = false;
  bool enhanced_status_codes = false;
  bool chunking = false;
  bool requiretls = false;  // RFC 8689 §2: the MAIL FROM parameter REQUIRETLS may be sent
  std::vector<std::string> auth;      // mechanisms, upper case, in the server's order
  std::vector<std::string> keywords;  // every keyword, upper case, for logs
};

// `reply` is a 250 reply to EHLO.
Capabilities parse_ehlo(const Reply& reply);

}  // namespace stsrelay::smtp
