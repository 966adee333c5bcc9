// The `delivery.dns_servers` list: "192.0.2.53", "192.0.2.53:5353", "[2001:db8::53]:53",
// "2001:db8::53". Parsed and checked here so that a bad entry is reported by name at start-up,
// then turned into the CSV form c-ares takes (ares_set_servers_ports_csv).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "src/core/result.hpp"
#include "src/net/dns_types.hpp"

namespace stsrelay::net {

inline constexpr std::uint16_t kDnsPort = 53;

struct DnsServer {
  IpAddress address;
  std::uint16_t port = kDnsPort;
  friend bool operator==(const DnsServer&, const DnsServer&) = default;
};

// Parses one entry; the port defaults to 53. An IPv6 address with a port needs brackets.
core::Result<DnsServer> parse_dns_server(std::string_view text);

// "ip:port,[v6]:port" as ares_set_servers_ports_csv reads it.
std::string to_cares_csv(const std::vector<DnsServer>& servers);

}  // namespace stsrelay::net
