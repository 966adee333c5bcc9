#include "src/net/mx_plan.hpp"

#include <algorithm>
#include <random>

namespace stsrelay::net {

PickIndex random_pick() {
  return [](std::size_t n) -> std::size_t {
    thread_local std::mt19937_64 engine{std::random_device{}()};
    return std::uniform_int_distribution<std::size_t>(0, n - 1)(engine);
  };
}

namespace {

RouteFailure temporary(std::string text) { return {false, "4.4.3", std::move(text)}; }
RouteFailure permanent(std::string dsn, std::string text) {
  return {true, std::move(dsn), std::move(text)};
}

std::string describe(const DnsResult<IpAddress>& r) {
  return r.reason.empty() ? std::string(to_string(r.status)) : r.reason;
}

}  // namespace

MxPlan plan_mx_hosts(std::string_view domain_in, const DnsResult<MxRecord>& mx,
                     const PickIndex& pick) {
  const std::string domain = normalize_dns_name(domain_in);
  MxPlan plan;
  plan.secure = mx.dnssec() == DnssecStatus::secure;
  switch (mx.status) {
    case DnsStatus::nxdomain:
      // RFC 5321 §5.1: the domain is not a valid mail destination.
      plan.failure = permanent("5.1.2", "domain " + domain + " does not exist (NXDOMAIN)");
      return plan;
    case DnsStatus::temporary:
      plan.failure = temporary("MX lookup for " + domain + " failed: " + mx.reason);
      return plan;
    case DnsStatus::nodata:
      // RFC 5321 §5.1: no MX records, so the domain itself is an implicit MX of preference 0.
      plan.hosts.push_back({domain, 0, true});
      return plan;
    case DnsStatus::answer:
      break;
  }

  // RFC 7505 §3: a single MX record with an empty exchange ("0 .") says "no mail here".
  if (mx.records.size() == 1 && normalize_dns_name(mx.records.front().host) == ".") {
    plan.failure = permanent("5.1.10", "domain " + domain +
                                           " accepts no mail (null MX, RFC 7505)");
    return plan;
  }

  std::vector<MxHost> hosts;
  for (const MxRecord& r : mx.records) {
    const std::string host = normalize_dns_name(r.host);
    IpAddress literal;
    if (host == "." || host.empty()) {
      plan.skipped.push_back("MX " + std::to_string(r.preference) +
                             " \".\": null MX next to other MX records (RFC 7505 §3)");
      continue;
    }
    if (IpAddress::parse(host, literal)) {
      plan.skipped.push_back("MX " + std::to_string(r.preference) + " " + host +
                             ": an IP address is not a host name (RFC 5321 §2.3.5)");
      continue;
    }
    const auto same = std::find_if(hosts.begin(), hosts.end(),
                                   [&](const MxHost& h) { return h.host == host; });
    if (same != hosts.end()) {
      same->preference = std::min(same->preference, r.preference);
      continue;
    }
    hosts.push_back({host, r.preference, false});
  }
  if (hosts.empty()) {
    plan.failure = permanent("5.4.4", "no usable MX host for " + domain);
    return plan;
  }

  // RFC 5321 §5.1: lowest preference first; among equal preferences, a random order so that
  // load spreads across them.
  std::stable_sort(hosts.begin(), hosts.end(),
                   [](const MxHost& a, const MxHost& b) { return a.preference < b.preference; });
  for (auto run = hosts.begin(); run != hosts.end();) {
    const auto end = std::find_if(run, hosts.end(), [&](const MxHost& h) {
      return h.preference != run->preference;
    });
    // Fisher-Yates over [run, end).
    for (auto n = static_cast<std::size_t>(end - run); n > 1; --n) {
      std::swap(run[n - 1], run[static_cast<std::ptrdiff_t>(pick(n) % n)]);
    }
    run = end;
  }
  if (hosts.size() > kMaxMxHosts) {
    for (std::size_t i = kMaxMxHosts; i < hosts.size(); ++i) {
      plan.skipped.push_back("MX " + std::to_string(hosts[i].preference) + " " + hosts[i].host +
                             ": more than " + std::to_string(kMaxMxHosts) + " MX hosts");
    }
    hosts.resize(kMaxMxHosts);
  }
  plan.hosts = std::move(hosts);
  return plan;
}

std::vector<IpAddress> interleave_addresses(const std::vector<IpAddress>& v6,
                                            const std::vector<IpAddress>& v4,
                                            std::size_t limit) {
  std::vector<IpAddress> out;
  const auto add = [&](const IpAddress& a) {
    if (out.size() < limit && std::find(out.begin(), out.end(), a) == out.end()) {
      out.push_back(a);
    }
  };
  for (std::size_t i = 0; i < std::max(v6.size(), v4.size()); ++i) {
    if (i < v6.size()) add(v6[i]);
    if (i < v4.size()) add(v4[i]);
  }
  return out;
}

std::string expanded_name(std::string_view host, const HostAddresses& found) {
  // Both lookups follow the same CNAME chain; whichever answered names its end.
  const std::string& canonical = found.a.ok()      ? found.a.canonical_name
                                 : found.aaaa.ok() ? found.aaaa.canonical_name
                                                   : std::string();
  if (canonical.empty()) return {};
  std::string out = normalize_dns_name(canonical);
  return out == normalize_dns_name(host) ? std::string() : out;
}

DeliveryRoute assemble_route(const MxPlan& plan, const std::vector<HostAddresses>& addresses) {
  DeliveryRoute route;
  route.skipped = plan.skipped;
  route.mx_secure = plan.secure;
  if (plan.failure) {
    route.failure = plan.failure;
    return route;
  }
  bool any_temporary = false;
  std::string reasons;
  for (std::size_t i = 0; i < plan.hosts.size(); ++i) {
    const MxHost& host = plan.hosts[i];
    const HostAddresses none{};
    const HostAddresses& found = i < addresses.size() ? addresses[i] : none;
    DeliveryTarget target{host.host, host.preference, host.implicit,
                          interleave_addresses(found.aaaa.records, found.a.records)};
    target.addresses_secure = found.aaaa.dnssec() == DnssecStatus::secure &&
                              found.a.dnssec() == DnssecStatus::secure;
    target.expanded_name = expanded_name(host.host, found);
    if (!target.addresses.empty()) {
      route.targets.push_back(std::move(target));
      continue;
    }
    const bool temporary_here = found.a.status == DnsStatus::temporary ||
                                found.aaaa.status == DnsStatus::temporary;
    any_temporary = any_temporary || temporary_here;
    std::string why = host.host + ": no address (AAAA " + describe(found.aaaa) + ", A " +
                      describe(found.a) + ")";
    if (!reasons.empty()) reasons += "; ";
    reasons += why;
    route.skipped.push_back(std::move(why));
  }
  if (route.targets.empty()) {
    // RFC 5321 §5.1: MX records (or the implicit MX) that lead to no address are an error;
    // it is temporary while some lookup may still succeed later.
    route.failure = any_temporary ? temporary(reasons) : permanent("5.4.4", reasons);
  }
  return route;
}

DeliveryRoute assemble_next_hops(const std::vector<NextHopName>& hops,
                                 const std::vector<HostAddresses>& addresses) {
  DeliveryRoute route;
  std::string reasons;
  std::size_t looked_up = 0;
  for (std::size_t i = 0; i < hops.size(); ++i) {
    const NextHopName& hop = hops[i];
    DeliveryTarget target;
    target.host = hop.host;
    target.preference = static_cast<std::uint16_t>(i);
    target.port = hop.port;
    if (hop.literal) {
      IpAddress ip;
      if (IpAddress::parse(hop.host, ip)) target.addresses.push_back(ip);
    } else {
      const HostAddresses none{};
      const HostAddresses& found = looked_up < addresses.size() ? addresses[looked_up] : none;
      ++looked_up;
      target.addresses = interleave_addresses(found.aaaa.records, found.a.records);
      target.addresses_secure = found.aaaa.dnssec() == DnssecStatus::secure &&
                                found.a.dnssec() == DnssecStatus::secure;
      target.expanded_name = expanded_name(hop.host, found);
      if (target.addresses.empty()) {
        std::string why = "next hop " + hop.host + ": no address (AAAA " +
                          describe(found.aaaa) + ", A " + describe(found.a) + ")";
        if (!reasons.empty()) reasons += "; ";
        reasons += why;
        route.skipped.push_back(std::move(why));
      }
    }
    if (!target.addresses.empty()) route.targets.push_back(std::move(target));
  }
  if (route.targets.empty()) {
    route.failure = temporary(reasons.empty() ? std::string("no next hop configured") : reasons);
  }
  return route;
}

}  // namespace stsrelay::net
