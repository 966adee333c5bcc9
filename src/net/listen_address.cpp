#include "src/net/listen_address.hpp"

#include <charconv>

#include "src/net/cidr.hpp"

namespace stsrelay::net {

core::Result<ListenAddress> parse_listen_address(std::string_view text) {
  auto fail = [&](std::string why) {
    return core::Error::invalid("bad listen address \"" + std::string(text) + "\": " + why);
  };
  std::string_view host;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    std::size_t close = text.find(']');
    if (close == std::string_view::npos) return fail("missing ']'");
    host = text.substr(1, close - 1);
    if (close + 1 >= text.size() || text[close + 1] != ':') return fail("expected \"]:port\"");
    port = text.substr(close + 2);
    IpAddress ip;
    if (!IpAddress::parse(host, ip) || ip.family != IpFamily::v6) {
      return fail("not an IPv6 address");
    }
  } else {
    std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return fail("expected host:port");
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) return fail("IPv6 addresses need brackets");
    if (host == "localhost") {
      host = "127.0.0.1";
    } else if (IpAddress ip; !IpAddress::parse(host, ip)) {
      return fail("host must be an IP address or localhost");
    }
  }
  unsigned n = 0;
  auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), n);
  if (port.empty() || ec != std::errc() || p != port.data() + port.size() || n > 65535) {
    return fail("bad port");
  }
  return ListenAddress{std::string(host), static_cast<std::uint16_t>(n)};
}

std::string format_endpoint(std::string_view ip, std::uint16_t port) {
  if (ip.find(':') != std::string_view::npos) {
    return "[" + std::string(ip) + "]:" + std::to_string(port);
  }
  return std::string(ip) + ":" + std::to_string(port);
}

}  // namespace stsrelay::net
