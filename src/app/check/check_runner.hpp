// The I/O of `stsrelay check DOMAIN`: asks DNS, the policy host and every MX host now, with the
// daemon's resolver, trust store and limits, and hands each answer to the judgements of
// check_findings.hpp. Blocking: runs its own io_context until the report is complete.
//
// Order, as a sending relay meets them: `_mta-sts` TXT, the policy fetch, the MX records against
// the policy, the copy in sts.db, whether the resolvers validate DNSSEC, each MX host's STARTTLS
// and certificate (a probe session that QUITs after the TLS stage, as a dry run does) and its
// DANE (check_dane.hpp), `_smtp._tls`. Every step runs even when an earlier one failed, so one
// run shows everything that is wrong; only a TXT lookup without an answer stops it (exit 2:
// nothing can be concluded). Resolvers that do not validate make the DANE part "could not run"
// (exit 2 too): the DANE lines are left out rather than guessed.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "src/app/check/check_report.hpp"
#include "src/net/dns_cares_resolver.hpp"

namespace stsrelay::app {

struct CheckSettings {
  net::ResolverSettings dns;                // delivery.dns_servers, dns_timeout, dns_tries
  std::string ca_file;                      // delivery.ca_file; empty: the system trust store
  std::string helo_name;                    // delivery.helo_name or server.hostname
  std::chrono::milliseconds fetch_timeout{60'000};  // sts.fetch_timeout
  std::uint64_t max_policy_size = 65'536;            // sts.max_policy_size
  std::string sts_db;  // <state_dir>/sts.db; not opened when the file does not exist
  std::uint16_t smtp_port = 25;
  // Each step of a probe session (connect, greeting, EHLO, STARTTLS): shorter than delivery's
  // minutes, since someone is waiting for the answer.
  std::chrono::milliseconds smtp_step_timeout{30'000};
  // What the relay's [[route]] tables do to the domain (route_finding.hpp), reported first.
  std::vector<CheckLine> route_lines;
  // DANE applies to the domain ([dane] enforcement or its override, or a dane route floor):
  // then the resolvers are probed ([dane] validation_probe) and each MX gets a DANE line.
  bool dane = true;
  std::string validation_probe = ".";
};

// `domain` must be normalised (core::normalize_domain).
CheckReport run_check(const CheckSettings& settings, const std::string& domain);

}  // namespace stsrelay::app
