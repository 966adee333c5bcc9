#include "src/net/cidr.hpp"

#include <algorithm>
#include <charconv>

namespace stsrelay::net {

IpAddress unmap_ipv4(const IpAddress& ip) {
  static constexpr std::uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (ip.family != IpFamily::v6 || !std::equal(kMapped, kMapped + 12, ip.bytes.begin())) {
    return ip;
  }
  return IpAddress::v4({ip.bytes[12], ip.bytes[13], ip.bytes[14], ip.bytes[15]});
}

core::Result<Cidr> Cidr::parse(std::string_view text) {
  auto fail = [&](std::string why) {
    return core::Error::invalid("bad network \"" + std::string(text) + "\": " + why);
  };
  std::size_t slash = text.find('/');
  IpAddress parsed;
  if (!IpAddress::parse(text.substr(0, slash), parsed)) return fail("not an IP address");
  Cidr c;
  c.network = unmap_ipv4(parsed);
  const bool v6 = c.network.family == IpFamily::v6;
  const int max = v6 ? 128 : 32;
  // A mapped network written in IPv6 form ("::ffff:10.0.0.0/104") keeps its IPv6 length.
  const bool mapped = parsed.family == IpFamily::v6 && !v6;
  if (slash == std::string_view::npos) {
    c.prefix = max;
  } else {
    std::string_view len = text.substr(slash + 1);
    int n = -1;
    auto [p, ec] = std::from_chars(len.data(), len.data() + len.size(), n);
    if (len.empty() || ec != std::errc() || p != len.data() + len.size()) {
      return fail("bad prefix length");
    }
    if (mapped) n -= 96;
    if (n < 0 || n > max) return fail("prefix length out of range");
    c.prefix = n;
  }
  for (int bit = c.prefix; bit < max; ++bit) {
    if (c.network.bytes[bit / 8] & (0x80 >> (bit % 8))) return fail("host bits are set");
  }
  return c;
}

bool Cidr::contains(const IpAddress& address) const {
  const IpAddress ip = unmap_ipv4(address);
  if (ip.family != network.family) return false;
  int full = prefix / 8;
  for (int i = 0; i < full; ++i) {
    if (ip.bytes[i] != network.bytes[i]) return false;
  }
  int rest = prefix % 8;
  if (rest == 0) return true;
  auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
  return (ip.bytes[full] & mask) == (network.bytes[full] & mask);
}

core::Result<NetworkList> NetworkList::parse(const std::vector<std::string>& items) {
  NetworkList list;
  for (const std::string& item : items) {
    auto c = Cidr::parse(item);
    if (!c) return c.error();
    list.networks_.push_back(*c);
  }
  return list;
}

bool NetworkList::contains(const IpAddress& ip) const {
  for (const Cidr& c : networks_) {
    if (c.contains(ip)) return true;
  }
  return false;
}

bool NetworkList::contains(std::string_view ip_text) const {
  IpAddress ip;
  return IpAddress::parse(ip_text, ip) && contains(ip);
}

}  // namespace stsrelay::net
