// The configuration as one typed struct: every key of the configuration (etc/stsrelay.toml) and
// the extras of the application. A key that feeds the settings of a module (the inbound server's
// smtp::ServerSettings, the delivery agent's delivery::DeliverySettings) takes its default from
// that struct, which holds it once; the other defaults are here. The daemon swaps the whole
// struct on SIGHUP. Parsing (config_parser.hpp) fills it from TOML, validation
// (config_validate.hpp) checks what a value's type cannot say.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "smtp/server_settings.hpp"
#include "src/core/logging.hpp"
#include "src/delivery/route_table.hpp"
#include "src/delivery/settings.hpp"
#include "sts/enforcement.hpp"

namespace stsrelay::app {

// The settings structs as built with their defaults: the defaults of the keys that feed them.
inline const smtp::ServerSettings& server_defaults() {
  static const smtp::ServerSettings defaults;
  return defaults;
}
inline const delivery::DeliverySettings& delivery_defaults() {
  static const delivery::DeliverySettings defaults;
  return defaults;
}

struct ServerConfig {
  std::vector<std::string> listen = server_defaults().listen;  // "ip:port", "[v6]:port"
  std::string hostname = server_defaults().hostname;  // greeting, Received:, default HELO name
  std::string tls_cert;                // PEM chain; STARTTLS when cert and key are set
  std::string tls_key;
  std::uint64_t max_message_size = server_defaults().max_message_size;
  std::uint64_t max_recipients = server_defaults().max_recipients;
  std::uint64_t max_connections = server_defaults().max_connections;
  std::uint64_t max_connections_per_ip = server_defaults().max_connections_per_ip;
  // RFC 6409 §8: add Date: and Message-ID: to a message that lacks them.
  bool add_missing_headers = server_defaults().add_missing_headers;
  // RFC 5321 §4.5.3.2.7 and §4.5.3.2.5: a server should wait at least 5 minutes for a command
  // and for each chunk of DATA.
  std::chrono::seconds command_timeout = server_defaults().command_timeout;
  std::chrono::seconds data_timeout = server_defaults().data_timeout;
  // Per connection, then 421 and close.
  std::uint64_t max_auth_failures = static_cast<std::uint64_t>(server_defaults().max_auth_failures);
  // 5xx-answered commands per connection, then 421.
  std::uint64_t max_bad_commands = static_cast<std::uint64_t>(server_defaults().max_bad_commands);

  friend bool operator==(const ServerConfig&, const ServerConfig&) = default;
};

struct RelayConfig {
  std::vector<std::string> allow_networks = server_defaults().allow_networks;  // relay w/o AUTH
  std::string auth_users_file;  // user:hash lines; AUTH offered after STARTTLS when set

  friend bool operator==(const RelayConfig&, const RelayConfig&) = default;
};

struct QueueConfig {
  std::string state_dir = "var";  // queue.db, sts.db, tlsrpt.db; relative to the working dir
  std::vector<std::chrono::seconds> retry_schedule{
      std::chrono::seconds{300}, std::chrono::seconds{600}, std::chrono::seconds{1200},
      std::chrono::seconds{2400}, std::chrono::seconds{3600}};  // the last step repeats
  std::chrono::seconds max_lifetime = delivery_defaults().max_lifetime;  // then a DSN bounce

  friend bool operator==(const QueueConfig&, const QueueConfig&) = default;
};

struct DeliveryConfig {
  std::string helo_name;                 // empty: server.hostname
  std::vector<std::string> dns_servers;  // "ip", "ip:port", "[v6]:port"; empty: resolv.conf
  // Each DNS query: the wait for the first try, doubled by c-ares for each further try.
  std::chrono::seconds dns_timeout{3};
  std::uint64_t dns_tries = 3;
  std::string ca_file;                   // empty: the system trust store
  std::string source_address;            // local address to connect from; empty: the OS's
  std::uint64_t concurrency = delivery_defaults().concurrency;
  std::uint64_t per_domain_concurrency = delivery_defaults().per_domain_concurrency;
  bool dry_run = delivery_defaults().dry_run;
  // Outbound SMTP timeouts (RFC 5321 §4.5.3.2 by default): the TCP connect; each command's
  // reply (greeting, EHLO, STARTTLS and its handshake, MAIL, RCPT, DATA, RSET); the reply after
  // the final "." (each write of the content gets at most 3 minutes of it).
  std::chrono::seconds connect_timeout = delivery_defaults().connect_timeout;
  std::chrono::seconds command_timeout = delivery_defaults().command_timeout;
  std::chrono::seconds data_timeout = delivery_defaults().data_timeout;

  friend bool operator==(const DeliveryConfig&, const DeliveryConfig&) = default;
};

struct StsConfig {
  sts::LocalEnforcement enforcement = delivery_defaults().sts_enforcement;
  std::chrono::seconds fetch_timeout{60};
  std::uint64_t max_policy_size = 65536;
  // [sts.override]: normalised domain (lower case, A-labels, no trailing dot) -> local mode.
  std::map<std::string, sts::LocalEnforcement> overrides;

  friend bool operator==(const StsConfig&, const StsConfig&) = default;
};

// [dane]: DANE for SMTP (RFC 7672) with the same local modes as [sts]: policy (apply what the
// domain publishes under DNSSEC), testing (deliver as without DANE, log what it would do), off.
struct DaneConfig {
  sts::LocalEnforcement enforcement = sts::LocalEnforcement::policy;
  std::map<std::string, sts::LocalEnforcement> overrides;  // [dane.override], normalised domains
  // The name whose TXT answer must come back with AD from validating resolvers (dnssec_probe.hpp):
  // the root, or the apex of a zone under the resolvers' trust anchor.
  std::string validation_probe = ".";

  friend bool operator==(const DaneConfig&, const DaneConfig&) = default;
};

struct TlsrptConfig {
  bool enabled = true;
  // RFC 8460 §4.4 organization-name and contact-info, and the submitter of the report
  // e-mail (§5.3); empty until the administrator names them.
  std::string organization_name;
  std::string contact_info;
  std::string submitter;
  std::chrono::minutes send_at{30};  // after 00:00 UTC, for the day that just ended
  // The daily run starts at send_at plus a random delay of up to this (RFC 8460 §4.1 asks for
  // one, so that receivers do not get every sender's report at the same second).
  std::chrono::seconds max_send_delay{3600};
  std::string dkim_selector = "tlsrpt";  // RFC 8460 §5.3: reports are DKIM-signed
  std::string dkim_key_file;             // PEM private key, RSA or Ed25519
  std::chrono::seconds retention{30 * 86400};  // reports and counters older than this are pruned

  friend bool operator==(const TlsrptConfig&, const TlsrptConfig&) = default;
};

// One [[dkim.sign]] table: a key that signs relayed mail whose From: domain is `domain`.
struct DkimSignConfig {
  std::string domain;    // normalised by validation (lower case, A-labels)
  std::string selector;  // the key is published at <selector>._domainkey.<domain>
  std::string key_file;  // PEM private key, RSA (1024-4096 bits) or Ed25519
  std::string where;     // "file:line" of the table, for errors about its key file

  friend bool operator==(const DkimSignConfig&, const DkimSignConfig&) = default;
};

struct DkimConfig {
  std::vector<DkimSignConfig> sign;

  friend bool operator==(const DkimConfig&, const DkimConfig&) = default;
};

struct LogConfig {
  std::string level = "info";  // spdlog level name
  core::LogFormat format = core::LogFormat::text;

  friend bool operator==(const LogConfig&, const LogConfig&) = default;
};

struct MetricsConfig {
  // "127.0.0.1:9325": GET /metrics (Prometheus text) and /healthz there. Empty: off. Loopback
  // addresses only unless allow_remote (the figures say how much mail goes where, and the
  // endpoint has no authentication); a reverse proxy can publish them.
  std::string listen;
  bool allow_remote = false;

  friend bool operator==(const MetricsConfig&, const MetricsConfig&) = default;
};

struct ClusterConfig {
  // libpq conninfo ("host=db.internal dbname=stsrelay user=relay") or URI
  // ("postgresql://relay@db.internal/stsrelay"). Empty: this node alone, everything in state_dir.
  // Holds secrets when the password is written in it: never logged whole (db::redact_conninfo).
  std::string database;
  std::string node_name;      // empty: the host name
  std::string password_file;  // the password in a file (first line); empty: conninfo or PGPASSWORD
  // The term of a node's lease on a report it builds or sends (tlsrpt/report_lease.hpp): when
  // the node dies, another takes the report over this long after the node's last renewal.
  std::chrono::seconds report_lease{300};

  bool enabled() const { return !database.empty(); }
  friend bool operator==(const ClusterConfig&, const ClusterConfig&) = default;
};

struct Config {
  ServerConfig server;
  RelayConfig relay;
  QueueConfig queue;
  DeliveryConfig delivery;
  StsConfig sts;
  DaneConfig dane;
  TlsrptConfig tlsrpt;
  DkimConfig dkim;
  std::vector<delivery::Route> routes;  // [[route]], in order: the first match wins
  MetricsConfig metrics;
  LogConfig log;
  ClusterConfig cluster;

  friend bool operator==(const Config&, const Config&) = default;
};

}  // namespace stsrelay::app
