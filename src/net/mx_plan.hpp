// Which hosts, in which order, to hand mail for a domain to: RFC 5321 §5.1 over DNS results.
// Pure: the DNS answers and the randomness come in as values; resolve_delivery_targets
// (mx_targets.hpp) asks the resolver and calls these.
//
// Choices where the RFCs leave room, each pinned by a row of tests/unit/net/mx_plan_test.cpp:
// - Null MX (RFC 7505 §3): a domain whose only MX record targets the root "." accepts no mail:
//   permanent 5.1.10, whatever the preference (the RFC says 0; any other value still names no
//   host). A root target next to real MX hosts is dropped and the others are used.
// - An MX target written as an IP address is not a host name (RFC 5321 §2.3.5: only
//   resolvable FQDNs; RFC 1035 §3.3.9: EXCHANGE is a domain name) and is skipped, as is a
//   host listed twice (the lower preference is kept). MX records that leave no usable host:
//   permanent 5.4.4 ("unable to route"), as Postfix reports them.
// - Addresses of one MX: IPv6 and IPv4 interleaved, IPv6 first (RFC 8305 §4), so a broken IPv6
//   path costs one connection attempt before an IPv4 one, not one per IPv6 address.
// - At most kMaxMxHosts hosts and kMaxAddressesPerHost addresses per host are kept (bounds the
//   work one hostile domain can cause).
// - A host whose lookups failed temporarily is skipped when another has addresses (Postfix
//   does the same); when none has any, the failure is temporary (4.4.3) if any lookup failed
//   temporarily, otherwise permanent (5.4.4).
// Not done: dropping MX hosts at or below our own preference (RFC 5321 §5.1 ¶5), which matters
// only for an MTA that is itself an MX of the domain; stsrelay relays outbound only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "src/net/dns_types.hpp"

namespace stsrelay::net {

inline constexpr std::size_t kMaxMxHosts = 10;
inline constexpr std::size_t kMaxAddressesPerHost = 10;

// Returns an index in [0, n), uniformly at random in production (random_pick()); tests
// inject fixed choices.
using PickIndex = std::function<std::size_t(std::size_t n)>;
PickIndex random_pick();

// Why a domain has no delivery targets, with what the delivery engine does about it.
struct RouteFailure {
  bool permanent = false;  // true: bounce now; false: defer
  std::string dsn;         // enhanced status code (RFC 3463): 5.1.2, 5.1.10, 5.4.4, 4.4.3
  std::string text;        // for the log line and the DSN diagnostic
  friend bool operator==(const RouteFailure&, const RouteFailure&) = default;
};

struct MxHost {
  std::string host;
  std::uint16_t preference = 0;
  bool implicit = false;  // no MX records: the domain itself, preference 0 (RFC 5321 §5.1)
  friend bool operator==(const MxHost&, const MxHost&) = default;
};

struct MxPlan {
  std::vector<MxHost> hosts;            // in the order to try them
  // The MX answer (or the NODATA that makes the domain its own MX) was DNSSEC-secure: DANE may
  // apply to these hosts (RFC 7672 §2.2.1).
  bool secure = false;
  std::optional<RouteFailure> failure;  // set exactly when hosts is empty
  std::vector<std::string> skipped;     // MX records left out, and why (for logs)
};

// Classifies the MX lookup of `domain` and orders its hosts: by preference, equal preferences
// shuffled with `pick` (RFC 5321 §5.1).
MxPlan plan_mx_hosts(std::string_view domain, const DnsResult<MxRecord>& mx,
                     const PickIndex& pick);

// The A and AAAA results of one host.
struct HostAddresses {
  DnsResult<IpAddress> aaaa;
  DnsResult<IpAddress> a;
};

struct DeliveryTarget {
  std::string host;  // the MX host name: SNI, certificate name, MTA-STS "mx" match
  std::uint16_t preference = 0;
  bool implicit = false;
  std::vector<IpAddress> addresses;  // all tried before the next target (RFC 5321 §5.1)
  std::uint16_t port = 0;            // 0: the delivery port (25); a configured next hop's own
  // Both address lookups were DNSSEC-secure (an answer or a secure denial): with a secure MX
  // RRset, the host's TLSA records are asked for (RFC 7672 §2.2.2).
  bool addresses_secure = false;
  // The host's name after CNAMEs, when its addresses came through an alias (normalised); empty
  // when the host owns its addresses. RFC 7672 §2.2.2: the preferred TLSA base domain.
  std::string expanded_name = {};
  friend bool operator==(const DeliveryTarget&, const DeliveryTarget&) = default;
};

struct DeliveryRoute {
  std::vector<DeliveryTarget> targets;   // non-empty on success
  bool mx_secure = false;                // MxPlan::secure
  std::optional<RouteFailure> failure;   // set exactly when targets is empty
  std::vector<std::string> skipped;      // hosts left out, and why (for logs)
  bool ok() const { return !failure.has_value(); }
};

// IPv6 first, then alternating (RFC 8305 §4), duplicates dropped, at most `limit`.
std::vector<IpAddress> interleave_addresses(const std::vector<IpAddress>& v6,
                                            const std::vector<IpAddress>& v4,
                                            std::size_t limit = kMaxAddressesPerHost);

// Joins a plan with the address lookups of its hosts (`addresses[i]` belongs to
// `plan.hosts[i]`) into the route, or the failure the delivery engine acts on.
DeliveryRoute assemble_route(const MxPlan& plan, const std::vector<HostAddresses>& addresses);

// The name `host`'s address records belong to after CNAMEs (normalised), or "" when the host
// owns them itself or no lookup answered.
std::string expanded_name(std::string_view host, const HostAddresses& found);

// A configured next hop (a route's `next_hop`): a host name, reached at its A/AAAA records with
// no MX lookup, or an address literal; with its port.
struct NextHopName {
  std::string host;  // a normalised host name, or the address when `literal`
  std::uint16_t port = 25;
  bool literal = false;
};

// The targets of configured next hops, in the configured order. `addresses[i]` belongs to the
// i-th hop that is not a literal. A hop without addresses is skipped; when none is left the
// failure is always temporary (4.4.3): a configured next hop that cannot be found is for the
// administrator to fix, never a reason to bounce the sender's mail.
DeliveryRoute assemble_next_hops(const std::vector<NextHopName>& hops,
                                 const std::vector<HostAddresses>& addresses);

}  // namespace stsrelay::net
