#include "src/delivery/route_table.hpp"

#include <algorithm>
#include <charconv>

#include "src/core/ascii.hpp"
#include "src/core/domain_name.hpp"
#include "src/core/enum_names.hpp"
#include "src/net/dns_types.hpp"

namespace stsrelay::delivery {
namespace {

constexpr core::EnumNameList<TlsFloor::secure> kFloorNames{
    {"none", "may", "encrypt", "dane", "dane-only", "verify", "secure"}, "may"};

constexpr std::uint16_t kSmtpPort = 25;

core::Result<std::uint16_t> parse_port(std::string_view text) {
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || value == 0 ||
      value > 65535) {
    return core::Error::invalid("\"" + std::string(text) + "\" is not a port (1-65535)");
  }
  return static_cast<std::uint16_t>(value);
}

}  // namespace

std::string_view to_string(TlsFloor floor) { return kFloorNames.name(floor); }

std::optional<TlsFloor> parse_tls_floor(std::string_view text) { return kFloorNames.parse(text); }

core::Result<NextHop> parse_next_hop(std::string_view text) {
  NextHop hop;
  if (text == "mx") return hop;
  std::string_view host = text;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos) {
      return core::Error::invalid("\"" + std::string(text) + "\": \"[\" without \"]\"");
    }
    host = text.substr(1, close - 1);
    const std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') {
        return core::Error::invalid("\"" + std::string(text) + "\": expected \":port\" after \"]\"");
      }
      port = rest.substr(1);
    }
    net::IpAddress ip;
    if (!net::IpAddress::parse(host, ip)) {
      return core::Error::invalid("\"" + std::string(host) + "\" is not an IP address");
    }
    hop.kind = NextHop::Kind::address;
    hop.host = ip.to_string();
  } else {
    const std::size_t colon = text.find(':');
    if (colon != std::string_view::npos) {
      if (text.find(':', colon + 1) != std::string_view::npos) {
        return core::Error::invalid("\"" + std::string(text) +
                                    "\": an IPv6 address goes in brackets: \"[2001:db8::1]:25\"");
      }
      host = text.substr(0, colon);
      port = text.substr(colon + 1);
    }
    net::IpAddress ip;
    if (net::IpAddress::parse(host, ip)) {
      return core::Error::invalid("\"" + std::string(text) + "\": an address goes in brackets (\"[" +
                                  std::string(host) + "]\"), so that no one reads it as a name");
    }
    auto name = core::normalize_domain(host);
    if (!name) {
      return core::Error::invalid("\"" + std::string(host) + "\" is not a host name: " +
                                  name.error().message);
    }
    if (net::IpAddress::parse(*name, ip)) {
      // "192.0.2.1." is the address with a root dot, not a name.
      return core::Error::invalid("\"" + std::string(text) + "\": an address goes in brackets (\"[" +
                                  *name + "]\"), so that no one reads it as a name");
    }
    hop.kind = NextHop::Kind::host;
    hop.host = std::move(*name);
  }
  hop.port = kSmtpPort;
  if (!port.empty() || (!text.empty() && text.back() == ':')) {
    auto number = parse_port(port);
    if (!number) return number.error();
    hop.port = *number;
  }
  return hop;
}

std::string format_next_hop(const NextHop& hop) {
  switch (hop.kind) {
    case NextHop::Kind::mx: return "mx";
    case NextHop::Kind::host: return hop.host + ":" + std::to_string(hop.port);
    case NextHop::Kind::address: return "[" + hop.host + "]:" + std::to_string(hop.port);
  }
  return "mx";
}

core::Result<std::string> parse_domain_pattern(std::string_view text) {
  if (text == "*") return std::string("*");
  const bool subdomains = !text.empty() && text.front() == '.';
  auto name = core::normalize_domain(subdomains ? text.substr(1) : text);
  if (!name) {
    return core::Error::invalid("\"" + std::string(text) + "\" is not a domain, \".domain\" or \"*\": " +
                                name.error().message);
  }
  return (subdomains ? "." : "") + *name;
}

bool domain_matches(std::string_view pattern, std::string_view domain) {
  if (pattern == "*") return true;
  if (!pattern.empty() && pattern.front() == '.') {
    return domain.size() > pattern.size() && domain.ends_with(pattern);
  }
  return pattern == domain;
}

bool Route::via_mx() const {
  return std::any_of(next_hops.begin(), next_hops.end(),
                     [](const NextHop& h) { return h.kind == NextHop::Kind::mx; });
}

RouteMatch RouteTable::match(std::string_view recipient_domain,
                             std::string_view sender_domain) const {
  const auto any_matches = [](const std::vector<std::string>& patterns, std::string_view d) {
    return std::any_of(patterns.begin(), patterns.end(),
                       [&](const std::string& p) { return domain_matches(p, d); });
  };
  for (std::size_t i = 0; i < routes_.size(); ++i) {
    const Route& r = routes_[i];
    if (!any_matches(r.domains, recipient_domain)) continue;
    if (!r.senders.empty() && (sender_domain.empty() || !any_matches(r.senders, sender_domain))) {
      continue;
    }
    return {&r, i};
  }
  return {};
}

const Route& RouteTable::route_for(std::string_view recipient_domain,
                                   std::string_view sender_domain) const {
  const RouteMatch m = match(recipient_domain, sender_domain);
  return m.route ? *m.route : default_route_;
}

std::string RouteTable::describe(std::string_view recipient_domain,
                                 std::string_view sender_domain) const {
  const RouteMatch m = match(recipient_domain, sender_domain);
  const Route& r = m.route ? *m.route : default_route_;
  std::string out = m.route ? "route[" + std::to_string(m.index) + "]:" : "default:";
  for (std::size_t i = 0; i < r.next_hops.size(); ++i) {
    out += (i == 0 ? " " : ",") + format_next_hop(r.next_hops[i]);
  }
  out += " tls=" + std::string(to_string(r.tls));
  if (r.implicit_tls) out += " implicit-tls";
  if (!r.auth_file.empty()) out += " auth";
  return out;
}

}  // namespace stsrelay::delivery
