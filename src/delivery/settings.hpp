// What the delivery agent is told by the configuration ([delivery] and [queue]), as plain
// values, so that src/delivery does not depend on src/app. The daemon fills it at start and on
// every SIGHUP (DeliveryAgent::reconfigure).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "queue/retry_schedule.hpp"
#include "src/delivery/route_table.hpp"
#include "sts/enforcement.hpp"

namespace stsrelay::dkim {
class SigningKeys;
}

namespace stsrelay::delivery {

struct DeliverySettings {
  std::string helo_name;      // EHLO argument (delivery.helo_name, else server.hostname)
  std::string reporting_mta;  // our name in DSNs (server.hostname)
  std::string ca_file;        // empty: the system trust store
  std::string source_address;  // local address to connect from (delivery.source_address)
  // [[route]] tables, credentials loaded; empty: every domain to its MX hosts, floor `may`.
  RouteTable routes;
  std::size_t concurrency = 200;            // jobs (SMTP sessions) at once
  // Jobs talking to one recipient domain at once; a job writing its results no longer counts.
  std::size_t per_domain_concurrency = 20;
  bool dry_run = false;                     // connect and judge TLS, send nothing
  queue::RetrySchedule retry_schedule;
  std::chrono::seconds max_lifetime{5 * 86400};
  std::uint16_t smtp_port = 25;  // RFC 5321 §4.5.4: MX hosts are reached on port 25
  // delivery.connect_timeout, command_timeout, data_timeout (config.hpp says which step each
  // bounds).
  std::chrono::seconds connect_timeout{30};
  std::chrono::seconds command_timeout{300};
  std::chrono::seconds data_timeout{600};

  // Connection reuse: an idle session to one MX address waits this long for the next
  // job to the same destination, and carries at most this many transactions. The count bounds
  // how long one session lives (Postfix bounds it by time alone, 300 s); each new session costs
  // both sides a TLS handshake, which one busy destination pays most often.
  std::chrono::seconds reuse_idle{5};
  std::size_t reuse_max_transactions = 100;
  std::size_t reuse_max_idle_sessions = 100;  // in total, so idle sockets stay bounded

  // MTA-STS local control (sts.enforcement, [sts.override]; enforcement.hpp): the override of
  // a domain (normalised: lower case, A-labels) replaces the global setting for it.
  sts::LocalEnforcement sts_enforcement = sts::LocalEnforcement::policy;
  std::map<std::string, sts::LocalEnforcement> sts_overrides;
  // DANE (dane.enforcement, [dane.override]; dane_host.hpp), read the same way.
  sts::LocalEnforcement dane_enforcement = sts::LocalEnforcement::policy;
  std::map<std::string, sts::LocalEnforcement> dane_overrides;

  // [[dkim.sign]] keys: the DSNs the agent writes are signed like relayed mail (their From:
  // is MAILER-DAEMON@reporting_mta, so a table for that domain signs them). Null: unsigned.
  std::shared_ptr<const dkim::SigningKeys> signing_keys;
};

}  // namespace stsrelay::delivery
