// Whether the resolvers in delivery.dns_servers validate DNSSEC, judged from one query whose
// answer a validating resolver must vouch for: DANE (RFC 7672 §2.1) trusts their AD bit
// (RFC 6840 §5.7), so a resolver that never validates would leave DANE silently unused, and a
// resolver that is unreachable tells nothing either way.
//
// The probe asks TXT at a name inside a trust anchor's zone ([dane] validation_probe, the root
// by default). A TXT query, not DNSKEY: the answer is a NODATA (the root and most zone apexes
// publish no TXT) whose NSEC/NSEC3 proof a validating resolver can only check after validating
// the zone's DNSKEY RRset against its trust anchor, so AD on it proves the same as AD on the
// DNSKEY answer would, and it needs no record type the rest of stsrelay never asks for. A
// positive TXT answer with AD proves it as well.
//
// judge_validation is pure (table: tests/unit/net/dnssec_probe_test.cpp); probe_validation is
// the shell that asks through the Resolver interface.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "src/net/dns_resolver.hpp"
#include "src/net/dns_types.hpp"

namespace stsrelay::net {

enum class Validation {
  validating,      // the probe came back with AD: the resolvers validate
  not_validating,  // an answer without AD: they do not (or strip AD); DANE can never apply
  unknown,         // no answer (timeout, SERVFAIL, REFUSED): could not tell
};
std::string_view to_string(Validation v);  // "validating", "not validating", "unknown"

struct ValidationProbe {
  Validation state = Validation::unknown;
  std::string reason;  // plain English, for the log, /healthz and `stsrelay check`
  friend bool operator==(const ValidationProbe&, const ValidationProbe&) = default;
};

// The judgement of the TXT answer at `probe_name`: answer, NODATA or NXDOMAIN with AD is
// validating (a secure denial needs validation too); any of them without AD is not; a temporary
// failure tells nothing.
ValidationProbe judge_validation(std::string_view probe_name, DnsStatus status,
                                 bool authenticated, std::string_view reason);

// Asks TXT at `probe_name` and hands the judgement to `done` (on the resolver's thread).
void probe_validation(Resolver& resolver, std::string probe_name,
                      std::function<void(ValidationProbe)> done);

}  // namespace stsrelay::net
