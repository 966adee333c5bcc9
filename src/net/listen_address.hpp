// The server.listen entries: "host:port" with an IPv4 address or "localhost", and
// "[v6]:port" for IPv6 (the brackets of RFC 3986 §3.2.2, so the port is unambiguous).
// Port 0 asks the system for a free port (tests). Host names other than "localhost" are
// refused: binding must not depend on DNS at start-up.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "src/core/result.hpp"

namespace stsrelay::net {

struct ListenAddress {
  std::string host;  // the IP address text, without brackets
  std::uint16_t port = 0;
  bool operator==(const ListenAddress&) const = default;
};

core::Result<ListenAddress> parse_listen_address(std::string_view text);

// "127.0.0.1:25", "[::1]:25".
std::string format_endpoint(std::string_view ip, std::uint16_t port);

}  // namespace stsrelay::net
