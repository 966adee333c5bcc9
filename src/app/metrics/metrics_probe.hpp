// What the /healthz SMTP check decides, apart from its sockets (metrics_smtp_probe.hpp). Pure.
//
// The check connects to each address the server is bound to, so a wildcard bind is reached
// through loopback, and reads the greeting: accepting means a complete 220 reply (RFC 5321
// §4.2: a multi-line reply ends with the line whose code is followed by a space; §3.1: the
// server's first reply is 220, or 554 when it will not serve).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "src/core/result.hpp"
#include "src/net/listen_address.hpp"

namespace stsrelay::app {

// The address to connect to for a bound listener ("0.0.0.0:25" -> 127.0.0.1 port 25,
// "[::]:25" -> ::1); the error names the text it could not read.
core::Result<net::ListenAddress> probe_address(std::string_view bound);

struct GreetingVerdict {
  bool complete = false;  // false: read more
  bool ok = false;        // a 220 greeting
  std::string reply;      // the final line (at most kMaxShownReply octets), or what was wrong
};

// Up to this much is read before the greeting counts as broken.
inline constexpr std::size_t kMaxGreeting = 4096;
inline constexpr std::size_t kMaxShownReply = 200;

// The verdict on the octets received so far from the server.
GreetingVerdict judge_greeting(std::string_view received);

}  // namespace stsrelay::app
