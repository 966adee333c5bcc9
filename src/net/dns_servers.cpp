#include "src/net/dns_servers.hpp"

#include <charconv>

namespace stsrelay::net {

core::Result<DnsServer> parse_dns_server(std::string_view text) {
  const auto bad = [&](std::string_view why) {
    return core::Error::invalid("DNS server \"" + std::string(text) + "\": " + std::string(why));
  };
  if (text.empty()) return bad("empty");
  std::string_view host = text;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos) return bad("missing ']'");
    host = text.substr(1, close - 1);
    const std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return bad("expected ':port' after ']'");
      port = rest.substr(1);
      if (port.empty()) return bad("empty port");
    }
  } else if (text.find(':') == text.rfind(':') && text.find(':') != std::string_view::npos) {
    // Exactly one colon: IPv4 address with a port. Several colons: a bare IPv6 address.
    host = text.substr(0, text.find(':'));
    port = text.substr(text.find(':') + 1);
    if (port.empty()) return bad("empty port");
  }
  DnsServer s;
  if (!IpAddress::parse(host, s.address)) return bad("not an IP address");
  if (text.front() == '[' && s.address.family != IpFamily::v6) {
    return bad("brackets are for IPv6 addresses");
  }
  if (!port.empty()) {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc{} || end != port.data() + port.size() || value == 0 || value > 65535) {
      return bad("port must be 1-65535");
    }
    s.port = static_cast<std::uint16_t>(value);
  }
  return s;
}

std::string to_cares_csv(const std::vector<DnsServer>& servers) {
  std::string csv;
  for (const DnsServer& s : servers) {
    if (!csv.empty()) csv += ',';
    if (s.address.family == IpFamily::v6) {
      csv += '[' + s.address.to_string() + "]:" + std::to_string(s.port);
    } else {
      csv += s.address.to_string() + ':' + std::to_string(s.port);
    }
  }
  return csv;
}

}  // namespace stsrelay::net
