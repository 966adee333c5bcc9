#include "src/app/config/config_validate.hpp"

#include <algorithm>
#include <array>
#include <set>

#include "src/core/ascii.hpp"
#include "src/core/domain_name.hpp"
#include "src/db/pg_conninfo.hpp"
#include "src/net/cidr.hpp"
#include "src/net/dns_servers.hpp"
#include "src/net/dns_types.hpp"
#include "src/net/listen_address.hpp"
#include "tlsrpt/contact_address.hpp"

namespace stsrelay::app {
namespace {

constexpr std::uint64_t kMaxAuthFailures = 100;
constexpr std::uint64_t kMaxBadCommands = 1000;

// Collects problems with the line of their key, so that they come out in file order.
class Checker {
 public:
  explicit Checker(const ConfigSource& source) : source_(source) {}

  void fail(const std::string& key, std::string_view what) {
    problems_.add(source_.line(key), source_.problem(key, what));
  }

  // A host name (RFC 1035 §2.3.4 LDH labels, RFC 5321 §4.1.2 Domain); `what` names its role.
  void host_name(const std::string& key, const std::string& value, std::string_view what) {
    auto normalized = core::normalize_domain(value);
    if (!normalized) {
      fail(key, "expected " + std::string(what) + ", got \"" + value + "\" (" +
                    normalized.error().message + ")");
    }
  }

  core::Status result() const {
    if (problems_.items.empty()) return core::Ok{};
    return core::Error::invalid(problems_.joined());
  }

 private:
  const ConfigSource& source_;
  Problems problems_;
};

std::string item(std::string_view key, std::size_t i) {
  return std::string(key) + "[" + std::to_string(i) + "]";
}

void check_server(const ServerConfig& s, const RelayConfig& relay, Checker& check) {
  if (s.listen.empty()) check.fail("server.listen", "expected at least one address");
  std::set<std::string> seen;
  for (std::size_t i = 0; i < s.listen.size(); ++i) {
    auto address = net::parse_listen_address(s.listen[i]);
    if (!address) {
      check.fail(item("server.listen", i), address.error().message +
                                               " (expected \"ip:port\" or \"[ipv6]:port\")");
    } else if (!seen.insert(net::format_endpoint(address->host, address->port)).second) {
      check.fail(item("server.listen", i), "\"" + s.listen[i] + "\" is listed twice");
    }
  }
  check.host_name("server.hostname", s.hostname, "a host name");
  // STARTTLS needs both (RFC 3207); one without the other is a mistake, not a choice.
  if (s.tls_cert.empty() != s.tls_key.empty()) {
    const bool cert = !s.tls_cert.empty();
    check.fail(cert ? "server.tls_cert" : "server.tls_key",
               std::string("is set but ") + (cert ? "server.tls_key" : "server.tls_cert") +
                   " is empty: set both (STARTTLS) or neither");
  }
  if (s.max_connections_per_ip > s.max_connections) {
    check.fail("server.max_connections_per_ip", "must not exceed server.max_connections (" +
                                                    std::to_string(s.max_connections) + ")");
  }
  // RFC 4954 §4 asks servers to limit failed attempts; more than this is no limit at all.
  if (s.max_auth_failures > kMaxAuthFailures) {
    check.fail("server.max_auth_failures",
               "expected at most " + std::to_string(kMaxAuthFailures) + ", got " +
                   std::to_string(s.max_auth_failures));
  }
  // A client that keeps sending what gets 5xx is broken or probing; a higher limit only lets it
  // hold a connection slot longer.
  if (s.max_bad_commands > kMaxBadCommands) {
    check.fail("server.max_bad_commands",
               "expected at most " + std::to_string(kMaxBadCommands) + ", got " +
                   std::to_string(s.max_bad_commands));
  }
  if (s.command_timeout.count() == 0) check.fail("server.command_timeout", "must not be zero");
  if (s.data_timeout.count() == 0) check.fail("server.data_timeout", "must not be zero");
  // RFC 4954 §4: AUTH is offered only over TLS here, so users without TLS could never log in.
  if (!relay.auth_users_file.empty() && s.tls_cert.empty()) {
    check.fail("relay.auth_users_file",
               "needs server.tls_cert and server.tls_key: AUTH is offered only after STARTTLS");
  }
}

void check_relay(const RelayConfig& r, Checker& check) {
  for (std::size_t i = 0; i < r.allow_networks.size(); ++i) {
    if (auto cidr = net::Cidr::parse(r.allow_networks[i]); !cidr) {
      check.fail(item("relay.allow_networks", i),
                 cidr.error().message + " (expected a network such as \"192.0.2.0/24\")");
    }
  }
}

void check_queue(const QueueConfig& q, Checker& check) {
  if (q.state_dir.empty()) check.fail("queue.state_dir", "expected a directory, got \"\"");
  if (q.retry_schedule.empty()) {
    check.fail("queue.retry_schedule", "expected at least one duration");
  }
  for (std::size_t i = 0; i < q.retry_schedule.size(); ++i) {
    if (q.retry_schedule[i].count() == 0) {
      check.fail(item("queue.retry_schedule", i), "must not be zero");
    }
  }
  if (q.max_lifetime.count() == 0) check.fail("queue.max_lifetime", "must not be zero");
}

void check_delivery(const DeliveryConfig& d, Checker& check) {
  if (!d.helo_name.empty()) check.host_name("delivery.helo_name", d.helo_name, "a host name");
  net::IpAddress source;
  if (!d.source_address.empty() && !net::IpAddress::parse(d.source_address, source)) {
    check.fail("delivery.source_address",
               "expected an IPv4 or IPv6 address, got \"" + d.source_address + "\"");
  }
  for (std::size_t i = 0; i < d.dns_servers.size(); ++i) {
    if (auto server = net::parse_dns_server(d.dns_servers[i]); !server) {
      check.fail(item("delivery.dns_servers", i),
                 server.error().message + " (expected \"ip\", \"ip:port\" or \"[ipv6]:port\")");
    }
  }
  if (d.per_domain_concurrency > d.concurrency) {
    check.fail("delivery.per_domain_concurrency",
               "must not exceed delivery.concurrency (" + std::to_string(d.concurrency) + ")");
  }
  if (d.dns_timeout.count() == 0) check.fail("delivery.dns_timeout", "must not be zero");
  if (d.dns_tries > 10) check.fail("delivery.dns_tries", "must be at most 10");
  if (d.connect_timeout.count() == 0) check.fail("delivery.connect_timeout", "must not be zero");
  if (d.command_timeout.count() == 0) check.fail("delivery.command_timeout", "must not be zero");
  if (d.data_timeout.count() == 0) check.fail("delivery.data_timeout", "must not be zero");
}

// The domain of a contact-info ("local@domain" or "mailto:local@domain"), lower case; empty
// when it names no domain.
std::string contact_domain(std::string_view contact) {
  const std::string address = tlsrpt::contact_address(contact);
  const auto at = address.rfind('@');
  if (at == std::string::npos) return {};
  return core::to_lower_ascii(std::string_view(address).substr(at + 1));
}

void check_tlsrpt(const TlsrptConfig& t, Checker& check) {
  if (!t.submitter.empty()) check.host_name("tlsrpt.submitter", t.submitter, "a domain name");
  // RFC 8460 §5.3: the report mail's TLS-Report-Submitter (and DKIM domain) is the domain of
  // the reporting organisation, which contact-info names; report receivers match the two.
  const std::string contact = contact_domain(t.contact_info);
  // RFC 8460 §4.4: contact-info is an e-mail address.
  if (!t.contact_info.empty() && contact.empty()) {
    check.fail("tlsrpt.contact_info",
               "must be an e-mail address (local@domain, or mailto:local@domain)");
  }
  const std::string submitter = core::to_lower_ascii(t.submitter);
  if (!contact.empty() && !submitter.empty() && contact != submitter) {
    check.fail("tlsrpt.submitter", "must be the domain of tlsrpt.contact_info (" + contact + ")");
  }
  // The run of a day must start before the next day's: the delay stays within a few hours.
  if (t.max_send_delay > std::chrono::hours(6)) {
    check.fail("tlsrpt.max_send_delay", "must be at most 6h");
  }
  // RFC 6376 §3.1: a selector is one or more LDH labels.
  check.host_name("tlsrpt.dkim_selector", t.dkim_selector, "a DKIM selector (LDH labels)");
}

void check_dkim(const DkimConfig& d, Checker& check) {
  std::set<std::pair<std::string, std::string>> seen;
  for (std::size_t i = 0; i < d.sign.size(); ++i) {
    const DkimSignConfig& s = d.sign[i];
    const std::string key = item("dkim.sign", i);
    if (s.domain.empty()) {
      check.fail(key, "domain is missing");
    } else {
      check.host_name(key + ".domain", s.domain, "a mail domain");
    }
    if (s.selector.empty()) {
      check.fail(key, "selector is missing");
    } else {
      check.host_name(key + ".selector", s.selector, "a DKIM selector (LDH labels)");
    }
    if (s.key_file.empty()) check.fail(key, "key_file is missing");
    auto domain = core::normalize_domain(s.domain);
    const std::pair<std::string, std::string> id{domain ? *domain : s.domain,
                                                 core::to_lower_ascii(s.selector)};
    if (!s.domain.empty() && !s.selector.empty() && !seen.insert(id).second) {
      check.fail(key, "a second key for domain " + id.first + " and selector " + id.second +
                          " (each [[dkim.sign]] needs its own domain and selector)");
    }
  }
}

void check_routes(const std::vector<delivery::Route>& routes, Checker& check) {
  for (std::size_t i = 0; i < routes.size(); ++i) {
    const delivery::Route& r = routes[i];
    const std::string key = item("route", i);
    if (r.domains.empty()) check.fail(key, "domains is missing (the recipient domains it is for)");
    if (r.next_hops.empty()) check.fail(key + ".next_hop", "expected at least one next hop");
    if (r.implicit_tls && r.via_mx()) {
      check.fail(key + ".implicit_tls",
                 "needs next hops of their own (\"host:465\"): MX hosts take STARTTLS on port 25");
    }
    if (r.implicit_tls && r.tls == delivery::TlsFloor::none) {
      check.fail(key + ".implicit_tls",
                 "TLS from the first byte contradicts tls = \"none\" (plain text); use "
                 "\"encrypt\" or stronger");
    }
    if (!r.auth_file.empty() && r.tls == delivery::TlsFloor::none) {
      check.fail(key + ".auth_file",
                 "needs a TLS floor of \"encrypt\" or stronger: a password is never sent in "
                 "plain text (route tls is \"none\")");
    }
    const bool dane_floor =
        r.tls == delivery::TlsFloor::dane || r.tls == delivery::TlsFloor::dane_only;
    for (const delivery::NextHop& hop : r.next_hops) {
      if (dane_floor && hop.kind == delivery::NextHop::Kind::address) {
        // Refused rather than quietly treated as "may": TLSA records hang off a name
        // (_port._tcp.<host>), and a floor that cannot be checked must not look as if it were.
        check.fail(key + ".tls", "\"" + std::string(delivery::to_string(r.tls)) +
                                     "\" looks up TLSA records (RFC 7672) under the next hop's "
                                     "name, and [" + hop.host + "] has none: name the next hop "
                                     "(\"relay.example.com:25\") or use \"encrypt\"");
        break;
      }
    }
    const bool names_checked =
        r.tls == delivery::TlsFloor::verify || r.tls == delivery::TlsFloor::secure;
    for (const delivery::NextHop& hop : r.next_hops) {
      if (names_checked && hop.kind == delivery::NextHop::Kind::address) {
        check.fail(key + ".tls", "\"" + std::string(delivery::to_string(r.tls)) +
                                     "\" checks the certificate against the next hop's name, "
                                     "and [" + hop.host + "] has none: name the next hop "
                                     "(\"relay.example.com:25\") or use \"encrypt\"");
        break;
      }
    }
    net::IpAddress ip;
    if (!r.source_address.empty() && !net::IpAddress::parse(r.source_address, ip)) {
      check.fail(key + ".source_address",
                 "expected an IPv4 or IPv6 address, got \"" + r.source_address + "\"");
    }
  }
}

void check_metrics(const MetricsConfig& m, Checker& check) {
  if (m.listen.empty()) return;
  auto address = net::parse_listen_address(m.listen);
  if (!address) {
    check.fail("metrics.listen", address.error().message);
    return;
  }
  const bool loopback = address->host.rfind("127.", 0) == 0 || address->host == "::1" ||
                        address->host == "localhost";
  if (!loopback && !m.allow_remote) {
    check.fail("metrics.listen", "must be a loopback address (127.0.0.0/8, [::1] or localhost) "
                                 "unless metrics.allow_remote = true, got \"" + m.listen + "\"");
  }
}

// The node name goes into batch ids and logs: a short token, no separators of the batch id.
bool is_node_name(std::string_view name) {
  if (name.empty() || name.size() > 63) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return core::is_alnum(c) || c == '-' || c == '.' || c == '_';
  });
}

void check_cluster(const ClusterConfig& c, Checker& check) {
  if (!c.database.empty()) {
    // libpq's message only: the text itself may hold a password.
    if (auto st = db::check_conninfo(c.database); !st) {
      check.fail("cluster.database", "not a PostgreSQL conninfo or URI: " + st.error().message);
    }
  } else if (!c.password_file.empty()) {
    check.fail("cluster.password_file", "is set but cluster.database is empty");
  }
  // A term must outlast one step of a report run (a DNS lookup or a POST), or a live node's
  // report would be taken over while it is still being sent.
  if (c.report_lease < std::chrono::seconds(1)) {
    check.fail("cluster.report_lease", "must be at least 1s");
  }
  if (!c.node_name.empty() && !is_node_name(c.node_name)) {
    check.fail("cluster.node_name", "expected letters, digits, '-', '.' or '_' (at most 63), "
                                    "got \"" + c.node_name + "\"");
  }
}

}  // namespace

bool is_log_level(std::string_view name) {
  static constexpr std::array<std::string_view, 8> kLevels = {
      "trace", "debug", "info", "warn", "warning", "error", "critical", "off"};
  return std::find(kLevels.begin(), kLevels.end(), name) != kLevels.end();
}

core::Status validate_config(const ParsedConfig& parsed) {
  const Config& c = parsed.config;
  Checker check(parsed.source);
  check_server(c.server, c.relay, check);
  check_relay(c.relay, check);
  check_queue(c.queue, check);
  check_delivery(c.delivery, check);
  if (c.sts.fetch_timeout.count() == 0) check.fail("sts.fetch_timeout", "must not be zero");
  if (const std::string probe = net::normalize_dns_name(c.dane.validation_probe);
      probe != "." && !net::is_valid_query_name(probe)) {
    check.fail("dane.validation_probe",
               "expected a DNS name (\".\" for the root), got \"" + c.dane.validation_probe + "\"");
  }
  check_tlsrpt(c.tlsrpt, check);
  check_dkim(c.dkim, check);
  check_routes(c.routes, check);
  check_metrics(c.metrics, check);
  check_cluster(c.cluster, check);
  if (!is_log_level(c.log.level)) {
    check.fail("log.level", "expected one of \"trace\", \"debug\", \"info\", \"warn\", "
                            "\"error\", \"critical\" or \"off\", got \"" + c.log.level + "\"");
  }
  return check.result();
}

}  // namespace stsrelay::app
