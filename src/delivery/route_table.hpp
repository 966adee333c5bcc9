// Where each recipient's mail goes ([[route]] tables): the recipient domain's MX hosts or a
// configured next hop, with a TLS floor, like Postfix's transport_maps, relayhost and
// smtp_tls_policy_maps. Pure: the tables come from the configuration, matching is string work.
//
// - Tables are tried in order; the first whose `domains` match the recipient domain (and whose
//   `senders`, when given, match the sender's domain) wins. No match: the MX hosts, floor `may`.
// - A domain pattern is a domain ("example.com": that domain only), a dot and a domain
//   (".example.com": any subdomain, not the domain itself) or "*" (every domain). Patterns and
//   the domains they are matched with are normalised (lower case, A-labels).
// - A next hop is "mx" (the recipient domain's MX records), "host:port" (that host's A/AAAA
//   records, no MX lookup) or "[ip]:port" (that address); the port defaults to 25. A list is
//   tried in order, like MX preferences.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "src/core/result.hpp"

namespace stsrelay::delivery {

// TLS levels, Postfix's names: none (plain text), may (STARTTLS when offered, any
// certificate), encrypt (TLS required, not authenticated), dane (DANE where usable TLSA records
// are secure, else may), dane-only (DANE required), verify (a chain to the trust store naming
// the next-hop host), secure (the same, naming the next-hop domain or a subdomain).
enum class TlsFloor { none, may, encrypt, dane, dane_only, verify, secure };

std::string_view to_string(TlsFloor floor);
std::optional<TlsFloor> parse_tls_floor(std::string_view text);

struct NextHop {
  enum class Kind { mx, host, address };
  Kind kind = Kind::mx;
  std::string host;        // host: a normalised host name; address: the IP, no brackets
  std::uint16_t port = 25;

  friend bool operator==(const NextHop&, const NextHop&) = default;
};

// "mx", "relay.example.com", "relay.example.com:587", "[192.0.2.10]", "[192.0.2.10]:25",
// "[2001:db8::1]:25". Errors say what is wrong.
core::Result<NextHop> parse_next_hop(std::string_view text);
// The form parse_next_hop reads: "mx", "relay.example.com:587", "[2001:db8::1]:25".
std::string format_next_hop(const NextHop& hop);

// A domain pattern as described above, normalised; errors say what is wrong.
core::Result<std::string> parse_domain_pattern(std::string_view text);
// `pattern` (normalised) against `domain` (normalised).
bool domain_matches(std::string_view pattern, std::string_view domain);

// The contents of a route's auth_file (read by the daemon, never by the config parser).
struct RouteCredentials {
  std::string user;
  std::string password;
  friend bool operator==(const RouteCredentials&, const RouteCredentials&) = default;
};

struct Route {
  std::vector<std::string> domains;  // recipient domain patterns, normalised
  std::vector<std::string> senders;  // sender domain patterns; empty: any sender
  std::vector<NextHop> next_hops{NextHop{}};  // in order; the default is the MX hosts
  TlsFloor tls = TlsFloor::may;
  bool implicit_tls = false;   // TLS from the first byte (RFC 8314), else STARTTLS
  std::string auth_file;       // "user:password" for AUTH at the next hop; empty: no AUTH
  std::string source_address;  // local address to connect from; empty: delivery's default
  std::optional<RouteCredentials> credentials;  // auth_file's contents, once loaded

  // True when the recipient domain's MX records are used (and so its MTA-STS policy applies).
  bool via_mx() const;
  friend bool operator==(const Route&, const Route&) = default;
};

struct RouteMatch {
  const Route* route = nullptr;  // null: no table matched; the default route applies
  std::size_t index = 0;         // route[index] in the configuration, when route is set
};

class RouteTable {
 public:
  RouteTable() = default;
  explicit RouteTable(std::vector<Route> routes) : routes_(std::move(routes)) {}

  // `recipient_domain` normalised; `sender_domain` normalised, empty for the null sender (it
  // matches only tables without `senders`).
  RouteMatch match(std::string_view recipient_domain, std::string_view sender_domain) const;
  // The route that applies: the matching table or the default (MX hosts, floor may).
  const Route& route_for(std::string_view recipient_domain, std::string_view sender_domain) const;

  const std::vector<Route>& routes() const { return routes_; }

  // What applies, in one phrase for `queue show`: "route[2]: smtp.provider.example:587
  // tls=verify" or "default: mx tls=may".
  std::string describe(std::string_view recipient_domain, std::string_view sender_domain) const;

 private:
  std::vector<Route> routes_;
  Route default_route_;
};

}  // namespace stsrelay::delivery
