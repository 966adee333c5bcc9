// The Received: trace header the relay prepends to every accepted message (RFC 5321 §4.4
// Stamp, RFC 3848 "with" protocol names), and the RFC 5322 §3.3 date it ends with. Pure: the
// time is a parameter.
#pragma once

#include <string>
#include <string_view>

#include "src/core/clock.hpp"

namespace stsrelay::smtp {

struct ReceivedInfo {
  std::string helo;       // EHLO/HELO argument as the client sent it (sanitised here)
  std::string client_ip;  // "192.0.2.1" or "2001:db8::1"
  std::string hostname;   // our server.hostname
  std::string protocol;   // SMTP, ESMTP, ESMTPS, ESMTPA, ESMTPSA
  std::string tls;        // "TLSv1.3:TLS_AES_256_GCM_SHA384", empty without TLS
  std::string id;         // a transaction id unique to this relay, may be empty
  std::string recipient;  // set only when the message has exactly one recipient
};

// "Received: from ...; <date>\r\n", folded (CRLF TAB) so that no line exceeds 78 octets
// unless a single item is longer.
std::string format_received(const ReceivedInfo& info, core::SysTime now);

// "[192.0.2.1]" or "[IPv6:2001:db8::1]" (RFC 5321 §4.1.3).
std::string address_literal(std::string_view ip);

}  // namespace stsrelay::smtp
