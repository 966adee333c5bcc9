#include "src/net/dns_types.hpp"

#include <arpa/inet.h>

#include <cstring>

#include "src/core/ascii.hpp"
#include "src/core/enum_names.hpp"

namespace stsrelay::net {

std::string_view to_string(RecordType type) {
  switch (type) {
    case RecordType::a: return "A";
    case RecordType::cname: return "CNAME";
    case RecordType::soa: return "SOA";
    case RecordType::mx: return "MX";
    case RecordType::txt: return "TXT";
    case RecordType::aaaa: return "AAAA";
    case RecordType::tlsa: return "TLSA";
  }
  return "TYPE?";
}

namespace {
constexpr core::EnumNameList<DnsStatus::temporary> kStatusNames{
    {"answer", "nodata", "nxdomain", "temporary"}, "unknown"};
}  // namespace

std::string_view to_string(DnsStatus status) { return kStatusNames.name(status); }

namespace {
constexpr core::EnumNameList<DnssecStatus::indeterminate> kDnssecNames{
    {"secure", "insecure", "indeterminate"}, "unknown"};
}  // namespace

std::string_view to_string(DnssecStatus status) { return kDnssecNames.name(status); }

DnssecStatus dnssec_status(DnsStatus status, bool authenticated) {
  if (status == DnsStatus::temporary) return DnssecStatus::indeterminate;
  return authenticated ? DnssecStatus::secure : DnssecStatus::insecure;
}

IpAddress IpAddress::v4(std::array<std::uint8_t, 4> b) {
  IpAddress a;
  a.family = IpFamily::v4;
  std::memcpy(a.bytes.data(), b.data(), 4);
  return a;
}

IpAddress IpAddress::v6(const std::array<std::uint8_t, 16>& b) {
  IpAddress a;
  a.family = IpFamily::v6;
  a.bytes = b;
  return a;
}

bool IpAddress::parse(std::string_view text, IpAddress& out) {
  if (text.size() >= INET6_ADDRSTRLEN) return false;
  char buf[INET6_ADDRSTRLEN] = {};
  std::memcpy(buf, text.data(), text.size());
  IpAddress a;
  if (inet_pton(AF_INET, buf, a.bytes.data()) == 1) {
    a.family = IpFamily::v4;
  } else if (inet_pton(AF_INET6, buf, a.bytes.data()) == 1) {
    a.family = IpFamily::v6;
  } else {
    return false;
  }
  out = a;
  return true;
}

std::string IpAddress::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(family == IpFamily::v4 ? AF_INET : AF_INET6, bytes.data(), buf, sizeof buf);
  return buf;
}

std::string normalize_dns_name(std::string_view name) {
  if (name.size() > 1 && name.back() == '.') name.remove_suffix(1);
  return core::to_lower_ascii(name);
}

bool is_valid_query_name(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  if (name.empty() || name.size() > 253) return false;
  std::size_t label = 0;
  for (char c : name) {
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
    } else if (++label > 63) {
      return false;
    }
  }
  return label > 0;
}

}  // namespace stsrelay::net
