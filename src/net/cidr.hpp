// IP networks in CIDR notation ("127.0.0.0/8", "::1/128", "192.0.2.7" for one host) and the
// membership test used for relay.allow_networks. Pure: text in, bits compared; no sockets.
// An IPv4-mapped IPv6 address (::ffff:192.0.2.1, what a dual-stack listener reports for an
// IPv4 client) matches the IPv4 networks, so a "[::]:25" listener keeps the IPv4 rules.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "src/core/result.hpp"
#include "src/net/dns_types.hpp"

namespace stsrelay::net {

// IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) become plain IPv4; others are returned as they are.
IpAddress unmap_ipv4(const IpAddress& ip);

struct Cidr {
  IpAddress network;
  int prefix = 0;

  // The error names the text and what is wrong with it. Host bits must be zero
  // ("10.0.0.1/8" is refused: it is almost always a typo for a /32 or a /8).
  static core::Result<Cidr> parse(std::string_view text);
  bool contains(const IpAddress& ip) const;
};

class NetworkList {
 public:
  static core::Result<NetworkList> parse(const std::vector<std::string>& items);
  bool contains(const IpAddress& ip) const;
  bool contains(std::string_view ip_text) const;  // false for unparsable text
  bool empty() const { return networks_.empty(); }

 private:
  std::vector<Cidr> networks_;
};

}  // namespace stsrelay::net
